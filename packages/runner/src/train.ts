import { tf } from '@siamese-lab/backend';
import { createPairSampler, type PairBatch } from '@siamese-lab/data';
import { createSiameseModel, type SiameseModel } from '@siamese-lab/model';
import { buildPairLoss } from '@siamese-lab/losses';
import type { StepMetricRow } from '@siamese-lab/store';
import type { RunData } from './datasets.ts';
import { buildOptimizer, learningRateAt, setLearningRate } from './optimizers.ts';
import type { RunSpec } from './spec/schema.ts';

/** What the first non-finite step looked like, so the database can say why a run went NaN. */
export interface NanDetail {
  step: number;
  loss: number | null;
  gradientFinite: boolean;
  reason: string;
  /** Pairs of the batch whose embedding distance was (numerically) zero. */
  zeroDistancePairs: Array<{ pair: number; leftIndex: number; rightIndex: number; similar: number; distance: number }>;
  minDistance: number | null;
  batchSize: number;
  positivePairs: number;
  /** The whole batch at the first NaN: each pair's label (1 = similar) and embedding distance (null if non-finite). */
  pairLabels: number[];
  pairDistances: Array<number | null>;
}

export interface TrainingProgress {
  step: number;
  steps: number;
  loss: number;
  stepsPerSecond: number;
}

export interface TrainingHooks {
  /** Called with step rows every `log_every` steps (and for every non-finite step). */
  onStepMetrics?(rows: StepMetricRow[]): void;
  onProgress?(progress: TrainingProgress): void;
  /** Checked after every step: true ends training early (the run is then interrupted). */
  shouldStop?(): boolean;
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
  trainSeconds: number;
}

/** Distances below this count as "d = 0": the sqrt gradient there is infinite or huge. */
const zeroDistance = 1e-12;

/**
 * Trains one run (async only to let the event loop breathe between steps): pairs from the seeded sampler, the model's embeddings, the loss, and the
 * optimizer's update, with every step's loss and gradients checked for non-finite values.
 */
export async function trainRun(spec: RunSpec, data: RunData, hooks: TrainingHooks = {}): Promise<TrainingResult> {
  // Two-source runs: the right side of every pair, and so tower B's input, is domain B.
  const rightTrain = data.right?.train ?? data.train;
  const model = createSiameseModel(spec.model, {
    inputSizeA: data.train.rows * data.train.cols,
    inputSizeB: rightTrain.rows * rightTrain.cols,
    imageShapeA: { rows: data.train.rows, cols: data.train.cols },
    imageShapeB: { rows: rightTrain.rows, cols: rightTrain.cols },
    seed: spec.seed,
  });
  const loss = buildPairLoss(spec.loss);
  const optimizer = buildOptimizer(spec.optimizer);
  const sampler = createPairSampler({
    kind: spec.sampler.kind,
    dataset: data.train,
    ...(data.right && { right: data.right.train }),
    batchSize: spec.sampler.batch_size,
    seed: spec.seed,
  });
  const { steps, log_every: logEvery, on_nan: onNan } = spec.training;
  const variables = model.trainableVariables;
  const batchSize = spec.sampler.batch_size;

  let nanSteps = 0;
  let firstNanStep: number | null = null;
  let nanDetail: NanDetail | null = null;
  let stoppedOnNan = false;
  let interrupted = false;
  let finalLoss: number | null = null;
  let stepsDone = 0;
  const pending: StepMetricRow[] = [];
  const started = performance.now();
  let lastProgress = started;

  for (let step = 1; step <= steps; step++) {
    const rate = learningRateAt(spec.optimizer, step - 1, steps);
    setLearningRate(optimizer, rate);
    const batch = sampler.nextBatch();
    const logThisStep = step % logEvery === 0 || step === steps || step === 1;

    const outcome = tf.tidy(() => {
      const left = tf.tensor2d(batch.left, [batchSize, batch.leftFeatures]);
      const right = tf.tensor2d(batch.right, [batchSize, batch.rightFeatures]);
      const similar = tf.tensor1d(batch.similar);
      let pairDistances: tf.Tensor1D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const [a, b] = model.embedPair(left, right);
        // variableGrads disposes what f creates; keep the (tiny) distance vector for diagnostics.
        pairDistances = tf.keep(tf.sqrt(tf.sum(tf.square(tf.sub(a, b)), 1)) as tf.Tensor1D);
        return loss(a, b, similar);
      }, variables);
      // One scalar that is non-finite exactly when some gradient element is: a single read per step.
      const gradientCheck = tf.addN(Object.values(grads).map((gradient) => tf.sum(gradient)));
      const [lossValue, gradientSum] = tf.stack([value, gradientCheck]).dataSync();
      const finite = Number.isFinite(lossValue) && Number.isFinite(gradientSum);
      if (finite || onNan === 'continue') optimizer.applyGradients(grads);
      const distances = logThisStep || !finite ? (pairDistances!.dataSync() as Float32Array) : undefined;
      pairDistances!.dispose();
      return { lossValue, gradientFinite: Number.isFinite(gradientSum), finite, distances };
    });

    stepsDone = step;
    if (!outcome.finite) {
      nanSteps++;
      if (firstNanStep === null) {
        firstNanStep = step;
        nanDetail = describeNan(step, outcome.lossValue, outcome.gradientFinite, outcome.distances!, batch);
      }
    } else {
      finalLoss = outcome.lossValue;
    }
    if (logThisStep || !outcome.finite) {
      const [positiveDistance, negativeDistance] = meanDistances(outcome.distances!, batch.similar);
      pending.push({
        step,
        loss: outcome.lossValue,
        positiveDistance,
        negativeDistance,
        learningRate: rate,
        nan: !outcome.finite,
      });
      if (pending.length >= 50) hooks.onStepMetrics?.(pending.splice(0));
    }
    const now = performance.now();
    if (hooks.onProgress && (now - lastProgress > 250 || step === steps)) {
      lastProgress = now;
      hooks.onProgress({ step, steps, loss: outcome.lossValue, stepsPerSecond: step / ((now - started) / 1000) });
    }
    if (!outcome.finite && onNan === 'stop') {
      stoppedOnNan = true;
      break;
    }
    // Training is synchronous tfjs work: yielding to the event loop lets signals (Ctrl-C) and
    // timers be handled between steps, at a cost of microseconds against milliseconds per step.
    await new Promise((resolve) => setImmediate(resolve));
    if (hooks.shouldStop?.()) {
      interrupted = step < steps;
      break;
    }
  }
  if (pending.length) hooks.onStepMetrics?.(pending.splice(0));
  optimizer.dispose();
  return {
    model,
    stepsDone,
    interrupted,
    nanSteps,
    firstNanStep,
    nanDetail,
    stoppedOnNan,
    finalLoss,
    trainSeconds: (performance.now() - started) / 1000,
  };
}

