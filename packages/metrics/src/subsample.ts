import { createRandom, LabError } from '@siamese-lab/core';
import { distanceMetricBlocker } from './collapse.ts';
import { labelledRowCount, undefinedBecause, type EmbeddingValues, type LabelValues, type MetricOptions } from './validate.ts';

/** Options of the O(n²) metrics, which run on a deterministic random subset of the rows. */
export interface SubsampleOptions {
  /** At most this many rows are used (default 2000); larger inputs are subsampled without replacement. */
  maxPoints?: number;
  /** Seed of the subsample (default 0): the same seed always picks the same rows. */
  seed?: number;
}

export const DEFAULT_MAX_POINTS = 2000;

/** Sorted row indices of a seeded uniform subsample of size min(rows, maxPoints) (partial Fisher-Yates). */
export function subsampleRows(rows: number, options: SubsampleOptions = {}): Int32Array {
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new LabError(`maxPoints must be an integer of at least 2, got ${maxPoints}`, {
      field: 'maxPoints',
      hint: 'the default of 2000 keeps the O(n²) metrics under a second',
    });
  }
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  if (rows <= maxPoints) return order;
  const random = createRandom(options.seed ?? 0);
  for (let i = 0; i < maxPoints; i++) {
    const j = i + random.int(rows - i);
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order.slice(0, maxPoints).sort();
}

/** A subsample with labels renumbered to dense cluster ids 0..clusterCount−1 (in order of first appearance). */
export interface LabelledSubsample {
  /** Row-major float64 copy of the chosen rows. */
  values: Float64Array;
  clusters: Int32Array;
  clusterSizes: number[];
  count: number;
}

export function labelledSubsample(
  embedding: EmbeddingValues,
  labels: LabelValues,
  dim: number,
  rows: number,
  options: SubsampleOptions,
): LabelledSubsample {
  const chosen = subsampleRows(rows, options);
  const count = chosen.length;
  const values = new Float64Array(count * dim);
  const clusters = new Int32Array(count);
  const clusterOf = new Map<number, number>();
  const clusterSizes: number[] = [];
  for (let s = 0; s < count; s++) {
    const row = chosen[s];
    for (let k = 0; k < dim; k++) values[s * dim + k] = embedding[row * dim + k];
    let cluster = clusterOf.get(labels[row]);
    if (cluster === undefined) {
      cluster = clusterSizes.length;
      clusterOf.set(labels[row], cluster);
      clusterSizes.push(0);
    }
    clusters[s] = cluster;
    clusterSizes[cluster]++;
  }
  return { values, clusters, clusterSizes, count };
}

/**
 * The checked start of the O(n²) distance metrics: throws `LabError` for malformed input, returns
 * null with a note when the metric cannot be computed (see `distanceMetricBlocker`), else the
 * seeded labelled subsample.
 */
export function distanceMetricSample(
  metric: string,
  embedding: EmbeddingValues,
  labels: LabelValues,
  dim: number,
  options: SubsampleOptions & MetricOptions,
): LabelledSubsample | null {
  const rows = labelledRowCount(embedding, labels, dim);
  const blocker = distanceMetricBlocker(metric, embedding, dim);
  if (blocker) return undefinedBecause(options.notes, blocker);
  return labelledSubsample(embedding, labels, dim, rows, options);
}
