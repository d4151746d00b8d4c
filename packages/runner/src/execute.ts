import { selectBackend, type ActiveBackend, type BackendName } from '@siamese-lab/backend';
import { isLabError, LabError } from '@siamese-lab/core';
import { isBatchSamplerKind, validatePairSamplerOptions } from '@siamese-lab/data';
import { ModelInputError } from '@siamese-lab/model';
import { finishedStatuses } from '@siamese-lab/run-record';
import type { RunStore } from '@siamese-lab/store';
import { dataProvenance, loadRunData, type RunData } from './datasets.ts';
import { collectProvenance } from './provenance.ts';
import { optimizerAsBuilt } from './optimizers.ts';
import { totalmem } from 'node:os';
import { formatBytes, weightMemory, weightMemoryLimit, weightMemoryShare } from './memory.ts';
import { locateRunParameter, type ExperimentSpec } from './spec/parse.ts';
import type { PlannedRun } from './spec/sweep.ts';
import { classBalancedOptions, trainingSamplerOptions } from './train.ts';
import { evaluationInputProblem } from './evaluate.ts';
import { trainAndEvaluate } from './run-one.ts';
import { runInWorkerProcesses } from './parallel.ts';
import { trialJudge, type TrialContext } from './search/trial.ts';
import { runSearch, searchPreflightPlan } from './search/run-search.ts';
import { countRun, type ExperimentEvent, type ExperimentOutcome, type RunExperimentOptions, type RunTally } from './experiment-run.ts';

/**
 * Every check that needs more than the file itself (the run budget, the datasets, batch sizes
 * against them), done before anything is written: a bad input leaves the database untouched.
 */
export function preflightExperiment(experiment: ExperimentSpec, options: { yes?: boolean } = {}): void {
  // A search: its first trial's run (the data, batch sizes and memory do not depend on the sampled values).
  if (experiment.search) return preflightExperiment(searchPreflightPlan(experiment), options);
  if (experiment.runs.length > experiment.maxRuns && !options.yes) {
    throw new LabError(`the sweep expands to ${experiment.runs.length} runs, more than max_runs (${experiment.maxRuns})`, {
      location: experiment.filePath,
      field: 'sweep',
      hint: 'pass --yes to run them all, raise max_runs in the file, or shrink the sweep',
    });
  }
  const loaded = new Map<string, RunData>();
  for (const run of experiment.runs) {
    const dataKey = JSON.stringify([run.spec.data, run.dataFolder]);
    let data = loaded.get(dataKey);
    if (data === undefined) {
      data = loadDataOf(experiment, run);
      loaded.set(dataKey, data);
    }
    const trainCount = data.train.count;
    const inRun = experiment.runs.length > 1 ? ` in run ${run.label}` : '';
    if (run.spec.sampler.batch_size > trainCount) {
      throw new LabError(`batch_size ${run.spec.sampler.batch_size} is larger than the training set (${trainCount} images)${inRun}`, {
        ...locateRunParameter(experiment.filePath, run.overrides, 'sampler.batch_size'),
        hint: 'lower sampler.batch_size or raise data.train_limit',
      });
    }
    checkPairs(experiment, run, data, inRun);
    checkWeightMemory(experiment, run, data, inRun);
  }
}

/** Refuses data that cannot give the training pairs or the evaluation's verification pairs (found only after training otherwise). */
function checkPairs(experiment: ExperimentSpec, run: PlannedRun, data: RunData, inRun: string): void {
  if (isBatchSamplerKind(run.spec.sampler.kind)) {
    const { classesPerBatch, itemsPerClass } = classBalancedOptions(run.spec, data);
    const present = new Set(data.train.labels).size;
    if (classesPerBatch > present) {
      throw new LabError(
        `class_balanced draws ${classesPerBatch} classes a batch (batch_size ${run.spec.sampler.batch_size} / items_per_class ${itemsPerClass}), but the training images hold ${present} class${present === 1 ? '' : 'es'}${inRun}`,
        {
          ...locateRunParameter(experiment.filePath, run.overrides, 'sampler.items_per_class'),
          hint: `raise items_per_class to at least ${Math.ceil(run.spec.sampler.batch_size / present)} or lower batch_size, so that batch_size / items_per_class <= ${present}`,
        },
      );
    }
  } else {
    checkPairSampler(experiment, run, data, inRun);
  }
  checkEvaluation(experiment, run, data, inRun);
}

