import { symmetricEigenvalues, symmetricEigenvalues2x2 } from './eigen.ts';
import {
  labelledRowCount,
  undefinedBecause,
  undefinedIfNonFinite,
  type EmbeddingValues,
  type LabelValues,
  type MetricOptions,
} from './validate.ts';

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
  /** Every eigenvalue of the full sample covariance (dim of them), descending; rounding negatives are clamped to 0. */
  eigenvalues: number[];
  /**
   * √(λ1/λmin) of the full covariance, largest over smallest principal variance: 1 for a round
   * cloud, s for a cloud stretched s-fold along one axis. Null when there is no shape to measure
   * (dim = 1, fewer than dim + 1 points, all points equal) or when the class is `degenerate`.
   */
  axisRatio: number | null;
  /**
   * The class spreads in some direction but is flat in another (λmin ≈ 0 < λ1): it lies on a line,
   * or in a lower-dimensional subspace, and its axis ratio is unbounded.
   */
  degenerate: boolean;
  /** The 1-σ ellipse of the first two dimensions: major-axis angle from the x axis, in (−π/2, π/2], and the standard deviations along its axes. */
  ellipse: { angleRadians: number; majorStd: number; minorStd: number };
}

/**
 * Per-class centroid, covariance, principal variances and 1-σ ellipse, in ascending label order.
 * Covariance Σ = (1/(m−1)) Σ_i (x_i − μ)(x_i − μ)ᵀ over the class's m points. For dim > 2 the
 * eigenvalues come from the Jacobi solver. Returns [] (with a note) when the embedding contains
 * non-finite values.
 */
export function classShapes(embedding: EmbeddingValues, labels: LabelValues, dim: number, options: MetricOptions = {}): ClassShape[] {
  const rows = labelledRowCount(embedding, labels, dim);
  if (undefinedIfNonFinite(options.notes, 'class shapes', embedding)) return [];
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

  const xx = covariance[0],
    xy = dim > 1 ? covariance[1] : 0,
    yy = dim > 1 ? covariance[dim + 1] : 0;
  const eigenvalues = (dim === 1 ? [xx] : dim === 2 ? symmetricEigenvalues2x2(xx, xy, yy) : symmetricEigenvalues(covariance, dim)).map(
    (value) => Math.max(value, 0),
  );
  const { axisRatio, degenerate } = principalAxisRatio(eigenvalues, count);

  const [major, minor] = symmetricEigenvalues2x2(xx, xy, yy);
  return {
    label,
    count,
    centroid: Array.from(centroid),
    covariance2d: [xx, xy, yy],
    eigenvalues,
    axisRatio,
    degenerate,
    ellipse: {
      angleRadians: 0.5 * Math.atan2(2 * xy, xx - yy),
      majorStd: Math.sqrt(Math.max(major, 0)),
      minorStd: Math.sqrt(Math.max(minor, 0)),
    },
  };
}

/**
 * √(λ1/λmin) from descending eigenvalues. A shape needs dim ≥ 2, at least dim + 1 points (fewer
 * always lie in a lower-dimensional subspace) and some spread (λ1 > 0); otherwise the ratio is
 * null. λmin below a 1e-12 fraction of λ1 counts as zero: the class is degenerate (unbounded).
 */
function principalAxisRatio(eigenvalues: readonly number[], count: number): { axisRatio: number | null; degenerate: boolean } {
  const dim = eigenvalues.length;
  const largest = eigenvalues[0];
  const smallest = eigenvalues[dim - 1];
  if (dim < 2 || count <= dim || !(largest > 0)) return { axisRatio: null, degenerate: false };
  if (smallest <= DEGENERATE_EIGENVALUE_FRACTION * largest) return { axisRatio: null, degenerate: true };
  return { axisRatio: Math.sqrt(largest / smallest), degenerate: false };
}

/**
 * Anisotropy of the embedding: the median class `axisRatio` √(λ1/λmin) (≈ 1 for round clusters,
 * ≈ s for clusters stretched s-fold along one axis), over the classes that have a shape, with
 * degenerate classes (lying on a line: λmin ≈ 0) counted as +∞. Median, so a few degenerate
 * classes do not dominate; when they are the median, the anisotropy is unbounded and reported as
 * null. Null (with a note) also when no class has a shape. Degenerate classes are named in a note.
 */
export function anisotropy(shapes: readonly ClassShape[], options: MetricOptions = {}): number | null {
  const ratios = shapes.flatMap((shape) => (shape.degenerate ? [Infinity] : shape.axisRatio === null ? [] : [shape.axisRatio]));
  if (ratios.length === 0)
    return undefinedBecause(options.notes, 'anisotropy is undefined: no class has the points and spread to have a shape');
  ratios.sort((a, b) => a - b);
  const middle = ratios.length >> 1;
  const median = ratios.length % 2 === 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
  const degenerate = degenerateClassCount(shapes);
  const flat = `${degenerate} of ${ratios.length} classes lie on a line or in a lower-dimensional subspace (λmin ≈ 0)`;
  if (median === Infinity) return undefinedBecause(options.notes, `anisotropy is unbounded: ${flat}`);
  if (degenerate > 0) options.notes?.push(`${flat}: anisotropy counts them as unbounded ratios in its median`);
  return median;
}

/** How many classes are degenerate (flat in some direction, see `ClassShape.degenerate`). */
export function degenerateClassCount(shapes: readonly ClassShape[]): number {
  return shapes.filter((shape) => shape.degenerate).length;
}
