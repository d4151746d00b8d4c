import { tf } from '@siamese-lab/backend';

type Tensor1D = tf.Tensor1D;
type Tensor2D = tf.Tensor2D;

/** A batch of pair distances in both forms a loss needs. */
export interface PairDistances {
  /** d², used directly by the positive term and by the square-root-free hinge. */
  squared: Tensor1D;
  /** d, used by the contrastive hinge max(m − d, 0)². */
  distance: Tensor1D;
}

/**
 * A distance between the rows of two embedding batches. Losses need both the squared distance
 * (the seed's positive term uses d² directly) and the distance itself (for the hinge); each
 * distance derives one from the other in the direction that keeps its gradient finite.
 */
export interface Distance {
  readonly name: string;
  measure(a: Tensor2D, b: Tensor2D): PairDistances;
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
    measure: (a, b) => {
      const squared = tf.sum<Tensor1D>(tf.square(tf.sub(a, b)), 1);
      const distance = (epsilon === 0 ? tf.sqrt(squared) : tf.sqrt(tf.add(squared, epsilon))) as Tensor1D;
      return { squared, distance };
    },
  };
}

/**
 * Cosine distance 1 − cos(a, b), in [0, 2]. It has no square root, so its gradient is finite at
 * d = 0; the squared form is derived by squaring it (taking sqrt of d² instead would bring back
 * the singularity: in float32 1 − cos rounds to 0 for nearly aligned pairs). ε keeps the norms'
 * gradient finite for an all-zero embedding.
 */
export function cosineDistance(options: { epsilon: number }): Distance {
  const { epsilon } = options;
  if (!(epsilon >= 0)) throw new Error(`epsilon must be >= 0, got ${epsilon}`);
  return {
    name: `cosine(eps=${epsilon})`,
    measure: (a, b) => {
      const dot = tf.sum(tf.mul(a, b), 1);
      const normA = tf.sqrt(tf.add(tf.sum(tf.square(a), 1), epsilon));
      const normB = tf.sqrt(tf.add(tf.sum(tf.square(b), 1), epsilon));
      const distance = tf.sub<Tensor1D>(1, tf.div(dot, tf.mul(normA, normB)));
      return { squared: tf.square(distance), distance };
    },
  };
}
