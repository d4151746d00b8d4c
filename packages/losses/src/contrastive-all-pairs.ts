import { tf } from '@siamese-lab/backend';
import { labelPairMasks, type BatchLoss, type PairMiner } from './batch-loss.ts';
import type { Distance } from './distances.ts';
import { l2Normalize, pairwiseDistances } from './pairwise.ts';
import { meanOverNonZeroReducer, type Reducer } from './reducers.ts';

export interface ContrastiveAllPairsOptions {
  /** Positive pairs cost nothing once closer than this (default 0, as pytorch-metric-learning). */
  posMargin?: number;
  /** Negative pairs cost nothing once farther apart than this (default 1). */
  negMargin?: number;
  distance: Distance;
  /** Default: the mean over the pairs with a non-zero loss, pytorch-metric-learning's AvgNonZeroReducer. */
  reducer?: Reducer;
  /** Scale embeddings to unit length first (pytorch-metric-learning's LpDistance does by default). */
  normalize?: { epsilon: number };
  /** Pairs to use; default every pair of the batch. */
  miner?: PairMiner;
}

/**
 * The contrastive loss of Hadsell, Chopra and LeCun (CVPR 2006) over all pairs of a batch, as
 * pytorch-metric-learning's ContrastiveLoss writes it: max(d − m_pos, 0) for each positive pair,
 * max(m_neg − d, 0) for each negative pair (not squared), each set reduced on its own and the two
 * added. Pairs are ordered, (i, j) and (j, i) both, as there. A batch without positive (or
 * negative) pairs gets 0 from that part, with a zero gradient (the reducer's empty selection).
 */
export function contrastiveAllPairsLoss(options: ContrastiveAllPairsOptions): BatchLoss {
  const posMargin = options.posMargin ?? 0;
  const negMargin = options.negMargin ?? 1;
  if (!(posMargin >= 0)) throw new Error(`pos_margin must be >= 0, got ${posMargin}`);
  if (!(negMargin > posMargin)) throw new Error(`neg_margin must be greater than pos_margin (${posMargin}), got ${negMargin}`);
  const reducer = options.reducer ?? meanOverNonZeroReducer();
  return (embeddings, labels) =>
    tf.tidy(() => {
      const pairs = options.miner ? options.miner.mine(embeddings, labels) : labelPairMasks(labels);
      const x = options.normalize ? l2Normalize(embeddings, options.normalize.epsilon) : embeddings;
      const { distance } = pairwiseDistances(options.distance, x);
      const positive = reducer.reduceMasked(tf.relu(tf.sub(distance, posMargin)), pairs.positive);
      const negative = reducer.reduceMasked(tf.relu(tf.sub(negMargin, distance)), pairs.negative);
      return tf.add<tf.Scalar>(positive, negative);
    });
}
