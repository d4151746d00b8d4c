import { createTrainingOptimizer, tf, type TrainingOptimizer } from '@siamese-lab/backend';
import {
  createClassBalancedSampler,
  createPairSampler,
  imageSize,
  isBatchSamplerKind,
  type ClassBalancedSamplerOptions,
  type PairSamplerOptions,
} from '@siamese-lab/data';
import { createSiameseModel, type SiameseModel } from '@siamese-lab/model';
import { buildBatchLoss, buildDistance, buildPairLoss, isBatchLossKind } from '@siamese-lab/losses';
import type { StepMetricRow } from '@siamese-lab/store';
import { imageShapeOf, type RunData } from './datasets.ts';
import { buildOptimizer, learningRateAt } from './optimizers.ts';
import type { RunSpec } from './spec/schema.ts';
import { trainingStep, type StepOutcome, type StepParts } from './training/step.ts';
import { batchPairs, batchTrainingStep, type BatchStepParts } from './training/batch-step.ts';
import { NanTracker, type NanDetail, type PairView } from './training/nan-check.ts';
import { ProgressReporter, StepLog, type TrainingProgress } from './training/step-log.ts';

export type { NanDetail } from './training/nan-check.ts';
export type { TrainingProgress } from './training/step-log.ts';

export interface TrainingHooks {
  /** Called with step rows every `log_every` steps (and for every non-finite step). */
  onStepMetrics?(rows: StepMetricRow[]): void;
  onProgress?(progress: TrainingProgress): void;
  /** Checked after every step: true ends training early (the run is then interrupted). */
  shouldStop?(): boolean;
  /** Called after every step that did not end training, before shouldStop (a search judges its trial at a rung here). */
  onStep?(step: number, model: SiameseModel): void;
}

export interface TrainingResult {
  model: SiameseModel;
  stepsDone: number;
  interrupted: boolean;
  nanSteps: number;
  firstNanStep: number | null;
  nanDetail: NanDetail | null;
  /** The run ended because of a NaN under `on_nan: stop`. */
  stoppedOnNan: boolean;
  finalLoss: number | null;
  /** The mean of the learning rates the steps trained at (null before the first step). */
  meanLearningRate: number | null;
  trainSeconds: number;
}

/**
 * One training step, whichever kind: it draws its batch, trains on it, and describes the batch's
 * pairs (labels and training-set indices) for the step log and the NaN diagnosis.
 */
export interface Stepper {
  step(options: { wantDistances: boolean; applyNonFinite: boolean }): { outcome: StepOutcome; pairs: PairView };
  optimizer: TrainingOptimizer;
  model: SiameseModel;
  dispose(): void;
}

function pairStepper(spec: RunSpec, data: RunData): Stepper {
  const parts = buildStepParts(spec, data);
  const sampler = createPairSampler(trainingSamplerOptions(spec, data));
  return {
    step: (options) => {
      const batch = sampler.nextBatch();
      return { outcome: trainingStep(parts, batch, options), pairs: batch };
    },
    optimizer: parts.optimizer,
    model: parts.model,
    dispose: () => parts.optimizer.dispose(),
  };
}

/** The run's step, with its model, loss, optimizer and sampler built: what trainRun loops over (and benches time). */
export function createStepper(spec: RunSpec, data: RunData): Stepper {
  return isBatchLossKind(spec.loss.kind) ? batchStepper(spec, data) : pairStepper(spec, data);
}

/** A batch loss (triplet, multi-similarity, ...) on class-balanced batches, embedded by the shared sister. */
function batchStepper(spec: RunSpec, data: RunData): Stepper {
  const model = buildModel(spec, data);
  const loss = buildBatchLoss(spec.loss, { numClasses: data.train.classes, embeddingSize: spec.model.embedding_dim, seed: spec.seed })!;
  const parts: BatchStepParts = {
    model,
    loss,
    distance: buildDistance(spec.loss),
    optimizer: createTrainingOptimizer(buildOptimizer(spec.optimizer)),
    variables: [...model.trainableVariables, ...(loss.variables ?? [])],
  };
  const sampler = createClassBalancedSampler(classBalancedOptions(spec, data));
  const cache = {};
  return {
    step: (options) => {
      const batch = sampler.nextBatch();
      const pairs = batchPairs(batch, cache);
      return { outcome: batchTrainingStep(parts, batch, pairs, options), pairs };
    },
    optimizer: parts.optimizer,
    model,
    dispose: () => {
      parts.optimizer.dispose();
      tf.dispose(loss.variables ?? []);
    },
  };
}