function checkPairSampler(experiment: ExperimentSpec, run: PlannedRun, data: RunData, inRun: string): void {
  try {
    validatePairSamplerOptions(trainingSamplerOptions(run.spec, data));
  } catch (error) {
    if (!isLabError(error)) throw error;
    throw new LabError(`${error.message}${inRun}`, {
      ...locateRunParameter(experiment.filePath, run.overrides, 'data.train_limit'),
      hint: error.hint ?? 'use more training images (a larger data.train_limit) or another sampler',
      cause: error,
    });
  }
}

function checkEvaluation(experiment: ExperimentSpec, run: PlannedRun, data: RunData, inRun: string): void {
  const problem = evaluationInputProblem(run.spec, data.test, data.right?.test, data.validation);
  if (problem) {
    throw new LabError(`${problem.message}${inRun}`, {
      ...locateRunParameter(experiment.filePath, run.overrides, problem.setting),
      hint: problem.hint ?? `raise ${problem.setting} (the default scores all 10,000 test images with 2,000 pairs)`,
    });
  }
}

/** Refuses a model whose weights, gradients and optimizer state alone would not fit in memory (found before anything is written). */
function checkWeightMemory(experiment: ExperimentSpec, run: PlannedRun, data: RunData, inRun: string): void {
  let memory: ReturnType<typeof weightMemory>;
  try {
    memory = weightMemory(run.spec, data);
  } catch (error) {
    // The model names its own setting; the line in the file is the runner's to find.
    if (!(error instanceof ModelInputError)) throw error;
    throw new LabError(`${error.message}${inRun}`, {
      ...locateRunParameter(experiment.filePath, run.overrides, `model.${error.setting}`),
      hint: error.hint,
      cause: error,
    });
  }
  const limit = weightMemoryLimit();
  if (memory.bytes <= limit) return;
  const { model, optimizer } = run.spec;
  const tower = memory.towerB > memory.towerA && model.tower_b ? 'tower_b' : 'tower_a';
  const largest = tower === 'tower_b' && model.tower_b ? model.tower_b : model.tower_a;
  const weights = (memory.towerA + memory.towerB).toLocaleString('en-US');
  throw new LabError(
    `the model needs ${formatBytes(memory.bytes)} for its ${weights} weights, their gradients${memory.copies > 2 ? ` and the ${optimizer.name} optimizer's state` : ''}${inRun}; ` +
      `a run may use at most ${weightMemoryShare * 100}% of this machine's ${formatBytes(totalmem())} of memory (${formatBytes(limit)})`,
    {
      ...locateRunParameter(experiment.filePath, run.overrides, `model.${tower}${largest.kind === 'mlp' ? '.hidden' : ''}`),
      hint: 'use smaller or fewer layers (the seed has hidden: [1024, 1024])',
    },
  );
}

/** Loads a run's data, naming the experiment file and field in any error (the loaders know only the IDX path). */
function loadDataOf(experiment: Pick<ExperimentSpec, 'filePath'>, run: PlannedRun): RunData {
  try {
    return loadRunData(run.spec.data, { relativeTo: run.dataFolder });
  } catch (error) {
    if (!(error instanceof LabError)) throw error;
    // The runner's own checks name a run setting (data.validation_size, ...); the loaders name
    // the IDX file they could not read, and then the setting is data.directory.
    const setting = locateRunParameter(experiment.filePath, run.overrides, error.field ?? 'data.directory');
    const hint = error.hint ?? 'check data.directory and data.validation_size in the experiment file';
    if (error.location === undefined || error.location === experiment.filePath) {
      throw new LabError(error.message, { ...setting, hint, cause: error });
    }
    throw new LabError(`${error.message} (the dataset of ${experiment.filePath})`, {
      location: error.location,
      field: setting.field,
      hint,
      cause: error,
    });
  }
}

