import { tf } from '@siamese-lab/backend';

/** Turns per-pair losses into the scalar that is minimised. */
export interface Reducer {
  readonly name: string;
  reduce(perPairLoss: tf.Tensor1D): tf.Scalar;
}

/** The seed's reducer: the mean over all pairs of the batch. */
export function meanReducer(): Reducer {
  return { name: 'mean', reduce: (losses) => tf.mean(losses) };
}

export function sumReducer(): Reducer {
  return { name: 'sum', reduce: (losses) => tf.sum(losses) };
}

/**
 * Mean over the pairs whose loss is above zero (pytorch-metric-learning's AvgNonZeroReducer):
 * easy pairs that already satisfy the margin do not dilute the gradient.
 */
export function meanOverNonZeroReducer(): Reducer {
  return {
    name: 'mean_non_zero',
    reduce: (losses) => {
      const count = tf.sum(tf.cast(tf.greater(losses, 0), 'float32'));
      return tf.div<tf.Scalar>(tf.sum(losses), tf.maximum(count, 1));
    },
  };
}
