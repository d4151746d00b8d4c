import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import Database from 'better-sqlite3';
import { openRunStore, QUEUE_PLACEHOLDER_BACKEND } from '../src/index.ts';
import { migrations } from '../src/schema.ts';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'lab-store-')), 'runs.sqlite');

function plannedStore() {
  const store = openRunStore(tempDb());
  const experiment = store.upsertExperiment({
    name: 'demo',
    description: 'd',
    filePath: null,
    spec: { a: 1 },
    sweepKeys: ['optimizer.name'],
  });
  const run = store.planRun(experiment.id, {
    runIndex: 0,
    configHash: 'abc',
    label: 'optimizer.name=sgd',
    params: { 'optimizer.name': 'sgd' },
  });
  return { store, experiment, run };
}

describe('openRunStore', () => {
  it('creates a WAL database at the current schema version', () => {
    const store = openRunStore(tempDb());
    // The store keeps its connection to itself: look at the file through a second one.
    const file = new Database(store.path, { readonly: true });
    expect(file.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(file.pragma('user_version', { simple: true })).toBe(migrations.length);
    file.close();
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  });

  it('reads an empty file, or a database whose creator has not committed yet, as holding nothing', () => {
    const empty = tempDb();
    writeFileSync(empty, '');
    const reader = openRunStore(empty, { readonly: true });
    expect(reader.listExperiments()).toEqual([]);
    expect(reader.listRuns()).toEqual([]);
    reader.close();

    // Another process is creating the database: WAL on, its migration begun but not committed.
    const path = tempDb();
    const creator = new Database(path);
    creator.pragma('journal_mode = WAL');
    creator.exec('BEGIN IMMEDIATE');
    creator.exec(migrations[0]);
    try {
      const early = openRunStore(path, { readonly: true });
      expect(early.listExperiments()).toEqual([]);
      early.close();
    } finally {
      creator.exec('ROLLBACK');
      creator.close();
    }
  });

  it('refuses a file that is not SQLite with a LabError', () => {
    const path = tempDb();
    writeFileSync(path, 'this is not a database, just some text\n');
    expect(() => openRunStore(path)).toThrow(LabError);
    expect(() => openRunStore(path)).toThrow(/not an SQLite database/);
  });

  it('refuses to read a database that does not exist', () => {
    expect(() => openRunStore(tempDb(), { readonly: true })).toThrow(/no run database/);
  });
});

describe('runs', () => {
  it('plans a run once per configuration hash', () => {
    const { store, experiment, run } = plannedStore();
    const again = store.planRun(experiment.id, { runIndex: 0, configHash: 'abc', label: 'x', params: {} });
    expect(again.id).toBe(run.id);
    expect(store.listRuns({ experiment: 'demo' })).toHaveLength(1);
    expect(run.status).toBe('queued');
  });

  it('records a finished run with metrics, embedding and checkpoint, and reads them back', () => {
    const { store, run } = plannedStore();
    expect(store.claimRun(run.id, { backend: 'cpu', provenance: { node: process.version }, leaseSeconds: 60 })).toBe(true);
    store.appendStepMetrics(run.id, [
      { step: 1, loss: 2.5, positiveDistance: 1, negativeDistance: 2, learningRate: 0.01, nan: false },
      { step: 2, loss: Number.NaN, positiveDistance: null, negativeDistance: null, learningRate: 0.01, nan: true },
    ]);
    store.finishRun(
      run.id,
      {
        status: 'nan',
        wallSeconds: 1.5,
        stepsDone: 2,
        nanSteps: 1,
        firstNanStep: 2,
        nanDetail: { reason: 'd = 0' },
        metrics: { nn_accuracy: 0.5, silhouette: Number.NaN },
        embedding: { dim: 2, points: new Float32Array([1, 2, 3, 4]), labels: new Uint8Array([7, 8]), domains: null, classShapes: [] },
        checkpoint: {
          tensors: [
            { name: 'w', shape: [2], values: new Float32Array([0.5, -0.5]) },
            { name: 'b', shape: [1], values: new Float32Array([3]) },
          ],
        },
      },
      { 'optimizer.name': 'sgd' },
    );
    const stored = store.getRun(run.id)!;
    expect(stored.status).toBe('nan');
    expect(stored.firstNanStep).toBe(2);
    expect(stored.nanDetail).toEqual({ reason: 'd = 0' });
    expect(store.getStepMetrics(run.id).map((row) => [row.step, row.loss, row.nan])).toEqual([
      [1, 2.5, false],
      [2, null, true],
    ]);
    expect(store.getFinalMetrics(run.id)).toEqual({ nn_accuracy: 0.5, silhouette: null });
    const embedding = store.getEmbedding(run.id)!;
    expect(Array.from(embedding.points)).toEqual([1, 2, 3, 4]);
    expect(Array.from(embedding.labels)).toEqual([7, 8]);
    const checkpoint = store.getCheckpoint(run.id)!;
    expect(checkpoint.tensors.map((t) => [t.name, Array.from(t.values)])).toEqual([
      ['w', [0.5, -0.5]],
      ['b', [3]],
    ]);
  });

  it("gives a run's parameters as it ran: the backend it was computed on replaces the planned one", () => {
    const store = openRunStore(tempDb());
    const experiment = store.upsertExperiment({ name: 'demo', description: '', filePath: null, spec: {}, sweepKeys: [] });
    const params = { seed: 1, backend: 'cpu', 'optimizer.name': 'sgd' };
    const plan = (configHash: string) => store.planRun(experiment.id, { runIndex: 0, configHash, label: configHash, params });
    // Not taken up yet: the plan is all there is.
    const run = plan('overridden');
    expect(run.params).toEqual(params);
    // Claimed on another backend (lab run --backend wasm): reads say wasm, in the same key order.
    store.claimRun(run.id, { backend: 'wasm', provenance: {}, leaseSeconds: 60 });
    expect(store.getRun(run.id)!.params).toEqual({ seed: 1, backend: 'wasm', 'optimizer.name': 'sgd' });
    expect(Object.keys(store.getRun(run.id)!.params)).toEqual(Object.keys(params));
    store.finishRun(run.id, { status: 'completed', wallSeconds: 1, stepsDone: 1, nanSteps: 0, firstNanStep: null, metrics: {} }, params);
    expect(store.listRuns({ experiment: 'demo' })[0].params.backend).toBe('wasm');
    const file = new Database(store.path, { readonly: true });
    expect(file.prepare(`SELECT value_json FROM run_params WHERE run_id = ? AND key = 'backend'`).get(run.id)).toEqual({
      value_json: '"wasm"',
    });
    file.close();
    // Waiting on the queue for a worker: no backend has computed anything yet.
    const waiting = plan('waiting');
    store.claimRun(waiting.id, { backend: QUEUE_PLACEHOLDER_BACKEND, provenance: {}, leaseSeconds: 60 });
    expect(store.getRun(waiting.id)!.params.backend).toBe('cpu');
    store.close();
  });

  it('does not let a second process claim a run that a live process holds, but takes over from a dead one', () => {
    const { store, run } = plannedStore();
    // Another process's lease, written through a second connection (the store keeps its own to itself).
    const other = new Database(store.path);
    // A live foreign owner: this test's parent process.
    other
      .prepare(`UPDATE runs SET status = 'running', lease_owner = ?, lease_expires_at = ? WHERE id = ?`)
      .run(`${hostname()}:${process.ppid}:x`, Date.now() + 60_000, run.id);
    expect(store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 })).toBe(false);
    // A dead owner: a process that has exited.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    other.prepare(`UPDATE runs SET lease_owner = ? WHERE id = ?`).run(`${hostname()}:${deadPid}:x`, run.id);
    other.close();
    expect(store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 })).toBe(true);
  });

  it('does not claim a finished run unless forced, and clears old results when it does', () => {
    const { store, run } = plannedStore();
    store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 });
    store.finishRun(run.id, { status: 'completed', wallSeconds: 1, stepsDone: 1, nanSteps: 0, firstNanStep: null, metrics: { a: 1 } }, {});
    expect(store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 })).toBe(false);
    expect(store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60, force: true })).toBe(true);
    expect(store.getFinalMetrics(run.id)).toEqual({});
  });

  it('lists experiments with run counts and deletes them with their runs', () => {
    const { store } = plannedStore();
    expect(store.listExperiments()[0].runCounts).toEqual({ queued: 1 });
    expect(store.deleteExperiment('demo')).toBe(1);
    expect(store.listRuns()).toHaveLength(0);
  });
});

