import { tf } from '@siamese-lab/backend';
import { allTripletsMask, type TripletMiner } from './batch-loss.ts';
import type { DistanceMinerOptions } from './batch-hard-miner.ts';
import { withoutGradient } from './no-gradient.ts';
import { l2Normalize, pairwiseDistances } from './pairwise.ts';

/**
 * Semi-hard mining (Schroff, Kalenichenko and Philbin, FaceNet, CVPR 2015), as
 * pytorch-metric-learning's TripletMarginMiner(type_of_triplets="semihard"): every triplet whose
 * negative is farther than the positive but within the margin, 0 < d(a, q) − d(a, p) ≤ margin.
 * These are the triplets with a loss in (0, margin] under a triplet loss of the same margin; the
 * easy ones (beyond the margin) and the hard ones (negative closer than the positive) are left out.
 */
export function semiHardTripletMiner(options: DistanceMinerOptions & { margin: number }): TripletMiner {
  const { distance, normalize, margin } = options;
  if (!(margin > 0)) throw new Error(`margin must be > 0, got ${margin}`);
  return {
    name: 'semi_hard',
    mine: (embeddings, labels) =>
      tf.tidy(() => {
        const triplets = allTripletsMask(labels);
        return withoutGradient([embeddings], (e) => {
          const x = normalize ? l2Normalize(e as tf.Tensor2D, normalize.epsilon) : (e as tf.Tensor2D);
          const d = pairwiseDistances(distance, x).distance;
          // [a, p, q]: d(a, q) − d(a, p).
          const gap = tf.sub(tf.expandDims(d, 1), tf.expandDims(d, 2));
          const semiHard = tf.logicalAnd(tf.greater(gap, 0), tf.lessEqual(gap, margin));
          return tf.mul<tf.Tensor3D>(triplets, tf.cast(semiHard, 'float32'));
        });
      }),
  };
}