/** The run's Siamese model, its towers sized for its data. */
function buildModel(spec: RunSpec, data: RunData): SiameseModel {
  // Two-source runs: the right side of every pair, and so tower B's input, is domain B.
  const rightTrain = data.right?.train ?? data.train;
  return createSiameseModel(spec.model, {
    inputSizeA: imageSize(data.train),
    inputSizeB: imageSize(rightTrain),
    imageShapeA: imageShapeOf(data.train),
    imageShapeB: imageShapeOf(rightTrain),
    seed: spec.seed,
  });
}

function buildStepParts(spec: RunSpec, data: RunData): StepParts {
  const model = buildModel(spec, data);
  return {
    model,
    loss: buildPairLoss(spec.loss),
    distance: buildDistance(spec.loss),
    optimizer: createTrainingOptimizer(buildOptimizer(spec.optimizer)),
  };
}

/** The class-balanced sampler of a batch-loss run: items_per_class items of batch_size / items_per_class classes. */
export function classBalancedOptions(spec: RunSpec, data: RunData): ClassBalancedSamplerOptions {
  const itemsPerClass = spec.sampler.items_per_class ?? spec.sampler.batch_size;
  return { dataset: data.train, classesPerBatch: spec.sampler.batch_size / itemsPerClass, itemsPerClass, seed: spec.seed };
}

/** The training pairs' sampler: the run's kind and batch size over its training images (and domain B's). */
export function trainingSamplerOptions(spec: RunSpec, data: RunData): PairSamplerOptions {
  if (isBatchSamplerKind(spec.sampler.kind)) throw new Error(`sampler ${spec.sampler.kind} gives labelled batches, not pairs`);
  return {
    kind: spec.sampler.kind,
    dataset: data.train,
    ...(data.right && { right: data.right.train }),
    batchSize: spec.sampler.batch_size,
    seed: spec.seed,
  };
}

/**
 * Trains one run (async only to let the event loop breathe between steps): pairs from the
 * seeded sampler, one training step each (see training/step.ts), the NaN check's verdict acted
 * on per `on_nan`, step rows logged every `log_every` steps and progress reported.
 */
export async function trainRun(spec: RunSpec, data: RunData, hooks: TrainingHooks = {}): Promise<TrainingResult> {
  const stepper = createStepper(spec, data);
  const { steps, log_every: logEvery, on_nan: onNan } = spec.training;
  const nan = new NanTracker();
  const log = new StepLog((rows) => hooks.onStepMetrics?.(rows));
  const progress = new ProgressReporter(steps, hooks.onProgress && ((update) => hooks.onProgress?.(update)));
  let stoppedOnNan = false;
  let interrupted = false;
  let finalLoss: number | null = null;
  let stepsDone = 0;
  let rateSum = 0;

  for (let step = 1; step <= steps; step++) {
    const rate = learningRateAt(spec.optimizer, step - 1, steps);
    stepper.optimizer.setLearningRate(rate);
    const logThisStep = step % logEvery === 0 || step === steps || step === 1;
    const { outcome, pairs } = stepper.step({ wantDistances: logThisStep, applyNonFinite: onNan === 'continue' });

    stepsDone = step;
    rateSum += rate;
    nan.record(step, outcome, pairs);
    if (outcome.finite) finalLoss = outcome.loss;
    if (logThisStep || !outcome.finite) log.record(step, outcome, rate, pairs.similar);
    progress.step(step, outcome.loss);
    if (!outcome.finite && onNan === 'stop') {
      stoppedOnNan = true;
      break;
    }
    hooks.onStep?.(step, stepper.model);
    // Training is synchronous tfjs work: yielding to the event loop lets signals (Ctrl-C) and
    // timers be handled between steps, at a cost of microseconds against milliseconds per step.
    await new Promise((resolve) => setImmediate(resolve));
    if (hooks.shouldStop?.()) {
      interrupted = step < steps;
      break;
    }
  }
  log.flush();
  stepper.dispose();
  return {
    model: stepper.model,
    stepsDone,
    interrupted,
    nanSteps: nan.nanSteps,
    firstNanStep: nan.firstNanStep,
    nanDetail: nan.detail,
    stoppedOnNan,
    finalLoss,
    meanLearningRate: stepsDone > 0 ? rateSum / stepsDone : null,
    trainSeconds: progress.seconds(),
  };
}
