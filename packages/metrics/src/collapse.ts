import { hasNonFinite, nonFiniteNote, rowCount, type EmbeddingValues } from './validate.ts';

/** Total variance at or below this fraction of the mean squared norm counts as collapsed. */
export const COLLAPSE_RELATIVE_VARIANCE = 1e-12;

export interface CollapseReport {
  /** True when all (finite) points coincide up to float32 rounding; see `detectCollapse`. */
  collapsed: boolean;
  /** RMS distance of the points from their centroid: sqrt(total variance). */
  spread: number;
}

/**
 * Detects an embedding that has collapsed to (numerically) a single point.
 *
 * total variance V = (1/n) Σ_i ‖x_i − μ‖² (sum of per-dimension variances), spread = √V.
 * mean squared norm M = (1/n) Σ_i ‖x_i‖² = V + ‖μ‖².
 * collapsed ⇔ n ≥ 2 and V ≤ 1e-12 · M, i.e. the spread is at most 1e-6 of the points' RMS
 * magnitude — below what float32 coordinates (relative precision ~1.2e-7) can resolve — so
 * the test is scale-invariant. Zero spread around the origin (V = M = 0) is collapsed too.
 * Rows containing NaN/Infinity are ignored (check those with `hasNonFinite`); with fewer than
 * two finite rows nothing can collapse and `collapsed` is false.
 */
export function detectCollapse(embedding: EmbeddingValues, dim: number): CollapseReport {
  const rows = rowCount(embedding, dim);
  const finiteRows: number[] = [];
  for (let i = 0; i < rows; i++) {
    let finite = true;
    for (let k = 0; k < dim; k++)
      if (!Number.isFinite(embedding[i * dim + k])) {
        finite = false;
        break;
      }
    if (finite) finiteRows.push(i);
  }
  const n = finiteRows.length;
  if (n < 2) return { collapsed: false, spread: 0 };
  // Two passes (centroid first) so the variance is not lost to cancellation far from the origin.
  const centroid = new Float64Array(dim);
  for (const i of finiteRows) for (let k = 0; k < dim; k++) centroid[k] += embedding[i * dim + k];
  for (let k = 0; k < dim; k++) centroid[k] /= n;
  let variance = 0;
  let centroidNormSquared = 0;
  for (let k = 0; k < dim; k++) centroidNormSquared += centroid[k] * centroid[k];
  for (const i of finiteRows) {
    for (let k = 0; k < dim; k++) {
      const diff = embedding[i * dim + k] - centroid[k];
      variance += diff * diff;
    }
  }
  variance /= n;
  const meanSquaredNorm = variance + centroidNormSquared;
  return { collapsed: variance <= COLLAPSE_RELATIVE_VARIANCE * meanSquaredNorm, spread: Math.sqrt(variance) };
}

/**
 * Why a distance-based metric cannot be computed on this embedding (non-finite values, or a
 * collapse that makes every distance zero and every neighbour ranking arbitrary), or null if it can.
 */
export function distanceMetricBlocker(metric: string, embedding: EmbeddingValues, dim: number): string | null {
  if (hasNonFinite(embedding)) return nonFiniteNote(metric, embedding);
  if (detectCollapse(embedding, dim).collapsed)
    return `${metric} is undefined: the embedding has collapsed (all points coincide), so distances carry no information`;
  return null;
}
