import { tf } from '@siamese-lab/backend';
import { labelPairMasks, type BatchLoss } from './batch-loss.ts';
import { maskedLogSumExp, type Similarity } from './pairwise.ts';
import { meanReducer, type Reducer } from './reducers.ts';

export interface NtXentOptions {
  /** τ, default 0.07 (pytorch-metric-learning's NTXentLoss). */
  temperature?: number;
  similarity: Similarity;
  /** Reduces the per-positive-pair losses; default their mean, as pytorch-metric-learning. */
  reducer?: Reducer;
}

/**
 * NT-Xent / InfoNCE (van den Oord, Li and Vinyals 2018; Chen et al., SimCLR, ICML 2020) with the
 * positives given by the labels, as pytorch-metric-learning's NTXentLoss: for each positive pair
 * (a, p), with x = S/τ,
 *   −log( exp(x_ap) / (exp(x_ap) + Σ_{q negative of a} exp(x_aq)) ) = softplus(L_a − x_ap),
 * L_a = log Σ_q exp(x_aq) computed stabilised (`maskedLogSumExp`), so nothing overflows as τ → 0
 * (x reaches 1/τ; exp(x) is ∞ in float32 beyond x ≈ 88, τ < 0.0114). The other positives of a
 * are not in the denominator, as there. An anchor without negatives gives 0 (the fraction is 1);
 * a batch without positive pairs gives 0 with a zero gradient.
 */
export function ntXentLoss(options: NtXentOptions): BatchLoss {
  const temperature = options.temperature ?? 0.07;
  if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
  const reducer = options.reducer ?? meanReducer();
  return (embeddings, labels) =>
    tf.tidy(() => {
      const pairs = labelPairMasks(labels);
      const x = tf.div<tf.Tensor2D>(options.similarity.matrix(embeddings, embeddings), temperature);
      const negatives = maskedLogSumExp(x, pairs.negative, { addOne: false });
      const perPair = tf.mul(tf.softplus(tf.sub(tf.expandDims(negatives.value, 1), x)), tf.expandDims(negatives.nonEmpty, 1));
      return reducer.reduceMasked(perPair, pairs.positive);
    });
}
