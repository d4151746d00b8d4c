import { selectBackend, type ActiveBackend, type BackendName } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import { finishedStatuses, type RunStore } from '@siamese-lab/store';
import { loadRunData, type RunData } from './datasets.ts';
import { evaluateRun } from './evaluate.ts';
import { collectProvenance } from './provenance.ts';
import type { ExperimentSpec } from './spec/parse.ts';
import type { PlannedRun } from './spec/sweep.ts';
import { trainRun, type TrainingProgress } from './train.ts';

export type ExperimentEvent =
  | { kind: 'plan'; total: number; toRun: number; skipped: number }
  | { kind: 'backend'; backend: ActiveBackend }
  | { kind: 'run-start'; position: number; toRun: number; run: PlannedRun; runId: number }
  | { kind: 'progress'; position: number; toRun: number; run: PlannedRun; progress: TrainingProgress }
  | { kind: 'run-end'; position: number; toRun: number; run: PlannedRun; runId: number; status: string; wallSeconds: number; metrics: Record<string, number | null>; note?: string }
  | { kind: 'run-busy'; run: PlannedRun; runId: number };

export interface RunExperimentOptions {
  store: RunStore;
  /** Overrides every run's `backend` (the CLI's --backend). */
  backend?: BackendName;
  /** Re-run runs that already finished. */
  force?: boolean;
  /** Allow more runs than the experiment's max_runs. */
  yes?: boolean;
  onEvent?(event: ExperimentEvent): void;
  /** Checked after every training step; true stops after the current step. */
  shouldStop?(): boolean;
  /** Lease length; a crashed process's runs are taken over once this passes (or at once on the same host). */
  leaseSeconds?: number;
  /** The caller already ran preflightExperiment (e.g. before creating the database). */
  preflighted?: boolean;
}

export interface ExperimentOutcome {
  experimentId: number;
  completed: number;
  nan: number;
  failed: number;
  skipped: number;
  busy: number;
  interrupted: { runId: number; run: PlannedRun; stepsDone: number } | null;
}

/**
 * Runs what is missing of an experiment: finished runs (same config hash) are skipped unless
 * forced, interrupted or crashed runs are redone from the start, and each finished run is written
 * to the store in one transaction, so a crash at any point loses at most the run in progress.
 */
/**
 * Every check that needs more than the file itself (the run budget, the datasets, batch sizes
 * against them), done before anything is written: a bad input leaves the database untouched.
 */
export function preflightExperiment(experiment: ExperimentSpec, options: { yes?: boolean } = {}): void {
  if (experiment.runs.length > experiment.maxRuns && !options.yes) {
    throw new LabError(`the sweep expands to ${experiment.runs.length} runs, more than max_runs (${experiment.maxRuns})`, {
      location: experiment.filePath,
      field: 'sweep',
      hint: 'pass --yes to run them all, raise max_runs in the file, or shrink the sweep',
    });
  }
  const trainCounts = new Map<string, number>();
  for (const run of experiment.runs) {
    const dataKey = JSON.stringify(run.spec.data);
    let trainCount = trainCounts.get(dataKey);
    if (trainCount === undefined) {
      trainCount = loadDataOf(experiment, run).train.count;
      trainCounts.set(dataKey, trainCount);
    }
    if (run.spec.sampler.batch_size > trainCount) {
      throw new LabError(`batch_size ${run.spec.sampler.batch_size} is larger than the training set (${trainCount} images)${experiment.runs.length > 1 ? ` in run ${run.label}` : ''}`, {
        location: experiment.filePath,
        field: fieldOf(run, 'sampler.batch_size'),
        hint: 'lower sampler.batch_size or raise data.train_limit',
      });
    }
  }
}

/** The file field that sets a run parameter: its sweep entry when swept, else base. */
function fieldOf(run: PlannedRun, parameter: string): string {
  return parameter in run.overrides ? `sweep.*.${parameter}` : `base.${parameter}`;
}

/** Loads a run's data, naming the experiment file and field in any error (the loaders know only the IDX path). */
function loadDataOf(experiment: ExperimentSpec, run: PlannedRun): RunData {
  try {
    return loadRunData(run.spec.data);
  } catch (error) {
    if (!(error instanceof LabError)) throw error;
    const inExperimentFile = error.location === undefined || error.location === experiment.filePath;
    throw new LabError(inExperimentFile ? error.message : `${error.message} (the dataset of ${experiment.filePath})`, {
      location: error.location ?? experiment.filePath,
      field: error.field ?? fieldOf(run, 'data.directory'),
      hint: error.hint ?? 'check data.directory and data.validation_size in the experiment file',
      cause: error,
    });
  }
}

