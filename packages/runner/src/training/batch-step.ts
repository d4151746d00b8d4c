import { tf, type TrainingOptimizer } from '@siamese-lab/backend';
import type { LabelledBatch } from '@siamese-lab/data';
import type { SiameseModel } from '@siamese-lab/model';
import type { BatchLoss, Distance } from '@siamese-lab/losses';
import { updateIfFinite, type StepOutcome } from './step.ts';

/**
 * The pairs a batch loss formed, as the pair step's batches describe theirs: every unordered pair
 * i < j of the batch, same class or not. The step log's mean distances and the NaN diagnosis read
 * them like a pair batch's.
 */
export interface BatchPairs {
  similar: Float32Array;
  leftIndices: Int32Array;
  rightIndices: Int32Array;
  /** Positions in the batch of each pair's two items. */
  left: Int32Array;
  right: Int32Array;
}

/** What one batch-loss step needs; built once per run. */
export interface BatchStepParts {
  model: SiameseModel;
  loss: BatchLoss;
  /** Logged pair distances and the NaN diagnosis use it (the loss's own distance, or euclidean). */
  distance: Distance;
  optimizer: TrainingOptimizer;
  /** The network's weights and the loss's own (proxies): one optimizer for both. */
  variables: tf.Variable[];
}

/** Every unordered pair of a batch (computed once per batch size and reused). */
export function batchPairs(batch: LabelledBatch, cache?: { positions?: { left: Int32Array; right: Int32Array } }): BatchPairs {
  const n = batch.batchSize;
  let positions = cache?.positions;
  if (!positions || positions.left.length !== (n * (n - 1)) / 2) {
    const left: number[] = [];
    const right: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        left.push(i);
        right.push(j);
      }
    }
    positions = { left: Int32Array.from(left), right: Int32Array.from(right) };
    if (cache) cache.positions = positions;
  }
  const { left, right } = positions;
  return {
    similar: Float32Array.from(left, (i, k) => (batch.labels[i] === batch.labels[right[k]] ? 1 : 0)),
    leftIndices: Int32Array.from(left, (i) => batch.indices[i]),
    rightIndices: Int32Array.from(right, (j) => batch.indices[j]),
    left,
    right,
  };
}

/** One step of a batch loss: the batch embedded by the shared sister, the loss over its labels, then `updateIfFinite` as the pair step. */
export function batchTrainingStep(
  parts: BatchStepParts,
  batch: LabelledBatch,
  pairs: BatchPairs,
  options: { wantDistances: boolean; applyNonFinite: boolean },
): StepOutcome {
  return tf.tidy(() => {
    const inputs = tf.tensor2d(batch.images, [batch.batchSize, batch.features]);
    const labels = tf.tensor1d(batch.labels, 'int32');
    let embeddings: tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const embedded = parts.model.towers[0].apply(inputs, true);
      embeddings = tf.keep(embedded);
      return parts.loss(embedded, labels);
    }, parts.variables);
    const { loss, gradientsFinite, finite } = updateIfFinite(parts.optimizer, value, grads, options.applyNonFinite);
    const distances =
      options.wantDistances || !finite
        ? (tf.tidy(() => {
            const a = tf.gather(embeddings!, tf.tensor1d(pairs.left, 'int32'));
            const b = tf.gather(embeddings!, tf.tensor1d(pairs.right, 'int32'));
            return parts.distance.measure(a, b).distance.dataSync();
          }) as Float32Array)
        : undefined;
    tf.dispose(embeddings);
    return { loss, gradientsFinite, finite, ...(distances && { distances }) };
  });
}