function meanDistances(distances: Float32Array, similar: Float32Array): [number | null, number | null] {
  let positiveSum = 0, positiveCount = 0, negativeSum = 0, negativeCount = 0;
  for (let i = 0; i < distances.length; i++) {
    if (similar[i] === 1) {
      positiveSum += distances[i];
      positiveCount++;
    } else {
      negativeSum += distances[i];
      negativeCount++;
    }
  }
  return [positiveCount ? positiveSum / positiveCount : null, negativeCount ? negativeSum / negativeCount : null];
}

function describeNan(step: number, loss: number, gradientFinite: boolean, distances: Float32Array, batch: PairBatch): NanDetail {
  const zeroDistancePairs: NanDetail['zeroDistancePairs'] = [];
  let minDistance = Infinity;
  let positivePairs = 0;
  for (let i = 0; i < distances.length; i++) {
    if (batch.similar[i] === 1) positivePairs++;
    if (distances[i] < minDistance) minDistance = distances[i];
    if (distances[i] <= zeroDistance && zeroDistancePairs.length < 20) {
      zeroDistancePairs.push({ pair: i, leftIndex: batch.leftIndices[i], rightIndex: batch.rightIndices[i], similar: batch.similar[i], distance: distances[i] });
    }
  }
  const what = !Number.isFinite(loss) ? 'the loss' : 'a gradient';
  let reason: string;
  if (zeroDistancePairs.length > 0) {
    const first = zeroDistancePairs[0];
    const identical = first.leftIndex === first.rightIndex ? ` (the same image, train index ${first.leftIndex}, on both sides)` : '';
    reason = `${what} was non-finite: d = 0 for ${zeroDistancePairs.length} pair(s) of the batch, e.g. pair ${first.pair}${identical}, label ${first.similar}; d(sqrt(x))/dx is infinite at x = 0 (use epsilon > 0)`;
  } else if (!Number.isFinite(minDistance)) {
    reason = `${what} was non-finite: the embeddings themselves are non-finite (the weights diverged)`;
  } else {
    reason = `${what} was non-finite with the smallest pair distance ${minDistance.toExponential(3)} (no pair at d = 0: a diverging update, e.g. a learning rate too large)`;
  }
  return {
    step,
    loss: Number.isFinite(loss) ? loss : null,
    gradientFinite,
    reason,
    zeroDistancePairs,
    minDistance: Number.isFinite(minDistance) ? minDistance : null,
    batchSize: distances.length,
    positivePairs,
    pairLabels: Array.from(batch.similar),
    pairDistances: Array.from(distances, (distance) => (Number.isFinite(distance) ? distance : null)),
  };
}
