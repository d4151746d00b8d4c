import { runStatuses } from '@siamese-lab/run-record';

const quoted = (statuses: readonly string[]) => statuses.map((status) => `'${status}'`).join(',');
/** The CHECK list as the first migration wrote it: a migration's text never changes once released. */
const statusList = quoted(['queued', 'running', 'completed', 'nan', 'failed', 'interrupted']);
/** The runs table's columns after its `status` column (as the first migration wrote them). */
const runsColumnsAfterStatus = `
    params_json TEXT NOT NULL,
    backend TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    wall_seconds REAL,
    steps_done INTEGER NOT NULL DEFAULT 0,
    nan_steps INTEGER NOT NULL DEFAULT 0,
    first_nan_step INTEGER,
    nan_detail_json TEXT,
    error TEXT,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    provenance_json TEXT,
    UNIQUE (experiment_id, config_hash)`;

/**
 * Schema migrations, applied in order inside one IMMEDIATE transaction. The database's
 * `user_version` pragma records how many have run, so an old file is upgraded in place.
 */
export const migrations: string[] = [
  `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    file_path TEXT,
    spec_json TEXT NOT NULL,
    sweep_keys_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    run_index INTEGER NOT NULL,
    config_hash TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN (${statusList})),${runsColumnsAfterStatus}
  );
  CREATE INDEX runs_by_experiment ON runs(experiment_id, run_index);
  CREATE TABLE run_params (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value_json TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  );
  CREATE TABLE step_metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    loss REAL,
    positive_distance REAL,
    negative_distance REAL,
    learning_rate REAL,
    nan INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, step)
  ) WITHOUT ROWID;
  CREATE TABLE final_metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, name)
  ) WITHOUT ROWID;
  CREATE TABLE embeddings (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    dim INTEGER NOT NULL,
    count INTEGER NOT NULL,
    points BLOB NOT NULL,
    labels BLOB NOT NULL,
    domains BLOB,
    class_shapes_json TEXT
  );
  CREATE TABLE checkpoints (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    manifest_json TEXT NOT NULL,
    weights BLOB NOT NULL
  );
  `,
  // Searches: the `pruned` status (SQLite cannot change a CHECK, so the runs table is rebuilt; with
  // legacy_alter_table the other tables' REFERENCES runs(id) stay on the name, and the old table
  // is dropped with nothing pointing at it), a search's decisions in the order they were made,
  // and named values at a step (a trial's rung history: rung_objective and the validation metrics).
  `
  PRAGMA legacy_alter_table = ON;
  ALTER TABLE runs RENAME TO runs_before_pruned;
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    run_index INTEGER NOT NULL,
    config_hash TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN (${quoted(runStatuses)})),${runsColumnsAfterStatus}
  );
  INSERT INTO runs SELECT * FROM runs_before_pruned;
  DROP TABLE runs_before_pruned;
  PRAGMA legacy_alter_table = OFF;
  CREATE INDEX runs_by_experiment ON runs(experiment_id, run_index);
  CREATE TABLE search_events (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    trial INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('suggest', 'rung')),
    rung INTEGER NOT NULL DEFAULT -1,
    step INTEGER,
    value REAL,
    decision TEXT,
    data_json TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    UNIQUE (experiment_id, kind, trial, rung)
  );
  CREATE TABLE step_values (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, step, name)
  ) WITHOUT ROWID;
  `,
];
