import { tf } from '@siamese-lab/backend';
import { labelPairMasks, type BatchLoss, type PairMiner } from './batch-loss.ts';
import { maskedLogSumExp, type Similarity } from './pairwise.ts';
import { meanReducer, type Reducer } from './reducers.ts';

export interface MultiSimilarityOptions {
  /** Weight of positive pairs (default 2). */
  alpha?: number;
  /** Weight of negative pairs (default 50). */
  beta?: number;
  /** The similarity λ pairs are measured against (default 0.5). */
  base?: number;
  similarity: Similarity;
  /** Reduces the per-anchor losses; default the mean over all anchors, as pytorch-metric-learning. */
  reducer?: Reducer;
  /** Pairs to use (`multiSimilarityMiner`); default every pair of the batch. */
  miner?: PairMiner;
}

/**
 * The multi-similarity loss of Wang, Han, Huang, Dong and Scott (CVPR 2019), as
 * pytorch-metric-learning's MultiSimilarityLoss: for each anchor i, with similarities S,
 *   (1/α) log(1 + Σ_{p positive} exp(−α (S_ip − λ))) + (1/β) log(1 + Σ_{q negative} exp(β (S_iq − λ))),
 * reduced over anchors. The log(1 + Σ exp) is the stabilised `maskedLogSumExp` with its zero
 * entry: no overflow for a large β, and an anchor without positives (or negatives) gets 0 from
 * that term, with a zero gradient.
 */
export function multiSimilarityLoss(options: MultiSimilarityOptions): BatchLoss {
  const alpha = options.alpha ?? 2;
  const beta = options.beta ?? 50;
  const base = options.base ?? 0.5;
  if (!(alpha > 0)) throw new Error(`alpha must be > 0, got ${alpha}`);
  if (!(beta > 0)) throw new Error(`beta must be > 0, got ${beta}`);
  if (!Number.isFinite(base)) throw new Error(`base must be a finite number, got ${base}`);
  const reducer = options.reducer ?? meanReducer();
  return (embeddings, labels) =>
    tf.tidy(() => {
      const pairs = options.miner ? options.miner.mine(embeddings, labels) : labelPairMasks(labels);
      const s = options.similarity.matrix(embeddings, embeddings);
      const positive = maskedLogSumExp(tf.mul(-alpha, tf.sub(s, base)), pairs.positive, { addOne: true }).value;
      const negative = maskedLogSumExp(tf.mul(beta, tf.sub(s, base)), pairs.negative, { addOne: true }).value;
      return reducer.reduce(tf.add(tf.div(positive, alpha), tf.div(negative, beta)));
    });
}
