import type { RunStatus } from '@siamese-lab/run-record';

/** The rows SQLite returns for the tables in schema.ts, column for column (snake_case, as stored). */

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

export interface StepMetricsRow {
  run_id: number;
  step: number;
  loss: number | null;
  positive_distance: number | null;
  negative_distance: number | null;
  learning_rate: number | null;
  nan: number;
}

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