describe('runs trained elsewhere (queue workers)', () => {
  const elsewhere = {
    backend: 'blas',
    provenance: { hostname: 'worker-1' },
    startedAt: '2026-01-01T00:00:00.000Z',
    stepMetrics: [{ step: 1, loss: 1, positiveDistance: 0.5, negativeDistance: 2, learningRate: 0.1, nan: false }],
    outcome: { status: 'completed' as const, wallSeconds: 2, stepsDone: 1, nanSteps: 0, firstNanStep: null, metrics: { nn_accuracy: 0.5 } },
  };

  it('are recorded by the lease holder in one go: where they ran, their steps and their result', () => {
    const { store, run } = plannedStore();
    expect(store.recordTrainedElsewhere(run.id, elsewhere, { 'optimizer.name': 'sgd' })).toBe(false); // not claimed: nothing written
    expect(store.getRun(run.id)!.status).toBe('queued');
    expect(store.claimRun(run.id, { backend: 'queue', provenance: { hostname: 'coordinator' }, leaseSeconds: 60 })).toBe(true);
    expect(store.recordTrainedElsewhere(run.id, elsewhere, { 'optimizer.name': 'sgd' })).toBe(true);
    const recorded = store.getRun(run.id)!;
    expect(recorded).toMatchObject({
      status: 'completed',
      backend: 'blas',
      provenance: { hostname: 'worker-1' },
      startedAt: elsewhere.startedAt,
      stepsDone: 1,
    });
    expect(store.getStepMetrics(run.id)).toEqual(elsewhere.stepMetrics);
    expect(store.getFinalMetrics(run.id)).toEqual({ nn_accuracy: 0.5 });
    // Finished, it is no longer held: a second delivery of the same result is refused.
    expect(store.recordTrainedElsewhere(run.id, elsewhere, { 'optimizer.name': 'sgd' })).toBe(false);
    store.close();
  });
});

describe('reads for a live view', () => {
  it("lists every run with its last logged step, and data_version moves only on another connection's commit", () => {
    const { store, run } = plannedStore();
    const reader = openRunStore(store.path, { readonly: true });
    try {
      expect(reader.listRunProgress()).toEqual([
        {
          id: run.id,
          experimentId: run.experimentId,
          experimentName: 'demo',
          status: 'queued',
          stepsDone: 0,
          lastStep: null,
          finishedAt: null,
        },
      ]);
      const before = reader.dataVersion();
      expect(reader.dataVersion()).toBe(before);
      store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 });
      store.appendStepMetrics(
        run.id,
        [10, 20, 30].map((step) => ({ step, loss: 1, positiveDistance: 1, negativeDistance: 2, learningRate: 0.1, nan: false })),
      );
      const after = reader.dataVersion();
      expect(after).not.toBe(before);
      expect(reader.listRunProgress()[0]).toMatchObject({ status: 'running', lastStep: 30 });
      expect(reader.dataVersion()).toBe(after);
    } finally {
      reader.close();
      store.close();
    }
  });
});