/** Selects a run's backend; a backend this machine lacks is named at its line in the file (unless --backend chose it). */
async function selectBackendOf(
  experiment: Pick<ExperimentSpec, 'filePath'>,
  run: PlannedRun,
  backendName: BackendName,
  options: Pick<LocalRunnerOptions, 'backend' | 'threads'>,
): Promise<ActiveBackend> {
  try {
    return await selectBackend(backendName, options.threads === undefined ? {} : { blasThreads: options.threads });
  } catch (error) {
    if (!(error instanceof LabError) || options.backend !== undefined) throw error;
    throw new LabError(error.message, {
      ...locateRunParameter(experiment.filePath, run.overrides, 'backend'),
      hint: error.hint,
      cause: error,
    });
  }
}

export interface LocalRunnerOptions {
  store: RunStore;
  /** Overrides every run's `backend`. */
  backend?: BackendName;
  /** BLAS threads of this process (default: every core). */
  threads?: number;
  force?: boolean;
  leaseSeconds?: number;
  onEvent?: (event: ExperimentEvent) => void;
  shouldStop?: () => boolean;
}

/**
 * Runs stored runs one at a time in this process: claims the run's lease, trains and evaluates
 * it, and records it (one transaction). The backend and the last run's data are kept between
 * runs. Used by the in-process sweep and by each `--jobs` worker process.
 */
export function createLocalRunner(experiment: Pick<ExperimentSpec, 'filePath'>, options: LocalRunnerOptions) {
  const { store } = options;
  const leaseSeconds = options.leaseSeconds ?? 120;
  let activeBackend: ActiveBackend | undefined;
  let data: { key: string; value: RunData } | undefined;

  return async function runStored(
    run: PlannedRun,
    runId: number,
    position: number,
    toRun: number,
    trial?: TrialContext,
  ): Promise<RunTally> {
    const backendName = options.backend ?? run.spec.backend;
    if (!activeBackend || activeBackend.requested !== backendName) {
      activeBackend = await selectBackendOf(experiment, run, backendName, options);
      options.onEvent?.({ kind: 'backend', backend: activeBackend });
    }
    const dataKey = JSON.stringify([run.spec.data, run.dataFolder]);
    if (!data || data.key !== dataKey) data = { key: dataKey, value: loadDataOf(experiment, run) };
    const claimed = store.claimRun(runId, {
      backend: activeBackend.name,
      provenance: {
        ...collectProvenance(activeBackend.description, activeBackend.name),
        optimizer: optimizerAsBuilt(run.spec.optimizer),
        data: dataProvenance(data.value),
      },
      leaseSeconds,
      force: options.force,
    });
    if (!claimed) {
      options.onEvent?.({ kind: 'run-busy', run, runId });
      return { status: 'busy' };
    }
    options.onEvent?.({ kind: 'run-start', position, toRun, run, runId });
    let lastLease = Date.now();
    const judge = trial && trialJudge(store, trial, run, runId, data.value);
    const result = await trainAndEvaluate(
      run,
      data.value,
      {
        onStepMetrics: (rows) => {
          store.appendStepMetrics(runId, rows);
          if (Date.now() - lastLease > 5000) {
            lastLease = Date.now();
            store.renewLease(runId, leaseSeconds, rows[rows.length - 1].step);
          }
        },
        onProgress: (progress) => options.onEvent?.({ kind: 'progress', position, toRun, run, runId, progress }),
        shouldStop: () => (options.shouldStop?.() ?? false) || judge?.stopped() !== undefined,
        onStep: judge?.onStep,
      },
      judge?.stopped,
    );
    if (result.kind === 'interrupted') {
      store.markInterrupted(runId, result.stepsDone);
      return { status: 'interrupted', stepsDone: result.stepsDone };
    }
    const { outcome } = result;
    if (result.inputError) {
      try {
        store.finishRun(runId, outcome, run.params);
      } catch {
        // The store itself may be the problem (a full disk): the run stays 'running' under a dead owner and is redone next time.
      }
      throw result.inputError;
    }
    store.finishRun(runId, outcome, run.params);
    options.onEvent?.({
      kind: 'run-end',
      position,
      toRun,
      run,
      runId,
      status: outcome.status,
      wallSeconds: outcome.wallSeconds,
      metrics: outcome.metrics,
      note: result.note,
    });
    return { status: outcome.status };
  };
}

