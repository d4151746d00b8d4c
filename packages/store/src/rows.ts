import type { ParamValue, RunStatus } from '@siamese-lab/run-record';
import type { ExperimentRecord, RunProgress, RunRecord, StepMetricRow } from './records.ts';
import { paramsAsRun } from './run-params.ts';

/**
 * The rows SQLite returns for the tables in schema.ts, column for column (snake_case, as stored),
 * and how each reads as a record.
 */

export interface ExperimentRow {
  id: number;
  name: string;
  description: string;
  file_path: string | null;
  spec_json: string;
  sweep_keys_json: string;
  created_at: string;
  updated_at: string;
}

export const toExperiment = (row: ExperimentRow): ExperimentRecord => ({
  id: row.id,
  name: row.name,
  description: row.description,
  filePath: row.file_path,
  spec: JSON.parse(row.spec_json) as unknown,
  sweepKeys: JSON.parse(row.sweep_keys_json) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The query for `RunRow`s; callers add WHERE and ORDER BY. */
export const runSelect = `SELECT runs.*, experiments.name AS experiment_name FROM runs JOIN experiments ON experiments.id = runs.experiment_id`;

/** A run joined with its experiment's name. */
export interface RunRow {
  id: number;
  experiment_id: number;
  experiment_name: string;
  run_index: number;
  config_hash: string;
  label: string;
  /** One of the statuses: the table's CHECK constraint holds it to the list. */
  status: RunStatus;
  params_json: string;
  backend: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  wall_seconds: number | null;
  steps_done: number;
  nan_steps: number;
  first_nan_step: number | null;
  nan_detail_json: string | null;
  error: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  provenance_json: string | null;
}

export const toRun = (row: RunRow): RunRecord => ({
  id: row.id,
  experimentId: row.experiment_id,
  experimentName: row.experiment_name,
  runIndex: row.run_index,
  configHash: row.config_hash,
  label: row.label,
  status: row.status,
  params: paramsAsRun(JSON.parse(row.params_json) as Record<string, ParamValue>, row.backend),
  backend: row.backend,
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  wallSeconds: row.wall_seconds,
  stepsDone: row.steps_done,
  nanSteps: row.nan_steps,
  firstNanStep: row.first_nan_step,
  nanDetail: row.nan_detail_json ? (JSON.parse(row.nan_detail_json) as unknown) : null,
  error: row.error,
  provenance: row.provenance_json ? (JSON.parse(row.provenance_json) as unknown) : null,
});

/** The columns `claimRun` reads to decide whether a run is free. */
export type LeaseRow = Pick<RunRow, 'status' | 'lease_owner' | 'lease_expires_at'>;

export interface StepMetricsRow {
  run_id: number;
  step: number;
  loss: number | null;
  positive_distance: number | null;
  negative_distance: number | null;
  learning_rate: number | null;
  nan: number;
}

export const toStepMetric = (row: StepMetricsRow): StepMetricRow => ({
  step: row.step,
  loss: row.loss,
  positiveDistance: row.positive_distance,
  negativeDistance: row.negative_distance,
  learningRate: row.learning_rate,
  nan: row.nan === 1,
});

export interface FinalMetricRow {
  name: string;
  value: number | null;
}

export interface EmbeddingRow {
  run_id: number;
  dim: number;
  count: number;
  points: Buffer;
  labels: Buffer;
  domains: Buffer | null;
  class_shapes_json: string | null;
}

export interface CheckpointRow {
  run_id: number;
  manifest_json: string;
  weights: Buffer;
}

/** One row of `listRunProgress`'s query. */
export interface RunProgressRow {
  id: number;
  experiment_id: number;
  experiment_name: string;
  status: RunStatus;
  steps_done: number;
  finished_at: string | null;
  last_step: number | null;
}

export const toRunProgress = (row: RunProgressRow): RunProgress => ({
  id: row.id,
  experimentId: row.experiment_id,
  experimentName: row.experiment_name,
  status: row.status,
  stepsDone: row.steps_done,
  lastStep: row.last_step,
  finishedAt: row.finished_at,
});

/** One row of `listExperiments`' count of runs per status. */
export interface StatusCountRow {
  status: RunStatus;
  n: number;
}
