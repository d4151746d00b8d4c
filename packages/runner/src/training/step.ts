import { stackedHalves, tf, type TrainingOptimizer } from '@siamese-lab/backend';
import type { PairBatch } from '@siamese-lab/data';
import type { SiameseModel } from '@siamese-lab/model';
import { lossOfStacked, type Distance, type PairLoss } from '@siamese-lab/losses';

/** What one training step needs; built once per run. */
export interface StepParts {
  model: SiameseModel;
  loss: PairLoss;
  /** The loss's own distance: logged pair distances and the NaN diagnosis use it. */
  distance: Distance;
  optimizer: TrainingOptimizer;
}

export interface StepOutcome {
  loss: number;
  /** Exact: false iff some element of some gradient is NaN or ±Inf. */
  gradientsFinite: boolean;
  /** The loss and every gradient element are finite. */
  finite: boolean;
  /** Each pair's embedding distance, when asked for (and always at a non-finite step). */
  distances?: Float32Array;
}

/**
 * One step: embeddings, loss and gradients, the optimizer's update prepared together with the
 * exact finite check, ONE read of [loss, finite flag], then the update applied when the step is
 * finite (or always, with `applyNonFinite`: on_nan continue).
 */
export function trainingStep(
  parts: StepParts,
  batch: PairBatch,
  options: { wantDistances: boolean; applyNonFinite: boolean },
): StepOutcome {
  return tf.tidy(() => {
    // One upload of both sides when the sampler stacked them, else one per side.
    const inputs: { stacked: tf.Tensor2D } | { left: tf.Tensor2D; right: tf.Tensor2D } = batch.stacked
      ? { stacked: tf.tensor2d(batch.stacked, [2 * batch.batchSize, batch.leftFeatures]) }
      : {
          left: tf.tensor2d(batch.left, [batch.batchSize, batch.leftFeatures]),
          right: tf.tensor2d(batch.right, [batch.batchSize, batch.rightFeatures]),
        };
    const similar = tf.tensor1d(batch.similar);
    // Kept out of the tape's disposal for the pair distances: both halves, or the stacked pair.
    let embeddings: [tf.Tensor2D, tf.Tensor2D] | tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      if ('stacked' in inputs) {
        const both = parts.model.embedStacked(inputs.stacked, batch.batchSize);
        embeddings = tf.keep(both);
        return lossOfStacked(parts.loss, both, similar);
      }
      const [a, b] = parts.model.embedPair(inputs.left, inputs.right);
      embeddings = [tf.keep(a), tf.keep(b)];
      return parts.loss(a, b, similar);
    }, parts.model.trainableVariables);
    const { loss, gradientsFinite, finite } = updateIfFinite(parts.optimizer, value, grads, options.applyNonFinite);
    const distances = options.wantDistances || !finite ? pairDistances(parts.distance, embeddings!) : undefined;
    tf.dispose(embeddings);
    return { loss, gradientsFinite, finite, ...(distances && { distances }) };
  });
}

/**
 * The update prepared with the exact finite check, ONE read of [loss, finite flag], and the update
 * applied when the step is finite (or always, with `applyNonFinite`): every kind of step ends so.
 * Call inside the step's tidy.
 */
export function updateIfFinite(
  optimizer: TrainingOptimizer,
  value: tf.Scalar,
  grads: tf.NamedTensorMap,
  applyNonFinite: boolean,
): Pick<StepOutcome, 'loss' | 'gradientsFinite' | 'finite'> {
  // Nothing reads the gradients after this: the update may take their buffers.
  const update = optimizer.prepare(grads, { consumeGradients: true });
  const [loss, gradientsFlag] = tf.concat([tf.reshape(value, [1]), update.gradientsFinite]).dataSync();
  const gradientsFinite = gradientsFlag === 1;
  const finite = gradientsFinite && Number.isFinite(loss);
  if (finite || applyNonFinite) update.apply();
  return { loss, gradientsFinite, finite };
}

function pairDistances(distance: Distance, embeddings: [tf.Tensor2D, tf.Tensor2D] | tf.Tensor2D): Float32Array {
  return tf.tidy(() => {
    const [a, b] = Array.isArray(embeddings) ? embeddings : stackedHalves(embeddings);
    return distance.measure(a, b).distance.dataSync() as Float32Array;
  });
}
