import { tf } from '@siamese-lab/backend';

type Tensor1D = tf.Tensor1D;
type Tensor2D = tf.Tensor2D;

/**
 * A distance between the rows of two embedding batches. Losses need both the squared
 * distance (the seed's positive term uses d² directly) and the distance itself (for the
 * hinge), so a distance exposes both, with `fromSquared` deriving one from the other so the
 * work is shared.
 */
export interface Distance {
  readonly name: string;
  squared(a: Tensor2D, b: Tensor2D): Tensor1D;
  fromSquared(squared: Tensor1D): Tensor1D;
}

/**
 * Euclidean distance d' = sqrt(d² + ε). With ε = 0 this is the exact distance, whose
 * gradient is NaN at d = 0 (d sqrt(x)/dx = 1 / (2 sqrt(x))); ε > 0 is the seed's fix.
 */
export function euclideanDistance(options: { epsilon: number }): Distance {
  const { epsilon } = options;
  if (!(epsilon >= 0)) throw new Error(`epsilon must be >= 0, got ${epsilon}`);
  return {
    name: epsilon === 0 ? 'euclidean' : `euclidean(eps=${epsilon})`,
    squared: (a, b) => tf.sum(tf.square(tf.sub(a, b)), 1) as Tensor1D,
    fromSquared: (squared) => (epsilon === 0 ? tf.sqrt(squared) : tf.sqrt(tf.add(squared, epsilon))) as Tensor1D,
  };
}

/**
 * Cosine distance 1 − cos(a, b), in [0, 2]. `squared` returns the distance squared so the
 * same losses apply; ε keeps the norm's gradient finite for an all-zero embedding.
 */
export function cosineDistance(options: { epsilon: number }): Distance {
  const { epsilon } = options;
  const distance = (a: Tensor2D, b: Tensor2D): Tensor1D => {
    const dot = tf.sum(tf.mul(a, b), 1);
    const normA = tf.sqrt(tf.add(tf.sum(tf.square(a), 1), epsilon));
    const normB = tf.sqrt(tf.add(tf.sum(tf.square(b), 1), epsilon));
    return tf.sub(1, tf.div(dot, tf.mul(normA, normB))) as Tensor1D;
  };
  return {
    name: `cosine(eps=${epsilon})`,
    squared: (a, b) => tf.square(distance(a, b)) as Tensor1D,
    // The square root of a square is |d|; d ≥ 0 here, and ε keeps the gradient finite at 0.
    fromSquared: (squared) => tf.sqrt(tf.add(squared, epsilon)) as Tensor1D,
  };
}
