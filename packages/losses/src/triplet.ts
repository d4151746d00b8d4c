import { tf } from '@siamese-lab/backend';
import { allTripletsMask, type BatchLoss, type TripletMiner } from './batch-loss.ts';
import type { Distance } from './distances.ts';
import { l2Normalize, pairwiseDistances } from './pairwise.ts';
import { meanOverNonZeroReducer, type Reducer } from './reducers.ts';

export interface TripletMarginOptions {
  /** Default 0.05, as pytorch-metric-learning's TripletMarginLoss (a margin for unit-length embeddings). */
  margin?: number;
  distance: Distance;
  /** Default: the mean over the triplets with a non-zero loss (pytorch-metric-learning's AvgNonZeroReducer). */
  reducer?: Reducer;
  /** Scale embeddings to unit length first (pytorch-metric-learning's LpDistance does by default). */
  normalize?: { epsilon: number };
  /** Triplets to use; default every valid triplet of the batch. */
  miner?: TripletMiner;
}

/**
 * The triplet margin loss (Weinberger and Saul, JMLR 2009; Schroff, Kalenichenko and Philbin,
 * FaceNet, CVPR 2015), as pytorch-metric-learning's TripletMarginLoss: max(d(a, p) − d(a, q) + m, 0)
 * for each triplet (anchor a, positive p of its class, negative q of another), not squared. A
 * batch without any triplet (no positive pair, or one class) gives 0 with a zero gradient.
 */
export function tripletMarginLoss(options: TripletMarginOptions): BatchLoss {
  const margin = options.margin ?? 0.05;
  if (!(margin > 0)) throw new Error(`margin must be > 0, got ${margin}`);
  const reducer = options.reducer ?? meanOverNonZeroReducer();
  return (embeddings, labels) =>
    tf.tidy(() => {
      const triplets = options.miner ? options.miner.mine(embeddings, labels) : allTripletsMask(labels);
      const x = options.normalize ? l2Normalize(embeddings, options.normalize.epsilon) : embeddings;
      const { distance } = pairwiseDistances(options.distance, x);
      // [a, p, q]: d(a, p) broadcast along q, d(a, q) along p.
      const violation = tf.add(tf.sub(tf.expandDims(distance, 2), tf.expandDims(distance, 1)), margin);
      return reducer.reduceMasked(tf.relu(violation), triplets);
    });
}
