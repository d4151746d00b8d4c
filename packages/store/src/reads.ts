import type { ClassShape, RunStatus } from '@siamese-lab/run-record';
import { blobCopy, unpackCheckpoint, type CheckpointManifestEntry } from './blobs.ts';
import type { StoreContext } from './context.ts';
import type {
  ExperimentRecord,
  ExperimentSummary,
  RunFilter,
  RunProgress,
  RunRecord,
  StepMetricRow,
  StoredCheckpoint,
  StoredEmbedding,
} from './records.ts';
import {
  runSelect,
  toExperiment,
  toRun,
  toRunProgress,
  toStepMetric,
  type CheckpointRow,
  type EmbeddingRow,
  type ExperimentRow,
  type FinalMetricRow,
  type RunProgressRow,
  type RunRow,
  type StatusCountRow,
  type StepMetricsRow,
} from './rows.ts';

/** Reading experiments, runs and their results, and the database's state. */

export function getExperiment(context: StoreContext, name: string): ExperimentRecord | undefined {
  const row = context.statement<[string], ExperimentRow>(`SELECT * FROM experiments WHERE name = ?`).get(name);
  return row ? toExperiment(row) : undefined;
}

/** Every experiment, the most recently updated first, with its number of runs in each status. */
export function listExperiments(context: StoreContext): ExperimentSummary[] {
  const rows = context.statement<[], ExperimentRow>(`SELECT * FROM experiments ORDER BY updated_at DESC`).all();
  const counts = context.statement<[number], StatusCountRow>(
    `SELECT status, COUNT(*) AS n FROM runs WHERE experiment_id = ? GROUP BY status`,
  );
  return rows.map((row) => {
    const runCounts: Partial<Record<RunStatus, number>> = {};
    for (const count of counts.all(row.id)) runCounts[count.status] = count.n;
    return { ...toExperiment(row), runCounts };
  });
}

/** The runs matching `filter`, by experiment name then run index. */
export function listRuns(context: StoreContext, filter: RunFilter = {}): RunRecord[] {
  const where: string[] = [];
  const values: string[] = [];
  if (filter.experiment !== undefined) {
    where.push('experiments.name = ?');
    values.push(filter.experiment);
  }
  if (filter.status !== undefined) {
    where.push('runs.status = ?');
    values.push(filter.status);
  }
  const sql = `${runSelect}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY experiments.name, runs.run_index`;
  return context
    .statement<string[], RunRow>(sql)
    .all(...values)
    .map(toRun);
}

/**
 * Every run's status and last logged step, for a live view's poller. The last step is one
 * primary-key lookup per run, so this stays cheap however long the curves are.
 */
export function listRunProgress(context: StoreContext): RunProgress[] {
  return context
    .statement<[], RunProgressRow>(
      `SELECT runs.id, runs.experiment_id, experiments.name AS experiment_name, runs.status, runs.steps_done, runs.finished_at,
               (SELECT MAX(step) FROM step_metrics WHERE step_metrics.run_id = runs.id) AS last_step
             FROM runs JOIN experiments ON experiments.id = runs.experiment_id ORDER BY runs.id`,
    )
    .all()
    .map(toRunProgress);
}

export function getRun(context: StoreContext, runId: number): RunRecord | undefined {
  const row = context.statement<[number], RunRow>(`${runSelect} WHERE runs.id = ?`).get(runId);
  return row ? toRun(row) : undefined;
}

export function getRunByConfigHash(context: StoreContext, experimentId: number, configHash: string): RunRecord | undefined {
  const row = context
    .statement<[number, string], RunRow>(`${runSelect} WHERE runs.experiment_id = ? AND runs.config_hash = ?`)
    .get(experimentId, configHash);
  return row ? toRun(row) : undefined;
}

export function getStepMetrics(context: StoreContext, runId: number): StepMetricRow[] {
  return context
    .statement<[number], StepMetricsRow>(`SELECT * FROM step_metrics WHERE run_id = ? ORDER BY step`)
    .all(runId)
    .map(toStepMetric);
}

export function getFinalMetrics(context: StoreContext, runId: number): Record<string, number | null> {
  const metrics: Record<string, number | null> = {};
  for (const row of context
    .statement<[number], FinalMetricRow>(`SELECT name, value FROM final_metrics WHERE run_id = ? ORDER BY name`)
    .all(runId)) {
    metrics[row.name] = row.value;
  }
  return metrics;
}

export function getEmbedding(context: StoreContext, runId: number): StoredEmbedding | undefined {
  const row = context.statement<[number], EmbeddingRow>(`SELECT * FROM embeddings WHERE run_id = ?`).get(runId);
  if (!row) return undefined;
  return {
    dim: row.dim,
    count: row.count,
    points: new Float32Array(blobCopy(row.points)),
    labels: new Uint8Array(blobCopy(row.labels)),
    domains: row.domains ? new Uint8Array(blobCopy(row.domains)) : null,
    classShapes: row.class_shapes_json ? (JSON.parse(row.class_shapes_json) as ClassShape[]) : null,
  };
}

export function getCheckpoint(context: StoreContext, runId: number): StoredCheckpoint | undefined {
  const row = context.statement<[number], CheckpointRow>(`SELECT * FROM checkpoints WHERE run_id = ?`).get(runId);
  if (!row) return undefined;
  const manifest = JSON.parse(row.manifest_json) as CheckpointManifestEntry[];
  return unpackCheckpoint(manifest, new Float32Array(blobCopy(row.weights)));
}

/**
 * SQLite's `data_version`: changes whenever another connection commits to the database. A
 * reader polls this (no table is read) and re-reads only when it moved.
 */
export function dataVersion(context: StoreContext): number {
  return context.pragmaValue('data_version') as number;
}

/** SQLite's integrity check: `ok`, or what is damaged. */
export function integrityCheck(context: StoreContext): string {
  return context.pragmaValue('integrity_check') as string;
}
