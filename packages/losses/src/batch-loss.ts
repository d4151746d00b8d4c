import { tf } from '@siamese-lab/backend';

/**
 * A loss over a whole batch of embeddings ([n, d]) and their class ids ([n], int32): it forms
 * the pairs, triplets or proxy comparisons itself. Losses with trained parameters of their own
 * (the proxies of Proxy-Anchor) expose them as `variables`, so the runner can hand them to the
 * optimizer with the network's weights; the caller owns them (dispose them when done).
 */
export type BatchLoss = ((embeddings: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar) & {
  variables?: tf.Variable[];
};

/** Pairs of a batch as 0/1 float32 masks [n, n], row = anchor: (i, j) is 1 where the pair is used. */
export interface PairMasks {
  /** Same class, i ≠ j. */
  positive: tf.Tensor2D;
  /** Different classes. */
  negative: tf.Tensor2D;
}

/**
 * Chooses the pairs a pair loss uses (in place of all of them). The masks are constants of the
 * gradient: a selection, not a function of the embeddings to differentiate.
 */
export interface PairMiner {
  readonly name: string;
  mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): PairMasks;
}

/**
 * Chooses the triplets a triplet loss uses, as a 0/1 float32 mask [n, n, n] indexed
 * [anchor, positive, negative]: (a, p, q) is 1 where the triplet is used (a dense mask, not
 * index lists: fixed shapes, no read-back to the CPU, and it selects by multiplication, which has
 * a gradient on every backend). A constant of the gradient, as for `PairMiner`.
 */
export interface TripletMiner {
  readonly name: string;
  mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor3D;
}

/** Every pair of the batch by its labels: positives (same class, i ≠ j) and negatives, ordered pairs. */
export function labelPairMasks(labels: tf.Tensor1D): PairMasks {
  return tf.tidy(() => {
    const n = labels.shape[0];
    const same = tf.cast(tf.equal(tf.expandDims(labels, 1), tf.expandDims(labels, 0)), 'float32') as tf.Tensor2D;
    return { positive: tf.sub<tf.Tensor2D>(same, tf.eye(n)), negative: tf.sub<tf.Tensor2D>(1, same) };
  });
}

/** Every valid triplet of the batch (a ≠ p same class, q another class) as a [n, n, n] mask. */
export function allTripletsMask(labels: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const { positive, negative } = labelPairMasks(labels);
    return tf.mul<tf.Tensor3D>(tf.expandDims(positive, 2), tf.expandDims(negative, 1));
  });
}
