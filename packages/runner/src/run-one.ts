import { LabError } from '@siamese-lab/core';
import type { RunOutcome } from '@siamese-lab/store';
import type { RunData } from './datasets.ts';
import { evaluateRun } from './evaluate.ts';
import type { PlannedRun } from './spec/sweep.ts';
import { trainRun, type TrainingHooks, type TrainingResult } from './train.ts';

/** What training and evaluating one run gave: a result to record, or a stop before the end. */
export type RunResult =
  | { kind: 'interrupted'; stepsDone: number }
  /**
   * `outcome` is what the store records. `inputError` is set when the run failed because of the
   * user's input or environment (a LabError): the run is recorded as failed and the sweep stops.
   */
  | { kind: 'finished'; outcome: RunOutcome; note?: string; inputError?: LabError };

/** A search trial stopped by its early-stopping rule: where, and the values it is recorded with. */
export interface PrunedTrial {
  step: number;
  /** Final metrics of the pruned run (rung_objective, pruned_at_step), beside the training ones. */
  metrics: Record<string, number | null>;
}

/**
 * Trains and evaluates one planned run, with no store involved: the one code path shared by the
 * in-process sweep, `--jobs` worker processes and queue workers. A bug inside the run becomes a
 * `failed` outcome (one bad run never stops a sweep); a LabError becomes a failed outcome that
 * stops it.
 */
export async function trainAndEvaluate(
  run: PlannedRun,
  data: RunData,
  hooks: TrainingHooks,
  /** A search trial: whether its rule stopped it (it then ends `pruned`, not interrupted, and is not scored on the test set). */
  pruned?: () => PrunedTrial | undefined,
): Promise<RunResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let result: TrainingResult | undefined;
  try {
    result = await trainRun(run.spec, data, hooks);
    const stoppedAtRung = result.interrupted ? pruned?.() : undefined;
    if (stoppedAtRung) {
      const outcome: RunOutcome = {
        status: 'pruned',
        wallSeconds: elapsed(),
        stepsDone: result.stepsDone,
        nanSteps: result.nanSteps,
        firstNanStep: result.firstNanStep,
        nanDetail: result.nanDetail,
        error: null,
        metrics: { ...trainingMetrics(result), ...stoppedAtRung.metrics },
        embedding: null,
        checkpoint: null,
      };
      return { kind: 'finished', outcome, note: `pruned at step ${stoppedAtRung.step}` };
    }
    if (result.interrupted) return { kind: 'interrupted', stepsDone: result.stepsDone };
    const evaluation = evaluateRun(result.model, data.test, run.spec, data.right?.test, data.validation);
    const status = result.firstNanStep !== null && (result.stoppedOnNan || evaluation.metrics.non_finite === 1) ? 'nan' : 'completed';
    const outcome: RunOutcome = {
      status,
      wallSeconds: elapsed(),
      stepsDone: result.stepsDone,
      nanSteps: result.nanSteps,
      firstNanStep: result.firstNanStep,
      nanDetail: result.nanDetail,
      error: evaluation.warnings.length ? evaluation.warnings.join('; ') : null,
      metrics: {
        ...evaluation.metrics,
        ...trainingMetrics(result),
      },
      embedding: run.spec.evaluation.store_embeddings ? { ...evaluation.embedding, classShapes: evaluation.classShapes } : null,
      checkpoint: run.spec.evaluation.store_checkpoint ? { tensors: result.model.exportWeights() } : null,
    };
    return { kind: 'finished', outcome, note: result.nanDetail?.reason };
  } catch (error: unknown) {
    const failed = (message: string): RunOutcome => ({
      status: 'failed',
      wallSeconds: elapsed(),
      stepsDone: result?.stepsDone ?? 0,
      nanSteps: 0,
      firstNanStep: null,
      error: message,
      metrics: {},
    });
    if (error instanceof LabError) return { kind: 'finished', outcome: failed(error.describe()), note: error.message, inputError: error };
    // A bug in one run must not stop the sweep: it is recorded with its stack.
    const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
    return { kind: 'finished', outcome: failed(message), note: error instanceof Error ? error.message : String(error) };
  } finally {
    result?.model.dispose();
  }
}

/** What training measured, as final metrics. */
function trainingMetrics(result: TrainingResult): Record<string, number | null> {
  return {
    final_loss: result.finalLoss,
    mean_learning_rate: result.meanLearningRate,
    steps_per_second: result.stepsDone / result.trainSeconds,
    nan_steps: result.nanSteps,
    first_nan_step: result.firstNanStep,
  };
}
