import { LabError } from '@siamese-lab/core';
import { rowCount, type EmbeddingValues } from './validate.ts';

/** Squared Euclidean distance between row `i` of `a` and row `j` of `b` (both row-major, width `dim`), in float64. */
export function squaredDistance(a: EmbeddingValues, i: number, b: EmbeddingValues, j: number, dim: number): number {
  let sum = 0;
  const offsetA = i * dim,
    offsetB = j * dim;
  for (let k = 0; k < dim; k++) {
    const diff = a[offsetA + k] - b[offsetB + k];
    sum += diff * diff;
  }
  return sum;
}

/** out[r] = squared distance from row `q` of `queries` to row r of `references` (float64; 2-D has a loop-free fast path). */
export function squaredDistancesFrom(queries: Float64Array, q: number, references: Float64Array, dim: number, out: Float64Array): void {
  const rows = out.length;
  if (dim === 2) {
    const x = queries[2 * q],
      y = queries[2 * q + 1];
    for (let r = 0; r < rows; r++) {
      const dx = x - references[2 * r],
        dy = y - references[2 * r + 1];
      out[r] = dx * dx + dy * dy;
    }
    return;
  }
  const offsetQ = q * dim;
  for (let r = 0; r < rows; r++) {
    const offsetR = r * dim;
    let sum = 0;
    for (let k = 0; k < dim; k++) {
      const diff = queries[offsetQ + k] - references[offsetR + k];
      sum += diff * diff;
    }
    out[r] = sum;
  }
}

/**
 * Euclidean distance between row k of `a` and row k of `b`, for every k: the distances of the
 * pairs (a[k], b[k]) that feed `verificationRocAuc`. A row with a non-finite value gives NaN,
 * which `verificationRocAuc` turns into a null result with a note.
 */
export function pairDistances(a: EmbeddingValues, b: EmbeddingValues, dim: number): Float32Array {
  const rows = rowCount(a, dim, 'a');
  if (rowCount(b, dim, 'b') !== rows) {
    throw new LabError(`pair embeddings have different lengths (${a.length} vs ${b.length} values)`, {
      field: 'b',
      hint: 'the two sides of a pair set must have the same number of rows',
    });
  }
  const distances = new Float32Array(rows);
  for (let k = 0; k < rows; k++) distances[k] = Math.sqrt(squaredDistance(a, k, b, k, dim));
  return distances;
}
