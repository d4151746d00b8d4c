import { resolve } from 'node:path';
import type { ParamValue } from '@siamese-lab/run-record';
import { createStoreContext, type StoreContext } from './context.ts';
import { withEnvironmentErrors } from './environment-errors.ts';
import * as lifecycle from './lifecycle.ts';
import { openDatabase } from './open-database.ts';
import * as reads from './reads.ts';
import * as search from './search-events.ts';
import type {
  ExperimentInput,
  ExperimentRecord,
  ExperimentSummary,
  PlannedRun,
  RunClaim,
  RunFilter,
  RunOutcome,
  RunProgress,
  RunRecord,
  RunTrainedElsewhere,
  SearchEvent,
  SearchEventInput,
  StepMetricRow,
  StepValue,
  StoredCheckpoint,
  StoredEmbedding,
} from './records.ts';
import * as writes from './writes.ts';

/**
 * The SQLite store for experiments, runs and their metrics. WAL mode lets `lab ls`, `lab report`
 * and `lab serve` read a consistent snapshot while a sweep writes; every change that must be
 * all-or-nothing (a finished run with its metrics, embedding and checkpoint) is one transaction.
 * Disk and file problems surface from every method as LabErrors naming the database.
 */
export interface RunStore {
  /** The database file's absolute path. */
  readonly path: string;

  /** Inserts the experiment or updates the one of that name; returns it as stored. */
  upsertExperiment(input: ExperimentInput): ExperimentRecord;
  getExperiment(name: string): ExperimentRecord | undefined;
  /** Every experiment, the most recently updated first, with its number of runs in each status. */
  listExperiments(): ExperimentSummary[];
  /** Deletes the experiment with its runs and their results; returns how many experiments went (0 or 1). */
  deleteExperiment(name: string): number;

  /** Adds a queued run for this configuration unless one exists; returns the stored run either way. */
  planRun(experimentId: number, input: PlannedRun): RunRecord;
  /**
   * Takes the lease on a run so that no other process trains it at the same time. A run is
   * free when it is not finished (unless `force`) and nobody alive holds an unexpired lease.
   * Returns false when it is not free.
   */
  claimRun(runId: number, claim: RunClaim): boolean;
  renewLease(runId: number, leaseSeconds: number, stepsDone: number): void;
  appendStepMetrics(runId: number, rows: StepMetricRow[]): void;
  /** Records a run's result, metrics, embedding and checkpoint in one transaction. */
  finishRun(runId: number, outcome: RunOutcome, params: Record<string, ParamValue>): void;
  /**
   * Records a run trained elsewhere (a queue worker) in one transaction: where and on what it
   * ran, its step metrics, then its result as `finishRun` does. Only the lease holder may.
   */
  recordTrainedElsewhere(runId: number, run: RunTrainedElsewhere, params: Record<string, ParamValue>): boolean;
  /** Marks a run stopped by the user; its partial step metrics stay for inspection until it is redone. */
  markInterrupted(runId: number, stepsDone: number): void;
  /** Deletes the run and its results; returns how many runs went (0 or 1). */
  deleteRun(runId: number): number;

  listRuns(filter?: RunFilter): RunRecord[];
  /** Every run's status and last logged step, cheap enough for a live view to poll. */
  listRunProgress(): RunProgress[];
  getRun(runId: number): RunRecord | undefined;
  getStepMetrics(runId: number): StepMetricRow[];
  getFinalMetrics(runId: number): Record<string, number | null>;
  getEmbedding(runId: number): StoredEmbedding | undefined;
  getCheckpoint(runId: number): StoredCheckpoint | undefined;

  /** Records named values at a step of a run (a search trial's rung history). */
  appendStepValues(runId: number, step: number, values: Record<string, number | null>): void;
  getStepValues(runId: number): StepValue[];
  /**
   * Appends a decision to the experiment's search log; one per trial, kind and rung (a repeat is
   * ignored and the first returned, so a trial redone after a crash keeps its recorded decisions).
   */
  recordSearchEvent(experimentId: number, event: SearchEventInput): SearchEvent;
  /** The experiment's search log, in the order it was written. */
  listSearchEvents(experimentId: number): SearchEvent[];

  /** A number that changes whenever another connection commits: poll it, re-read when it moved. */
  dataVersion(): number;
  /** Runs `work` against one consistent snapshot of the database (a read transaction). */
  snapshot<Result>(work: () => Result): Result;
  /** Runs `work` holding the write lock (BEGIN IMMEDIATE): reads and writes no other process interleaves with. */
  exclusive<Result>(work: () => Result): Result;
  integrityCheck(): string;
  close(): void;
}

export interface RunStoreOptions {
  /** Open an existing database for reading only (it is neither created nor upgraded). */
  readonly?: boolean;
}

/**
 * Opens the run store at `path`: unless `readonly`, the file and its folder are created and the
 * schema is brought up to date. The connection stays inside; callers see only `RunStore`.
 */
export function openRunStore(path: string, options: RunStoreOptions = {}): RunStore {
  const fullPath = resolve(path);
  const readonly = options.readonly ?? false;
  const context = createStoreContext(openDatabase(fullPath, readonly), readonly);
  /** A store method: the module function given this store's context, its disk and file errors turned into LabErrors. */
  const method =
    <Arguments extends unknown[], Result>(operation: (context: StoreContext, ...args: Arguments) => Result) =>
    (...args: Arguments): Result =>
      withEnvironmentErrors(fullPath, () => operation(context, ...args));
  return {
    path: fullPath,
    upsertExperiment: method((context, input: ExperimentInput) => {
      writes.upsertExperiment(context, input);
      const stored = reads.getExperiment(context, input.name);
      if (!stored) throw new Error(`experiment ${input.name} is missing right after its upsert`);
      return stored;
    }),
    getExperiment: method(reads.getExperiment),
    listExperiments: method(reads.listExperiments),
    deleteExperiment: method(writes.deleteExperiment),
    planRun: method(lifecycle.planRun),
    claimRun: method(lifecycle.claimRun),
    renewLease: method(lifecycle.renewLease),
    appendStepMetrics: method(writes.appendStepMetrics),
    finishRun: method(lifecycle.finishRun),
    recordTrainedElsewhere: method(lifecycle.recordTrainedElsewhere),
    markInterrupted: method(lifecycle.markInterrupted),
    deleteRun: method(writes.deleteRun),
    listRuns: method(reads.listRuns),
    listRunProgress: method(reads.listRunProgress),
    getRun: method(reads.getRun),
    getStepMetrics: method(reads.getStepMetrics),
    getFinalMetrics: method(reads.getFinalMetrics),
    getEmbedding: method(reads.getEmbedding),
    getCheckpoint: method(reads.getCheckpoint),
    appendStepValues: method(search.appendStepValues),
    getStepValues: method(search.getStepValues),
    recordSearchEvent: method(search.recordSearchEvent),
    listSearchEvents: method(search.listSearchEvents),
    dataVersion: method(reads.dataVersion),
    snapshot: (work) => withEnvironmentErrors(fullPath, () => context.transaction(work)),
    exclusive: (work) => withEnvironmentErrors(fullPath, () => context.transaction(work, 'immediate')),
    integrityCheck: method(reads.integrityCheck),
    close: method((context) => context.close()),
  };
}
