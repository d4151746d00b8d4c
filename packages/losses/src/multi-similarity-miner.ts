import { tf } from '@siamese-lab/backend';
import { labelPairMasks, type PairMiner } from './batch-loss.ts';
import { withoutGradient } from './no-gradient.ts';
import type { Similarity } from './pairwise.ts';

export interface MultiSimilarityMinerOptions {
  /** ε of the paper, default 0.1 (pytorch-metric-learning's MultiSimilarityMiner). */
  epsilon?: number;
  similarity: Similarity;
}

/**
 * The pair mining of the multi-similarity loss (Wang et al., CVPR 2019), as
 * pytorch-metric-learning's MultiSimilarityMiner: with similarities S and anchor i,
 * a negative pair (i, q) is kept when S_iq + ε > min over i's positives of S_ip,
 * a positive pair (i, p) is kept when S_ip − ε < max over i's negatives of S_iq.
 * An anchor without negatives keeps no positive pair, one without positives no negative pair.
 */
export function multiSimilarityMiner(options: MultiSimilarityMinerOptions): PairMiner {
  const epsilon = options.epsilon ?? 0.1;
  if (!(epsilon >= 0)) throw new Error(`epsilon must be >= 0, got ${epsilon}`);
  return {
    name: 'multi_similarity',
    mine: (embeddings, labels) =>
      tf.tidy(() => {
        const n = embeddings.shape[0];
        const pairs = labelPairMasks(labels);
        const mined = (keep: (s: tf.Tensor2D, isPositive: tf.Tensor, isNegative: tf.Tensor) => tf.Tensor) =>
          withoutGradient([embeddings], (e): tf.Tensor2D => {
            const s = options.similarity.matrix(e as tf.Tensor2D, e as tf.Tensor2D);
            return keep(s, tf.greater(pairs.positive, 0), tf.greater(pairs.negative, 0)) as tf.Tensor2D;
          });
        // Row extremes over a pair set: an empty set gives ±∞, which no comparison passes.
        const hardestNegative = (s: tf.Tensor2D, isNegative: tf.Tensor) =>
          tf.max(tf.where(isNegative, s, tf.fill([n, n], -Infinity)), 1, true);
        const hardestPositive = (s: tf.Tensor2D, isPositive: tf.Tensor) =>
          tf.min(tf.where(isPositive, s, tf.fill([n, n], Infinity)), 1, true);
        const positive = mined((s, isPositive, isNegative) =>
          tf.cast(tf.logicalAnd(isPositive, tf.less(tf.sub(s, epsilon), hardestNegative(s, isNegative))), 'float32'),
        );
        const negative = mined((s, isPositive, isNegative) =>
          tf.cast(tf.logicalAnd(isNegative, tf.greater(tf.add(s, epsilon), hardestPositive(s, isPositive))), 'float32'),
        );
        return { positive, negative };
      }),
  };
}
