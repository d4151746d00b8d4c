import type { ParamValue } from '@siamese-lab/run-record';
import { bytesOf, packCheckpoint } from './blobs.ts';
import { now, type StoreContext } from './context.ts';
import type { ExperimentInput, RunOutcome, StepMetricRow, StoredCheckpoint } from './records.ts';

/** Writing experiments and a run's results (steps, parameters, metrics, embedding, checkpoint). */

/** A finite number or null: SQLite has no NaN, and a metric that is undefined is stored as NULL. */
const finiteOrNull = (value: number | null | undefined): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : value;

/** The tables holding a run's results: emptied when the run is trained again. */
const resultTables = ['step_metrics', 'step_values', 'final_metrics', 'embeddings', 'checkpoints', 'run_params'];

/** Inserts the experiment, or updates the one of that name (its id and creation time stay). */
export function upsertExperiment(context: StoreContext, input: ExperimentInput): void {
  const timestamp = now();
  context
    .statement<[Record<string, string | null>]>(
      `INSERT INTO experiments (name, description, file_path, spec_json, sweep_keys_json, created_at, updated_at)
         VALUES (@name, @description, @filePath, @spec, @sweepKeys, @timestamp, @timestamp)
         ON CONFLICT(name) DO UPDATE SET description = excluded.description, file_path = excluded.file_path,
           spec_json = excluded.spec_json, sweep_keys_json = excluded.sweep_keys_json, updated_at = excluded.updated_at`,
    )
    .run({ ...input, spec: JSON.stringify(input.spec), sweepKeys: JSON.stringify(input.sweepKeys), timestamp });
}

export function deleteExperiment(context: StoreContext, name: string): number {
  return context.statement<[string]>(`DELETE FROM experiments WHERE name = ?`).run(name).changes;
}

export function deleteRun(context: StoreContext, runId: number): number {
  return context.statement<[number]>(`DELETE FROM runs WHERE id = ?`).run(runId).changes;
}

export function clearRunResults(context: StoreContext, runId: number): void {
  for (const table of resultTables) context.statement<[number]>(`DELETE FROM ${table} WHERE run_id = ?`).run(runId);
}

/** Adds (or replaces) step rows, all in one transaction. */
export function appendStepMetrics(context: StoreContext, runId: number, rows: StepMetricRow[]): void {
  if (rows.length === 0) return;
  if (context.readonly) throw new Error('appendStepMetrics on a read-only run store');
  const insert = context.statement<[number, number, number | null, number | null, number | null, number | null, number]>(
    `INSERT OR REPLACE INTO step_metrics (run_id, step, loss, positive_distance, negative_distance, learning_rate, nan) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  context.transaction(() => {
    for (const row of rows) {
      insert.run(
        runId,
        row.step,
        finiteOrNull(row.loss),
        finiteOrNull(row.positiveDistance),
        finiteOrNull(row.negativeDistance),
        finiteOrNull(row.learningRate),
        row.nan ? 1 : 0,
      );
    }
  });
}

function writeParams(context: StoreContext, runId: number, params: Record<string, ParamValue>): void {
  const insert = context.statement<[number, string, string]>(
    `INSERT OR REPLACE INTO run_params (run_id, key, value_json) VALUES (?, ?, ?)`,
  );
  for (const [key, value] of Object.entries(params)) insert.run(runId, key, JSON.stringify(value));
}

function writeFinalMetrics(context: StoreContext, runId: number, metrics: Record<string, number | null>): void {
  const insert = context.statement<[number, string, number | null]>(
    `INSERT OR REPLACE INTO final_metrics (run_id, name, value) VALUES (?, ?, ?)`,
  );
  for (const [name, value] of Object.entries(metrics)) insert.run(runId, name, finiteOrNull(value));
}

function writeEmbedding(context: StoreContext, runId: number, embedding: NonNullable<RunOutcome['embedding']>): void {
  const { dim, points, labels, domains, classShapes } = embedding;
  context
    .statement<[number, number, number, Buffer, Buffer, Buffer | null, string | null]>(
      `INSERT OR REPLACE INTO embeddings (run_id, dim, count, points, labels, domains, class_shapes_json) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      runId,
      dim,
      labels.length,
      bytesOf(points),
      bytesOf(labels),
      domains ? bytesOf(domains) : null,
      classShapes === undefined ? null : JSON.stringify(classShapes),
    );
}

function writeCheckpoint(context: StoreContext, runId: number, checkpoint: StoredCheckpoint): void {
  const { manifest, weights } = packCheckpoint(checkpoint);
  context
    .statement<[number, string, Buffer]>(`INSERT OR REPLACE INTO checkpoints (run_id, manifest_json, weights) VALUES (?, ?, ?)`)
    .run(runId, JSON.stringify(manifest), Buffer.from(weights.buffer));
}

/** A finished run's parameters, final metrics, embedding and checkpoint (the caller holds the transaction). */
export function writeRunResults(context: StoreContext, runId: number, outcome: RunOutcome, params: Record<string, ParamValue>): void {
  writeParams(context, runId, params);
  writeFinalMetrics(context, runId, outcome.metrics);
  if (outcome.embedding) writeEmbedding(context, runId, outcome.embedding);
  if (outcome.checkpoint) writeCheckpoint(context, runId, outcome.checkpoint);
}
