import { tf } from '@siamese-lab/backend';
import type { Distance } from './distances.ts';
import { withoutGradient } from './no-gradient.ts';

type Tensor2D = tf.Tensor2D;

/** The distances between every two rows of a batch, [n, n], in both forms a loss may need. */
export interface DistanceMatrix {
  squared: Tensor2D;
  distance: Tensor2D;
}

/**
 * `distance` between every row i and every row j of `embeddings` ([n, d]): entry (i, j) is
 * `distance.measure` of the pair (x_i, x_j), so each distance keeps its own ε handling (euclidean:
 * sqrt(d² + ε), whose gradient is finite at d = 0 only for ε > 0; the diagonal always has d = 0,
 * so a batch loss on euclidean needs ε > 0 even where it never selects the diagonal: the masked
 * entries' gradient is 0 · ∞ = NaN otherwise). The pairs are formed by broadcasting, n² · d
 * values: exact differences (no |a|² + |b|² − 2a·b cancellation), affordable for batches of a few
 * hundred. Broadcast with an added zero, not tf.tile or a gather: their gradients are a loop of
 * slices (tile) or UnsortedSegmentSum, which the wasm and blas backends do not have (gather).
 */
export function pairwiseDistances(distance: Distance, embeddings: Tensor2D): DistanceMatrix {
  const [n, d] = embeddings.shape;
  const rows = tf.reshape<tf.Rank.R2>(tf.add(tf.expandDims(embeddings, 1), tf.zeros([1, n, 1])), [n * n, d]);
  const columns = tf.reshape<tf.Rank.R2>(tf.add(tf.expandDims(embeddings, 0), tf.zeros([n, 1, 1])), [n * n, d]);
  const measured = distance.measure(rows, columns);
  return { squared: tf.reshape(measured.squared, [n, n]), distance: tf.reshape(measured.distance, [n, n]) };
}

/**
 * Rows scaled to unit length as x / sqrt(|x|² + ε): the seed's ε under the root. With ε = 0 a
 * zero row is 0/0 = NaN and its gradient too; with ε > 0 it stays 0 with a finite gradient, and
 * other rows are shortened by a factor 1/sqrt(1 + ε/|x|²) (1 − 5e-7 for |x| = 1, ε = 1e-6).
 */
export function l2Normalize(embeddings: Tensor2D, epsilon: number): Tensor2D {
  if (!(epsilon >= 0)) throw new Error(`epsilon must be >= 0, got ${epsilon}`);
  return tf.div(embeddings, tf.sqrt(tf.add(tf.sum(tf.square(embeddings), 1, true), epsilon)));
}

/** A similarity between every row of `a` and every row of `b`, [rows of a, rows of b]: larger is closer. */
export interface Similarity {
  readonly name: string;
  matrix(a: Tensor2D, b: Tensor2D): Tensor2D;
}

/**
 * Cosine similarity: the dot products of the L2-normalised rows (`l2Normalize`, ε guarding zero
 * norms), in [−1, 1]; pytorch-metric-learning's CosineSimilarity, the similarity its
 * multi-similarity, NT-Xent and Proxy-Anchor losses use by default.
 */
export function cosineSimilarity(options: { epsilon: number }): Similarity {
  const { epsilon } = options;
  if (!(epsilon >= 0)) throw new Error(`epsilon must be >= 0, got ${epsilon}`);
  return {
    name: `cosine_similarity(eps=${epsilon})`,
    matrix: (a, b) => tf.matMul(l2Normalize(a, epsilon), l2Normalize(b, epsilon), false, true),
  };
}

/**
 * log Σ_j exp(x_ij) over the entries of each row where `mask` is 1, computed stably: the row's
 * largest selected entry m is taken out, log Σ exp(x − m) + m, so no exp overflows however large
 * x is (x = s/τ with τ → 0, β·s with a large β). m is a constant of the gradient (the gradient
 * of a log-sum-exp does not depend on it). Unselected entries enter as exp(0)·0, never as
 * exp(x − m) · 0, which is ∞ · 0 = NaN once x − m overflows.
 *
 * `addOne`: log(1 + Σ exp(x)), a zero entry always present (pytorch-metric-learning's
 * `logsumexp(..., add_one=True)`); a row with nothing selected gives log 1 = 0.
 * Without it, a row with nothing selected gives 0 too (it would be log 0 = −∞, with a NaN
 * gradient): callers read `nonEmpty` (1 where the row selected something) to tell.
 */
export function maskedLogSumExp(
  x: tf.Tensor,
  mask: tf.Tensor,
  options: { addOne: boolean },
): { value: tf.Tensor1D; nonEmpty: tf.Tensor1D } {
  const nonEmpty = withoutGradient([mask], (m) => tf.cast(tf.greater(tf.max(m, 1), 0), 'float32')) as tf.Tensor1D;
  const shift = withoutGradient([x, mask], (values, m) => {
    const selected = tf.where(tf.greater(m, 0), values, tf.fill(values.shape, -Infinity));
    // An empty row has max −∞: shift by 0 there. With the extra zero entry the shift is at least 0.
    const rowMax = tf.where(tf.greater(tf.max(m, 1), 0), tf.max(selected, 1), tf.zeros([values.shape[0]]));
    return (options.addOne ? tf.maximum(rowMax, 0) : rowMax) as tf.Tensor1D;
  });
  const shifted = tf.mul(tf.sub(x, tf.expandDims(shift, 1)), mask);
  let sum = tf.sum(tf.mul(tf.exp(shifted), mask), 1);
  // The zero entry, exp(0 − m); for an empty row without it, 1 in place of the sum (log 1 = 0).
  sum = options.addOne ? tf.add(sum, tf.exp(tf.neg(shift))) : tf.add(sum, tf.sub(1, nonEmpty));
  return { value: tf.add(tf.log(sum), shift), nonEmpty };
}
