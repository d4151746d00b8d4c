import { LabError } from '@siamese-lab/core';

/** Row-major embedding values (n × dim); Float32Array is the usual form. */
export type EmbeddingValues = ArrayLike<number>;
/** One integer class label per embedding row. */
export type LabelValues = ArrayLike<number>;

/**
 * Options every metric accepts. `notes` is a sink: a metric pushes a one-line, human-readable
 * reason onto it whenever it returns `null` (or otherwise degrades), so a caller can report why.
 */
export interface MetricOptions {
  notes?: string[];
}

/** Number of rows of a row-major embedding, after checking that `dim` fits it. */
export function rowCount(embedding: EmbeddingValues, dim: number, field = 'embedding'): number {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new LabError(`embedding dimension must be a positive integer, got ${dim}`, {
      field: 'dim',
      hint: 'pass the width of one embedding row',
    });
  }
  if (embedding.length % dim !== 0) {
    throw new LabError(`${field} has ${embedding.length} values, which is not a multiple of the dimension ${dim}`, {
      field,
      hint: 'embeddings are row-major n × dim arrays; check that dim matches the model output width',
    });
  }
  return embedding.length / dim;
}

/** Checks that there is one integer label per row. */
export function checkLabels(labels: LabelValues, rows: number, field = 'labels'): void {
  if (labels.length !== rows) {
    throw new LabError(`${field} has ${labels.length} entries but the embedding has ${rows} rows`, {
      field,
      hint: 'pass exactly one label per embedding row, in the same order',
    });
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i])) {
      throw new LabError(`${field}[${i}] is ${labels[i]}, not an integer class label`, {
        field: `${field}[${i}]`,
        hint: 'labels must be integers (e.g. a Uint8Array or Int32Array)',
      });
    }
  }
}

/**
 * Number of rows of a labelled embedding, after checking that `dim` fits it and that there is one
 * integer label per row (the input check every labelled metric starts with).
 */
export function labelledRowCount(
  embedding: EmbeddingValues,
  labels: LabelValues,
  dim: number,
  fields: { embedding: string; labels: string } = { embedding: 'embedding', labels: 'labels' },
): number {
  const rows = rowCount(embedding, dim, fields.embedding);
  checkLabels(labels, rows, fields.labels);
  return rows;
}

/** Number of NaN or ±Infinity values. */
export function countNonFinite(values: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) count++;
  return count;
}

/** True when any value is NaN or ±Infinity (a diverged network usually produces these). */
export function hasNonFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return true;
  return false;
}

export function nonFiniteNote(metric: string, values: ArrayLike<number>, what = 'embedding'): string {
  return `${metric} is undefined: the ${what} contains ${countNonFinite(values)} non-finite value(s) (NaN or Infinity)`;
}

/**
 * When `values` hold NaN or ±Infinity, notes that the metric is undefined and returns true, so
 * metric code can `if (undefinedIfNonFinite(...)) return <its empty result>`.
 */
export function undefinedIfNonFinite(notes: string[] | undefined, metric: string, values: ArrayLike<number>, what?: string): boolean {
  if (!hasNonFinite(values)) return false;
  undefinedBecause(notes, nonFiniteNote(metric, values, what));
  return true;
}

/** Records a reason and returns null, so metric code can `return undefinedBecause(notes, '...')`. */
export function undefinedBecause(notes: string[] | undefined, reason: string): null {
  notes?.push(reason);
  return null;
}

/** Last line of defence against a silent NaN: a non-finite result becomes null with a note. */
export function finiteOrNull(value: number, metric: string, notes: string[] | undefined): number | null {
  return Number.isFinite(value) ? value : undefinedBecause(notes, `${metric} evaluated to ${value}; reported as null`);
}
