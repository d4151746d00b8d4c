import Database from 'better-sqlite3';
import { existsSync, mkdirSync, openSync, readSync, closeSync, accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hostname } from 'node:os';
import { LabError } from '@siamese-lab/core';
import { finishedStatuses, type ClassShape, type ParamValue, type RunStatus } from '@siamese-lab/run-record';
import { migrations } from './schema.ts';
import type { CheckpointRow, EmbeddingRow, ExperimentRow, FinalMetricRow, RunProgressRow, RunRow, StepMetricsRow } from './rows.ts';

export interface ExperimentRecord {
  id: number;
  name: string;
  description: string;
  filePath: string | null;
  spec: unknown;
  sweepKeys: string[];
  createdAt: string;
  updatedAt: string;
}

export interface ExperimentSummary extends ExperimentRecord {
  runCounts: Partial<Record<RunStatus, number>>;
}

export interface RunRecord {
  id: number;
  experimentId: number;
  experimentName: string;
  runIndex: number;
  configHash: string;
  label: string;
  status: RunStatus;
  params: Record<string, ParamValue>;
  backend: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  wallSeconds: number | null;
  stepsDone: number;
  nanSteps: number;
  firstNanStep: number | null;
  nanDetail: unknown;
  error: string | null;
  provenance: unknown;
}

export interface StepMetricRow {
  step: number;
  loss: number | null;
  positiveDistance: number | null;
  negativeDistance: number | null;
  learningRate: number | null;
  nan: boolean;
}

export interface StoredEmbedding {
  dim: number;
  count: number;
  points: Float32Array;
  labels: Uint8Array;
  domains: Uint8Array | null;
  classShapes: ClassShape[] | null;
}

export interface StoredCheckpoint {
  tensors: Array<{ name: string; shape: number[]; values: Float32Array }>;
}

/** A run's progress as a live view polls it: cheap to read for every run at once. */
export interface RunProgress {
  id: number;
  experimentId: number;
  experimentName: string;
  status: RunStatus;
  stepsDone: number;
  /** The last logged step (null before the first). */
  lastStep: number | null;
  finishedAt: string | null;
}

export interface RunOutcome {
  status: Extract<RunStatus, 'completed' | 'nan' | 'failed'>;
  wallSeconds: number;
  stepsDone: number;
  nanSteps: number;
  firstNanStep: number | null;
  nanDetail?: unknown;
  error?: string | null;
  metrics: Record<string, number | null>;
  embedding?: Omit<StoredEmbedding, 'count'> | null;
  checkpoint?: StoredCheckpoint | null;
}

export interface RunStoreOptions {
  readonly?: boolean;
}

const now = (): string => new Date().toISOString();

/** A finite number or null: SQLite has no NaN, and a metric that is undefined is stored as NULL. */
const finiteOrNull = (value: number | null | undefined): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : value;

function checkIsSqliteFile(path: string): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    throw new LabError(`${path} is a directory, not a run database`, {
      location: path,
      hint: 'pass --db with the path of a database file inside it, e.g. --db results/runs.sqlite',
    });
  }
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  const bytesRead = readSync(fd, header, 0, 16, 0);
  closeSync(fd);
  if (bytesRead === 0) return; // an empty file becomes a new database
  if (header.toString('latin1', 0, 15) !== 'SQLite format 3') {
    throw new LabError(`${path} is not an SQLite database`, {
      location: path,
      hint: 'pass --db with the path of a run database (or a new file name), or move this file away',
    });
  }
}

function ownerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/** True when the owner string names a process on this host that no longer exists. */
function ownerIsDead(owner: string | null): boolean {
  if (!owner) return true;
  const [host, pidText] = owner.split(':');
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export type RunStore = ReturnType<typeof openRunStore>;

/** SQLite result codes that describe the environment (disk, file, permissions), not a bug. */
const environmentCodes: Array<[prefix: string, what: string, hint: string]> = [
  [
    'SQLITE_FULL',
    'the disk is full',
    'free some space (or pass --db on another disk) and run the same command again: finished runs are kept',
  ],
  ['SQLITE_READONLY', 'the run database is read-only', 'make the file and its folder writable, or pass --db with a writable path'],
  ['SQLITE_IOERR', 'the disk reported an I/O error', 'check the disk (and free space), then run the same command again'],
  ['SQLITE_CORRUPT', 'the run database is damaged', 'keep a copy, then try `sqlite3 FILE .recover`, or pass --db with a new file'],
  ['SQLITE_NOTADB', 'the file is not an SQLite database', 'pass --db with the path of a run database (or a new file name)'],
  ['SQLITE_CANTOPEN', 'the run database cannot be opened', 'check that the path exists and is writable'],
];

/** Turns an SQLite error caused by the environment into a LabError naming the database; anything else is rethrown. */
function environmentError(error: unknown, path: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const match = environmentCodes.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`));
  if (!match) return error;
  return new LabError(`${match[1]} (${code}: ${(error as Error).message})`, { location: path, hint: match[2], cause: error });
}

/** Wraps every method of the store so that disk and file problems surface as LabErrors. */
function withEnvironmentErrors<T extends Record<string, unknown>>(store: T, path: string): T {
  for (const [key, value] of Object.entries(store)) {
    if (typeof value !== 'function') continue;
    (store as Record<string, unknown>)[key] = (...args: unknown[]) => {
      try {
        return (value as (...args: unknown[]) => unknown)(...args);
      } catch (error) {
        throw environmentError(error, path);
      }
    };
  }
  return store;
}

/** True when the database has no tables at all (a new or empty file). */
function holdsNothing(db: Database.Database): boolean {
  return (db.prepare('SELECT count(*) AS tables FROM sqlite_master').get() as { tables: number }).tables === 0;
}

/** An in-memory database with the current schema and no rows: what an empty file reads as. */
function emptyDatabase(): Database.Database {
  const db = new Database(':memory:');
  for (const migration of migrations) db.exec(migration);
  db.pragma(`user_version = ${migrations.length}`);
  return db;
}

/**
 * The SQLite store for experiments, runs and their metrics. WAL mode lets `lab ls` and
 * `lab report` read a consistent snapshot while a sweep writes; every change that must be
 * all-or-nothing (a finished run with its metrics, embedding and checkpoint) is one transaction.
 */
export function openRunStore(path: string, options: RunStoreOptions = {}) {
  const fullPath = resolve(path);
  checkIsSqliteFile(fullPath);
  if (options.readonly && !existsSync(fullPath)) {
    throw new LabError(`no run database at ${fullPath}`, {
      location: fullPath,
      hint: 'run an experiment first (pnpm run exp FILE), or pass --db with the database path',
    });
  }
  if (!options.readonly) {
    try {
      mkdirSync(dirname(fullPath), { recursive: true });
      accessSync(dirname(fullPath), constants.W_OK);
    } catch (error) {
      throw new LabError(`cannot write the run database in ${dirname(fullPath)}: ${(error as Error).message}`, {
        location: fullPath,
        hint: 'choose a writable location with --db PATH',
      });
    }
  }
  let db: Database.Database;
  try {
    db = new Database(fullPath, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    // The timeout first: a second process opening the same new file waits instead of failing.
    db.pragma('busy_timeout = 10000');
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    if (!options.readonly) db.pragma('synchronous = NORMAL');
  } catch (error) {
    throw new LabError(`cannot open the run database ${fullPath}: ${(error as Error).message}`, {
      location: fullPath,
      hint: 'check that the file is an SQLite database and that its folder is writable',
    });
  }

  let version: number;
  try {
    version = db.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    db.close();
    throw environmentError(error, fullPath);
  }
  if (version > migrations.length) {
    db.close();
    throw new LabError(
      `the run database ${fullPath} has schema version ${version}, newer than this Siamese Lab knows (${migrations.length})`,
      {
        location: fullPath,
        hint: 'update Siamese Lab, or use another --db',
      },
    );
  }
  if (version === 0 && options.readonly && holdsNothing(db)) {
    // An empty file, or one whose creator has not committed its first transaction yet: nothing
    // is recorded, so read it as an empty store (not as an outdated one that needs an upgrade).
    db.close();
    db = emptyDatabase();
    version = migrations.length;
  }
  if (version < migrations.length) {
    if (options.readonly) {
      db.close();
      throw new LabError(`the run database ${fullPath} needs a schema upgrade`, {
        location: fullPath,
        hint: 'run any writing command (e.g. lab run) once',
      });
    }
    try {
      // IMMEDIATE, and the version re-read inside: two processes creating the same database at
      // once must not both run a migration (the second would find its tables already there).
      db.transaction(() => {
        const current = db.pragma('user_version', { simple: true }) as number;
        for (let index = current; index < migrations.length; index++) {
          db.exec(migrations[index]);
          db.pragma(`user_version = ${index + 1}`);
        }
      }).immediate();
    } catch (error) {
      db.close();
      throw environmentError(error, fullPath);
    }
  }

  const owner = ownerId();

  const toExperiment = (row: ExperimentRow): ExperimentRecord => ({
    id: row.id,
    name: row.name,
    description: row.description,
    filePath: row.file_path,
    spec: JSON.parse(row.spec_json) as unknown,
    sweepKeys: JSON.parse(row.sweep_keys_json) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
  const toRun = (row: RunRow): RunRecord => ({
    id: row.id,
    experimentId: row.experiment_id,
    experimentName: row.experiment_name,
    runIndex: row.run_index,
    configHash: row.config_hash,
    label: row.label,
    status: row.status,
    params: JSON.parse(row.params_json) as Record<string, ParamValue>,
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
  const runSelect = `SELECT runs.*, experiments.name AS experiment_name FROM runs JOIN experiments ON experiments.id = runs.experiment_id`;

  const statements = {
    insertStep: options.readonly
      ? undefined
      : db.prepare(
          `INSERT OR REPLACE INTO step_metrics (run_id, step, loss, positive_distance, negative_distance, learning_rate, nan) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ),
  };

  const store = {
    path: fullPath,
    owner,
    database: db,

    upsertExperiment(input: {
      name: string;
      description: string;
      filePath: string | null;
      spec: unknown;
      sweepKeys: string[];
    }): ExperimentRecord {
      const timestamp = now();
      db.prepare(
        `INSERT INTO experiments (name, description, file_path, spec_json, sweep_keys_json, created_at, updated_at)
         VALUES (@name, @description, @filePath, @spec, @sweepKeys, @timestamp, @timestamp)
         ON CONFLICT(name) DO UPDATE SET description = excluded.description, file_path = excluded.file_path,
           spec_json = excluded.spec_json, sweep_keys_json = excluded.sweep_keys_json, updated_at = excluded.updated_at`,
      ).run({ ...input, spec: JSON.stringify(input.spec), sweepKeys: JSON.stringify(input.sweepKeys), timestamp });
      return store.getExperiment(input.name)!;
    },

    getExperiment(name: string): ExperimentRecord | undefined {
      const row = db.prepare(`SELECT * FROM experiments WHERE name = ?`).get(name) as ExperimentRow | undefined;
      return row ? toExperiment(row) : undefined;
    },

    listExperiments(): ExperimentSummary[] {
      const rows = db.prepare(`SELECT * FROM experiments ORDER BY updated_at DESC`).all() as ExperimentRow[];
      const counts = db.prepare(`SELECT status, COUNT(*) AS n FROM runs WHERE experiment_id = ? GROUP BY status`);
      return rows.map((row) => {
        const runCounts: Partial<Record<RunStatus, number>> = {};
        for (const count of counts.all(row.id) as Array<{ status: RunStatus; n: number }>) runCounts[count.status] = count.n;
        return { ...toExperiment(row), runCounts };
      });
    },

    /** Adds a queued run for this configuration unless one exists; returns the stored run either way. */
    planRun(
      experimentId: number,
      input: { runIndex: number; configHash: string; label: string; params: Record<string, ParamValue> },
    ): RunRecord {
      db.prepare(
        `INSERT INTO runs (experiment_id, run_index, config_hash, label, status, params_json, created_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?)
         ON CONFLICT(experiment_id, config_hash) DO UPDATE SET run_index = excluded.run_index, label = excluded.label`,
      ).run(experimentId, input.runIndex, input.configHash, input.label, JSON.stringify(input.params), now());
      return toRun(
        db.prepare(`${runSelect} WHERE runs.experiment_id = ? AND runs.config_hash = ?`).get(experimentId, input.configHash) as RunRow,
      );
    },

    /**
     * Takes the lease on a run so that no other process trains it at the same time. A run is
     * free when it is not finished (unless `force`) and nobody alive holds an unexpired lease.
     */
    claimRun(runId: number, claim: { backend: string; provenance: unknown; leaseSeconds: number; force?: boolean }): boolean {
      return db
        .transaction(() => {
          const row = db.prepare(`SELECT status, lease_owner, lease_expires_at FROM runs WHERE id = ?`).get(runId) as
            Pick<RunRow, 'status' | 'lease_owner' | 'lease_expires_at'> | undefined;
          if (!row) return false;
          if (!claim.force && finishedStatuses.includes(row.status)) return false;
          if (row.status === 'running' && row.lease_owner !== owner) {
            const expired = (row.lease_expires_at ?? 0) < Date.now();
            if (!expired && !ownerIsDead(row.lease_owner)) return false;
          }
          store.clearRunResults(runId);
          db.prepare(
            `UPDATE runs SET status = 'running', lease_owner = ?, lease_expires_at = ?, started_at = ?, finished_at = NULL,
             wall_seconds = NULL, steps_done = 0, nan_steps = 0, first_nan_step = NULL, nan_detail_json = NULL, error = NULL,
             backend = ?, provenance_json = ? WHERE id = ?`,
          ).run(owner, Date.now() + claim.leaseSeconds * 1000, now(), claim.backend, JSON.stringify(claim.provenance), runId);
          return true;
        })
        .immediate();
    },

    renewLease(runId: number, leaseSeconds: number, stepsDone: number): void {
      db.prepare(`UPDATE runs SET lease_expires_at = ?, steps_done = ? WHERE id = ? AND lease_owner = ?`).run(
        Date.now() + leaseSeconds * 1000,
        stepsDone,
        runId,
        owner,
      );
    },

    clearRunResults(runId: number): void {
      for (const table of ['step_metrics', 'final_metrics', 'embeddings', 'checkpoints', 'run_params']) {
        db.prepare(`DELETE FROM ${table} WHERE run_id = ?`).run(runId);
      }
    },

    appendStepMetrics(runId: number, rows: StepMetricRow[]): void {
      if (rows.length === 0) return;
      db.transaction(() => {
        for (const row of rows) {
          statements.insertStep!.run(
            runId,
            row.step,
            finiteOrNull(row.loss),
            finiteOrNull(row.positiveDistance),
            finiteOrNull(row.negativeDistance),
            finiteOrNull(row.learningRate),
            row.nan ? 1 : 0,
          );
        }
      })();
    },

    /** Records a run's result, metrics, embedding and checkpoint in one transaction. */
    finishRun(runId: number, outcome: RunOutcome, params: Record<string, ParamValue>): void {
      db.transaction(() => {
        db.prepare(
          `UPDATE runs SET status = ?, finished_at = ?, wall_seconds = ?, steps_done = ?, nan_steps = ?, first_nan_step = ?,
             nan_detail_json = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`,
        ).run(
          outcome.status,
          now(),
          outcome.wallSeconds,
          outcome.stepsDone,
          outcome.nanSteps,
          outcome.firstNanStep,
          outcome.nanDetail === undefined || outcome.nanDetail === null ? null : JSON.stringify(outcome.nanDetail),
          outcome.error ?? null,
          runId,
        );
        const insertParam = db.prepare(`INSERT OR REPLACE INTO run_params (run_id, key, value_json) VALUES (?, ?, ?)`);
        for (const [key, value] of Object.entries(params)) insertParam.run(runId, key, JSON.stringify(value));
        const insertMetric = db.prepare(`INSERT OR REPLACE INTO final_metrics (run_id, name, value) VALUES (?, ?, ?)`);
        for (const [name, value] of Object.entries(outcome.metrics)) insertMetric.run(runId, name, finiteOrNull(value));
        if (outcome.embedding) {
          const { dim, points, labels, domains, classShapes } = outcome.embedding;
          db.prepare(
            `INSERT OR REPLACE INTO embeddings (run_id, dim, count, points, labels, domains, class_shapes_json) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            runId,
            dim,
            labels.length,
            Buffer.from(points.buffer, points.byteOffset, points.byteLength),
            Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength),
            domains ? Buffer.from(domains.buffer, domains.byteOffset, domains.byteLength) : null,
            classShapes === undefined ? null : JSON.stringify(classShapes),
          );
        }
        if (outcome.checkpoint) {
          const manifest = outcome.checkpoint.tensors.map(({ name, shape, values }) => ({ name, shape, length: values.length }));
          const total = manifest.reduce((sum, entry) => sum + entry.length, 0);
          const weights = new Float32Array(total);
          let offset = 0;
          for (const tensor of outcome.checkpoint.tensors) {
            weights.set(tensor.values, offset);
            offset += tensor.values.length;
          }
          db.prepare(`INSERT OR REPLACE INTO checkpoints (run_id, manifest_json, weights) VALUES (?, ?, ?)`).run(
            runId,
            JSON.stringify(manifest),
            Buffer.from(weights.buffer),
          );
        }
      })();
    },

    /**
     * Records a run trained elsewhere (a queue worker) in one transaction: where and on what it
     * ran, its step metrics, then its result as `finishRun` does. Only the lease holder may.
     */
    recordTrainedElsewhere(
      runId: number,
      run: { backend: string; provenance: unknown; startedAt: string; stepMetrics: StepMetricRow[]; outcome: RunOutcome },
      params: Record<string, ParamValue>,
    ): boolean {
      return db.transaction(() => {
        const updated = db
          .prepare(
            `UPDATE runs SET backend = ?, provenance_json = ?, started_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`,
          )
          .run(run.backend, JSON.stringify(run.provenance), run.startedAt, runId, owner);
        if (updated.changes === 0) return false;
        store.clearRunResults(runId);
        store.appendStepMetrics(runId, run.stepMetrics);
        store.finishRun(runId, run.outcome, params);
        return true;
      })();
    },

    /** Marks a run stopped by the user; its partial step metrics stay for inspection until it is redone. */
    markInterrupted(runId: number, stepsDone: number): void {
      db.prepare(
        `UPDATE runs SET status = 'interrupted', steps_done = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`,
      ).run(stepsDone, now(), runId);
    },

    listRuns(filter: { experiment?: string; status?: RunStatus } = {}): RunRecord[] {
      const where: string[] = [];
      const values: unknown[] = [];
      if (filter.experiment !== undefined) {
        where.push('experiments.name = ?');
        values.push(filter.experiment);
      }
      if (filter.status !== undefined) {
        where.push('runs.status = ?');
        values.push(filter.status);
      }
      const sql = `${runSelect}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY experiments.name, runs.run_index`;
      return (db.prepare(sql).all(...values) as RunRow[]).map(toRun);
    },

    /**
     * Every run's status and last logged step, for a live view's poller. The last step is one
     * primary-key lookup per run, so this stays cheap however long the curves are.
     */
    listRunProgress(): RunProgress[] {
      return (
        db
          .prepare(
            `SELECT runs.id, runs.experiment_id, experiments.name AS experiment_name, runs.status, runs.steps_done, runs.finished_at,
               (SELECT MAX(step) FROM step_metrics WHERE step_metrics.run_id = runs.id) AS last_step
             FROM runs JOIN experiments ON experiments.id = runs.experiment_id ORDER BY runs.id`,
          )
          .all() as RunProgressRow[]
      ).map((row) => ({
        id: row.id,
        experimentId: row.experiment_id,
        experimentName: row.experiment_name,
        status: row.status,
        stepsDone: row.steps_done,
        lastStep: row.last_step,
        finishedAt: row.finished_at,
      }));
    },

    /**
     * SQLite's `data_version`: changes whenever another connection commits to the database. A
     * reader polls this (no table is read) and re-reads only when it moved.
     */
    dataVersion(): number {
      return db.pragma('data_version', { simple: true }) as number;
    },

    getRun(runId: number): RunRecord | undefined {
      const row = db.prepare(`${runSelect} WHERE runs.id = ?`).get(runId) as RunRow | undefined;
      return row ? toRun(row) : undefined;
    },

    getStepMetrics(runId: number): StepMetricRow[] {
      return (db.prepare(`SELECT * FROM step_metrics WHERE run_id = ? ORDER BY step`).all(runId) as StepMetricsRow[]).map((row) => ({
        step: row.step,
        loss: row.loss,
        positiveDistance: row.positive_distance,
        negativeDistance: row.negative_distance,
        learningRate: row.learning_rate,
        nan: row.nan === 1,
      }));
    },

    getFinalMetrics(runId: number): Record<string, number | null> {
      const metrics: Record<string, number | null> = {};
      for (const row of db.prepare(`SELECT name, value FROM final_metrics WHERE run_id = ? ORDER BY name`).all(runId) as FinalMetricRow[]) {
        metrics[row.name] = row.value;
      }
      return metrics;
    },

    getEmbedding(runId: number): StoredEmbedding | undefined {
      const row = db.prepare(`SELECT * FROM embeddings WHERE run_id = ?`).get(runId) as EmbeddingRow | undefined;
      if (!row) return undefined;
      const copy = (buffer: Buffer) => buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
      return {
        dim: row.dim,
        count: row.count,
        points: new Float32Array(copy(row.points)),
        labels: new Uint8Array(copy(row.labels)),
        domains: row.domains ? new Uint8Array(copy(row.domains)) : null,
        classShapes: row.class_shapes_json ? (JSON.parse(row.class_shapes_json) as ClassShape[]) : null,
      };
    },

    getCheckpoint(runId: number): StoredCheckpoint | undefined {
      const row = db.prepare(`SELECT * FROM checkpoints WHERE run_id = ?`).get(runId) as CheckpointRow | undefined;
      if (!row) return undefined;
      const manifest = JSON.parse(row.manifest_json) as Array<{ name: string; shape: number[]; length: number }>;
      const all = new Float32Array(row.weights.buffer.slice(row.weights.byteOffset, row.weights.byteOffset + row.weights.byteLength));
      let offset = 0;
      return {
        tensors: manifest.map((entry) => {
          const values = all.slice(offset, offset + entry.length);
          offset += entry.length;
          return { name: entry.name, shape: entry.shape, values };
        }),
      };
    },

    deleteExperiment(name: string): number {
      return db.prepare(`DELETE FROM experiments WHERE name = ?`).run(name).changes;
    },

    deleteRun(runId: number): number {
      return db.prepare(`DELETE FROM runs WHERE id = ?`).run(runId).changes;
    },

    /** Runs `work` against one consistent snapshot of the database (a read transaction). */
    snapshot<T>(work: () => T): T {
      return db.transaction(work)();
    },

    integrityCheck(): string {
      return db.pragma('integrity_check', { simple: true }) as string;
    },

    close(): void {
      if (db.open) db.close();
    },
  };
  return withEnvironmentErrors(store, fullPath);
}