/** Records the experiment and its runs (queued unless already there); returns the runs still to do. */
function planStoredRuns(store: RunStore, experiment: ExperimentSpec, force: boolean) {
  const record = store.upsertExperiment({
    name: experiment.name,
    description: experiment.description,
    filePath: experiment.filePath,
    spec: {
      base: experiment.base,
      runs: experiment.runs.map((run) => run.overrides),
      claims: experiment.claims,
      ...(experiment.tuning && { tuning: experiment.tuning }),
    },
    sweepKeys: experiment.sweepKeys,
  });
  const planned = experiment.runs.map((run) => ({
    run,
    stored: store.planRun(record.id, { runIndex: run.index, configHash: run.configHash, label: run.label, params: run.params }),
  }));
  const todo = planned.filter(({ stored }) => force || !finishedStatuses.includes(stored.status));
  return { experimentId: record.id, total: planned.length, todo };
}

/**
 * The start of every way of running a sweep (in process, in worker processes, on a queue): records
 * the experiment and its runs, announces the plan, and returns the runs still to do with the
 * sweep's outcome so far (the finished runs it skips).
 */
export function planExperiment(
  store: RunStore,
  experiment: ExperimentSpec,
  options: { force?: boolean; onEvent?: (event: ExperimentEvent) => void },
): { todo: ReturnType<typeof planStoredRuns>['todo']; outcome: ExperimentOutcome } {
  const { experimentId, total, todo } = planStoredRuns(store, experiment, options.force ?? false);
  const outcome: ExperimentOutcome = {
    experimentId,
    completed: 0,
    nan: 0,
    failed: 0,
    skipped: total - todo.length,
    pruned: 0,
    busy: 0,
    interrupted: null,
    interruptedRuns: [],
  };
  options.onEvent?.({ kind: 'plan', total, toRun: todo.length, skipped: outcome.skipped });
  return { todo, outcome };
}

/**
 * Runs what is missing of an experiment: finished runs (same config hash) are skipped unless
 * forced, interrupted or crashed runs are redone from the start, and each finished run is written
 * to the store in one transaction, so a crash at any point loses at most the run in progress.
 * With `jobs` > 1 the runs are shared among that many worker processes.
 */
export async function runExperiment(experiment: ExperimentSpec, options: RunExperimentOptions): Promise<ExperimentOutcome> {
  const { store } = options;
  if (!options.preflighted) preflightExperiment(experiment, options);
  if (experiment.search) return runSearch(experiment, options);
  const { todo, outcome } = planExperiment(store, experiment, options);
  if ((options.jobs ?? 1) > 1 && todo.length > 1) {
    await runInWorkerProcesses(experiment, todo, outcome, { ...options, jobs: options.jobs! });
    return outcome;
  }
  const runStored = createLocalRunner(experiment, options);
  for (const [index, { run, stored }] of todo.entries()) {
    const tally = await runStored(run, stored.id, index + 1, todo.length);
    countRun(outcome, tally, stored.id, run);
    if (tally.status === 'interrupted') return outcome;
  }
  return outcome;
}
