import { tf } from '@siamese-lab/backend';
import { labelPairMasks, type TripletMiner } from './batch-loss.ts';
import type { Distance } from './distances.ts';
import { withoutGradient } from './no-gradient.ts';
import { l2Normalize, pairwiseDistances } from './pairwise.ts';

export interface DistanceMinerOptions {
  distance: Distance;
  /** Measure on unit-length embeddings, as the loss the triplets are for does. */
  normalize?: { epsilon: number };
}

/**
 * Batch-hard mining (Hermans, Beyer and Leibe, "In Defense of the Triplet Loss", 2017), as
 * pytorch-metric-learning's BatchHardMiner: for each anchor, one triplet, its farthest positive
 * and its closest negative. Anchors without a positive or without a negative give none. Ties go to
 * the lowest index (tf.argMax / tf.argMin).
 */
export function batchHardTripletMiner(options: DistanceMinerOptions): TripletMiner {
  const { distance, normalize } = options;
  return {
    name: 'batch_hard',
    mine: (embeddings, labels) =>
      tf.tidy(() => {
        const n = embeddings.shape[0];
        const { positive, negative } = labelPairMasks(labels);
        return withoutGradient([embeddings], (e) => {
          const x = normalize ? l2Normalize(e as tf.Tensor2D, normalize.epsilon) : (e as tf.Tensor2D);
          const d = pairwiseDistances(distance, x).distance;
          const farthestPositive = tf.argMax(tf.where(tf.greater(positive, 0), d, tf.fill([n, n], -Infinity)), 1);
          const closestNegative = tf.argMin(tf.where(tf.greater(negative, 0), d, tf.fill([n, n], Infinity)), 1);
          const valid = tf.mul(tf.max(positive, 1), tf.max(negative, 1));
          const p = tf.mul(tf.cast(tf.oneHot(farthestPositive, n), 'float32'), tf.expandDims(valid, 1));
          const q = tf.cast(tf.oneHot(closestNegative, n), 'float32');
          return tf.mul<tf.Tensor3D>(tf.expandDims(p, 2), tf.expandDims(q, 1));
        });
      }),
  };
}