export async function runExperiment(experiment: ExperimentSpec, options: RunExperimentOptions): Promise<ExperimentOutcome> {
  const { store } = options;
  if (!options.preflighted) preflightExperiment(experiment, options);
  const record = store.upsertExperiment({
    name: experiment.name,
    description: experiment.description,
    filePath: experiment.filePath,
    spec: { base: experiment.base, runs: experiment.runs.map((run) => run.overrides) },
    sweepKeys: experiment.sweepKeys,
  });
  const planned = experiment.runs.map((run) => ({ run, stored: store.planRun(record.id, { runIndex: run.index, configHash: run.configHash, label: run.label, params: run.params }) }));
  const todo = planned.filter(({ stored }) => options.force || !finishedStatuses.includes(stored.status));
  const outcome: ExperimentOutcome = { experimentId: record.id, completed: 0, nan: 0, failed: 0, skipped: planned.length - todo.length, busy: 0, interrupted: null };
  options.onEvent?.({ kind: 'plan', total: planned.length, toRun: todo.length, skipped: outcome.skipped });

  const leaseSeconds = options.leaseSeconds ?? 120;
  let activeBackend: ActiveBackend | undefined;
  let data: { key: string; value: RunData } | undefined;

  for (const [position, { run, stored }] of todo.entries()) {
    const backendName = options.backend ?? run.spec.backend;
    if (!activeBackend || activeBackend.requested !== backendName) {
      activeBackend = await selectBackend(backendName);
      options.onEvent?.({ kind: 'backend', backend: activeBackend });
    }
    const dataKey = JSON.stringify(run.spec.data);
    if (!data || data.key !== dataKey) data = { key: dataKey, value: loadDataOf(experiment, run) };
    const claimed = store.claimRun(stored.id, {
      backend: activeBackend.name,
      provenance: collectProvenance(activeBackend.description),
      leaseSeconds,
      force: options.force,
    });
    if (!claimed) {
      outcome.busy++;
      options.onEvent?.({ kind: 'run-busy', run, runId: stored.id });
      continue;
    }
    options.onEvent?.({ kind: 'run-start', position: position + 1, toRun: todo.length, run, runId: stored.id });
    const started = performance.now();
    let lastLease = Date.now();
    let result: Awaited<ReturnType<typeof trainRun>> | undefined;
    try {
      result = await trainRun(run.spec, data.value, {
        onStepMetrics: (rows) => {
          store.appendStepMetrics(stored.id, rows);
          if (Date.now() - lastLease > 5000) {
            lastLease = Date.now();
            store.renewLease(stored.id, leaseSeconds, rows[rows.length - 1].step);
          }
        },
        onProgress: (progress) => options.onEvent?.({ kind: 'progress', position: position + 1, toRun: todo.length, run, progress }),
        shouldStop: options.shouldStop,
      });
      if (result.interrupted) {
        store.markInterrupted(stored.id, result.stepsDone);
        outcome.interrupted = { runId: stored.id, run, stepsDone: result.stepsDone };
        return outcome;
      }
      const evaluation = evaluateRun(result.model, data.value.test, run.spec, data.value.right?.test);
      const status = result.firstNanStep !== null && (result.stoppedOnNan || evaluation.metrics.non_finite === 1) ? 'nan' : 'completed';
      const wallSeconds = (performance.now() - started) / 1000;
      const metrics = {
        ...evaluation.metrics,
        final_loss: result.finalLoss,
        steps_per_second: result.stepsDone / result.trainSeconds,
        nan_steps: result.nanSteps,
        first_nan_step: result.firstNanStep,
      };
      store.finishRun(
        stored.id,
        {
          status,
          wallSeconds,
          stepsDone: result.stepsDone,
          nanSteps: result.nanSteps,
          firstNanStep: result.firstNanStep,
          nanDetail: result.nanDetail,
          error: evaluation.warnings.length ? evaluation.warnings.join('; ') : null,
          metrics,
          embedding: run.spec.evaluation.store_embeddings ? { ...evaluation.embedding, classShapes: evaluation.classShapes } : null,
          checkpoint: run.spec.evaluation.store_checkpoint ? { tensors: result.model.exportWeights() } : null,
        },
        run.params,
      );
      if (status === 'nan') outcome.nan++;
      else outcome.completed++;
      options.onEvent?.({
        kind: 'run-end',
        position: position + 1,
        toRun: todo.length,
        run,
        runId: stored.id,
        status,
        wallSeconds,
        metrics,
        note: result.nanDetail?.reason,
      });
    } catch (error: unknown) {
      if (error instanceof LabError) {
        try {
          store.finishRun(stored.id, { status: 'failed', wallSeconds: (performance.now() - started) / 1000, stepsDone: result?.stepsDone ?? 0, nanSteps: 0, firstNanStep: null, error: error.describe(), metrics: {} }, run.params);
        } catch {
          // The store itself may be the problem (a full disk): the run stays 'running' under a dead owner and is redone next time.
        }
        throw error;
      }
      // A bug in one run must not stop the sweep: record it and go on.
      const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
      store.finishRun(stored.id, { status: 'failed', wallSeconds: (performance.now() - started) / 1000, stepsDone: result?.stepsDone ?? 0, nanSteps: 0, firstNanStep: null, error: message, metrics: {} }, run.params);
      outcome.failed++;
      options.onEvent?.({ kind: 'run-end', position: position + 1, toRun: todo.length, run, runId: stored.id, status: 'failed', wallSeconds: (performance.now() - started) / 1000, metrics: {}, note: error instanceof Error ? error.message : String(error) });
    } finally {
      result?.model.dispose();
    }
  }
  return outcome;
}
