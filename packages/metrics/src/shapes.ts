import { symmetricEigenvalues, symmetricEigenvalues2x2 } from './eigen.ts';
import { checkLabels, hasNonFinite, nonFiniteNote, rowCount, undefinedBecause, type EmbeddingValues, type LabelValues, type MetricOptions } from './validate.ts';

/** A smaller-to-larger eigenvalue fraction below this is treated as zero (a flat, rank-deficient class). */
const DEGENERATE_EIGENVALUE_FRACTION = 1e-12;

/** The shape of one class's cloud of embedding points. */
export interface ClassShape {
  label: number;
  count: number;
  /** Mean of the class's points (all dimensions). */
  centroid: number[];
  /** Sample covariance (divisor count − 1) of the first two dimensions: [var x, cov xy, var y]. Zeros when count = 1; y entries are 0 when dim = 1. */
  covariance2d: [number, number, number];
  /** The largest two eigenvalues of the full sample covariance, descending (one when dim = 1); rounding negatives are clamped to 0. */
  eigenvalues: number[];
  /** √(λ1/λ2) of the full covariance: 1 for a round cloud, s for a cloud stretched s-fold. Null when λ2 is (numerically) 0 or there is no λ2. */
  axisRatio: number | null;
  /** The 1-σ ellipse of the first two dimensions: major-axis angle from the x axis, in (−π/2, π/2], and the standard deviations along its axes. */
  ellipse: { angleRadians: number; majorStd: number; minorStd: number };
}

/**
 * Per-class centroid, covariance, principal variances and 1-σ ellipse, in ascending label order.
 * Covariance Σ = (1/(m−1)) Σ_i (x_i − μ)(x_i − μ)ᵀ over the class's m points. For dim > 2 the top
 * two eigenvalues come from the Jacobi solver. Returns [] (with a note) when the embedding
 * contains non-finite values.
 */
export function classShapes(embedding: EmbeddingValues, labels: LabelValues, dim: number, options: MetricOptions = {}): ClassShape[] {
  const rows = rowCount(embedding, dim);
  checkLabels(labels, rows);
  if (hasNonFinite(embedding)) {
    undefinedBecause(options.notes, nonFiniteNote('class shapes', embedding));
    return [];
  }
  const rowsByLabel = new Map<number, number[]>();
  for (let i = 0; i < rows; i++) {
    const members = rowsByLabel.get(labels[i]);
    if (members) members.push(i);
    else rowsByLabel.set(labels[i], [i]);
  }
  return [...rowsByLabel.keys()].sort((a, b) => a - b).map((label) => classShape(embedding, dim, label, rowsByLabel.get(label)!));
}

function classShape(embedding: EmbeddingValues, dim: number, label: number, members: number[]): ClassShape {
  const count = members.length;
  const centroid = new Float64Array(dim);
  for (const i of members) for (let k = 0; k < dim; k++) centroid[k] += embedding[i * dim + k];
  for (let k = 0; k < dim; k++) centroid[k] /= count;

  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (const i of members) {
    for (let k = 0; k < dim; k++) centred[k] = embedding[i * dim + k] - centroid[k];
    for (let r = 0; r < dim; r++) for (let c = r; c < dim; c++) covariance[r * dim + c] += centred[r] * centred[c];
  }
  const divisor = Math.max(count - 1, 1);
  for (let r = 0; r < dim; r++) {
    for (let c = r; c < dim; c++) covariance[r * dim + c] = covariance[c * dim + r] = covariance[r * dim + c] / divisor;
  }

  const xx = covariance[0], xy = dim > 1 ? covariance[1] : 0, yy = dim > 1 ? covariance[dim + 1] : 0;
  const fullEigenvalues = dim === 1 ? [xx] : dim === 2 ? symmetricEigenvalues2x2(xx, xy, yy) : symmetricEigenvalues(covariance, dim);
  const eigenvalues = fullEigenvalues.slice(0, 2).map((value) => Math.max(value, 0));
  const [largest, second] = eigenvalues;
  const axisRatio = second !== undefined && largest > 0 && second > DEGENERATE_EIGENVALUE_FRACTION * largest ? Math.sqrt(largest / second) : null;

  const [major, minor] = symmetricEigenvalues2x2(xx, xy, yy);
  return {
    label,
    count,
    centroid: Array.from(centroid),
    covariance2d: [xx, xy, yy],
    eigenvalues,
    axisRatio,
    ellipse: { angleRadians: 0.5 * Math.atan2(2 * xy, xx - yy), majorStd: Math.sqrt(Math.max(major, 0)), minorStd: Math.sqrt(Math.max(minor, 0)) },
  };
}

/**
 * Anisotropy of the embedding: the median `axisRatio` over the classes whose ratio is defined
 * (≈ 1 for round clusters, ≈ s for clusters stretched s-fold along one axis). Median, so one
 * degenerate class does not dominate. Null (with a note) when no class has a defined ratio.
 */
export function anisotropy(shapes: readonly ClassShape[], options: MetricOptions = {}): number | null {
  const ratios = shapes.map((shape) => shape.axisRatio).filter((ratio): ratio is number => ratio !== null).sort((a, b) => a - b);
  if (ratios.length === 0) return undefinedBecause(options.notes, 'anisotropy is undefined: no class has a non-degenerate spread in two directions');
  const middle = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
}
