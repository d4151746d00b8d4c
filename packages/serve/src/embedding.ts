/**
 * What the embedding explorer computes on the server: a 2-D view of the embedding (the first two
 * principal components when it has more than two dimensions), the k nearest neighbours of one
 * point, and the class-confusion table of every point's neighbours.
 */

import type { EmbeddingMeta } from './wire.ts';

export interface Projection {
  /** n*2 values, row-major. */
  xy: Float32Array;
  method: EmbeddingMeta['projection'];
  /** Share of the total variance on each of the two axes (PCA only). */
  explainedVariance: EmbeddingMeta['explainedVariance'];
}

/** Top eigenvector of a symmetric matrix by power iteration (deterministic start). */
function topEigenvector(matrix: Float64Array, size: number): { vector: Float64Array; value: number } {
  let vector = new Float64Array(size);
  for (let i = 0; i < size; i++) vector[i] = 1 / Math.sqrt(size) + (i % 7) * 1e-3;
  let value = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const next = new Float64Array(size);
    for (let row = 0; row < size; row++) {
      let sum = 0;
      for (let col = 0; col < size; col++) sum += matrix[row * size + col] * vector[col];
      next[row] = sum;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) return { vector, value: 0 };
    for (let i = 0; i < size; i++) next[i] /= norm;
    let change = 0;
    for (let i = 0; i < size; i++) change = Math.max(change, Math.abs(next[i] - vector[i]));
    vector = next;
    value = norm;
    if (change < 1e-10) break;
  }
  return { vector, value };
}

/** Projects an n x dim embedding to 2-D: as is for dim 2, PCA (top two components) above. */
export function projectTo2d(points: Float32Array, count: number, dim: number): Projection {
  if (dim === 2) return { xy: Float32Array.from(points.subarray(0, count * 2)), method: 'identity', explainedVariance: null };
  const xy = new Float32Array(count * 2);
  if (dim === 1) {
    for (let i = 0; i < count; i++) xy[2 * i] = points[i];
    return { xy, method: 'line', explainedVariance: null };
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let k = 0; k < dim; k++) mean[k] += points[i * dim + k];
  for (let k = 0; k < dim; k++) mean[k] /= Math.max(1, count);
  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < dim; k++) centred[k] = points[i * dim + k] - mean[k];
    for (let a = 0; a < dim; a++) {
      const value = centred[a];
      if (value === 0 || !Number.isFinite(value)) continue;
      for (let b = a; b < dim; b++) covariance[a * dim + b] += value * centred[b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) covariance[a * dim + b] = covariance[b * dim + a];
  let trace = 0;
  for (let k = 0; k < dim; k++) trace += covariance[k * dim + k];
  const first = topEigenvector(covariance, dim);
  // Deflate, then the second component is the top eigenvector of what is left.
  const deflated = Float64Array.from(covariance);
  for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) deflated[a * dim + b] -= first.value * first.vector[a] * first.vector[b];
  const second = topEigenvector(deflated, dim);
  for (let i = 0; i < count; i++) {
    let x = 0,
      y = 0;
    for (let k = 0; k < dim; k++) {
      const value = points[i * dim + k] - mean[k];
      x += value * first.vector[k];
      y += value * second.vector[k];
    }
    xy[2 * i] = x;
    xy[2 * i + 1] = y;
  }
  return { xy, method: 'pca', explainedVariance: trace > 0 ? [first.value / trace, second.value / trace] : null };
}

export interface Neighbour {
  index: number;
  distance: number;
}

/**
 * The k nearest other points of `query` by Euclidean distance in the full embedding (ties go to
 * the lower index), nearest first. Non-finite points are never neighbours.
 */
export function nearestNeighbours(points: Float32Array, count: number, dim: number, query: number, k: number): Neighbour[] {
  const best: Neighbour[] = [];
  const offset = query * dim;
  for (let j = 0; j < count; j++) {
    if (j === query) continue;
    let sum = 0;
    for (let d = 0; d < dim; d++) {
      const difference = points[offset + d] - points[j * dim + d];
      sum += difference * difference;
    }
    if (!Number.isFinite(sum)) continue;
    if (best.length === k && sum >= best[k - 1].distance) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].distance > sum) at--;
    best.splice(at, 0, { index: j, distance: sum });
    if (best.length > k) best.pop();
  }
  return best.map((entry) => ({ index: entry.index, distance: Math.sqrt(entry.distance) }));
}

/**
 * For each class, how many of its points' k nearest neighbours fall in each class:
 * `counts[a][b]` = neighbours of class b around points of class a. The diagonal share is the
 * class's k-NN purity; off-diagonal mass shows which classes are confused with which.
 */
export function neighbourClassConfusion(points: Float32Array, labels: Uint8Array, dim: number, k: number, classes: number): number[][] {
  const count = labels.length;
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const values = Float64Array.from(points);
  const bestDistance = new Float64Array(k);
  const bestIndex = new Int32Array(k);
  for (let i = 0; i < count; i++) {
    let filled = 0;
    const offset = i * dim;
    for (let j = 0; j < count; j++) {
      if (j === i) continue;
      let sum = 0;
      for (let d = 0; d < dim; d++) {
        const difference = values[offset + d] - values[j * dim + d];
        sum += difference * difference;
      }
      if (!(sum < Infinity)) continue;
      if (filled === k && sum >= bestDistance[k - 1]) continue;
      let at = filled < k ? filled++ : k - 1;
      while (at > 0 && bestDistance[at - 1] > sum) {
        bestDistance[at] = bestDistance[at - 1];
        bestIndex[at] = bestIndex[at - 1];
        at--;
      }
      bestDistance[at] = sum;
      bestIndex[at] = j;
    }
    const own = labels[i];
    if (own >= classes) continue;
    for (let n = 0; n < filled; n++) {
      const other = labels[bestIndex[n]];
      if (other < classes) counts[own][other]++;
    }
  }
  return counts;
}
