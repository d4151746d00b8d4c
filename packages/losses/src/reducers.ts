import { tf } from '@siamese-lab/backend';
import { withoutGradient } from './no-gradient.ts';

/** Turns per-pair losses into the scalar that is minimised. */
export interface Reducer {
  readonly name: string;
  reduce(perPairLoss: tf.Tensor1D): tf.Scalar;
  /**
   * The same reduction over the entries of `losses` where `mask` (same shape, 0/1) is 1: what
   * `reduce` gives on the selected entries alone. The batch losses compute every pair or triplet
   * of a batch densely and select with a mask (tfjs has no gradient of a gather on wasm and blas).
   * An empty selection reduces to 0 with a zero gradient, where a mean would be 0/0 = NaN.
   * Unselected entries must be finite: they are multiplied by 0.
   */
  reduceMasked(losses: tf.Tensor, mask: tf.Tensor): tf.Scalar;
}

/** The seed's reducer: the mean over all pairs of the batch. */
export function meanReducer(): Reducer {
  return {
    name: 'mean',
    reduce: (losses) => tf.mean(losses),
    reduceMasked: (losses, mask) => tf.div<tf.Scalar>(tf.sum(tf.mul(losses, mask)), tf.maximum(tf.sum(mask), 1)),
  };
}

export function sumReducer(): Reducer {
  return { name: 'sum', reduce: (losses) => tf.sum(losses), reduceMasked: (losses, mask) => tf.sum(tf.mul(losses, mask)) };
}

/**
 * Mean over the pairs whose loss is above zero (pytorch-metric-learning's AvgNonZeroReducer):
 * easy pairs that already satisfy the margin do not dilute the gradient. The count is a constant
 * of the gradient (a comparison has none in tfjs).
 */
export function meanOverNonZeroReducer(): Reducer {
  return {
    name: 'mean_non_zero',
    reduce: (losses) => {
      const count = withoutGradient([losses], (l) => tf.sum(tf.cast(tf.greater(l, 0), 'float32')));
      return tf.div<tf.Scalar>(tf.sum(losses), tf.maximum(count, 1));
    },
    reduceMasked: (losses, mask) => {
      const count = withoutGradient([losses, mask], (l, m) => tf.sum(tf.mul(tf.cast(tf.greater(l, 0), 'float32'), m)));
      return tf.div<tf.Scalar>(tf.sum(tf.mul(losses, mask)), tf.maximum(count, 1));
    },
  };
}
