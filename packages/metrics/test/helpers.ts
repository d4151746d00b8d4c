import { createRandom } from '@siamese-lab/core';

/** Points on the x axis as a 2-D row-major embedding (y = 0), so hand distances are |x_i − x_j|. */
export function onLine(xs: number[]): Float32Array {
  const embedding = new Float32Array(xs.length * 2);
  xs.forEach((x, i) => (embedding[2 * i] = x));
  return embedding;
}

/** Seeded standard normal samples (Box-Muller). */
export function normalSampler(seed: number): () => number {
  const random = createRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
}

/** Random integer-grid points (many exact distance ties) with labels in [0, classes). */
export function gridPoints(
  seed: number,
  rows: number,
  dim: number,
  classes: number,
  span = 4,
): { embedding: Float32Array; labels: Int32Array } {
  const random = createRandom(seed);
  const embedding = Float32Array.from({ length: rows * dim }, () => random.int(span));
  const labels = Int32Array.from({ length: rows }, () => random.int(classes));
  return { embedding, labels };
}

export function euclidean(embedding: ArrayLike<number>, i: number, j: number, dim: number): number {
  let sum = 0;
  for (let k = 0; k < dim; k++) sum += (embedding[i * dim + k] - embedding[j * dim + k]) ** 2;
  return Math.sqrt(sum);
}
