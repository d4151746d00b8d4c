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

/** Records a reason and returns null, so metric code can `return undefinedBecause(notes, '...')`. */
export function undefinedBecause(notes: string[] | undefined, reason: string): null {
  notes?.push(reason);
  return null;
}

/** Last line of defence against a silent NaN: a non-finite result becomes null with a note. */
export function finiteOrNull(value: number, metric: string, notes: string[] | undefined): number | null {
  return Number.isFinite(value) ? value : undefinedBecause(notes, `${metric} evaluated to ${value}; reported as null`);
}
