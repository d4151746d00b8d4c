import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openRunStore } from '../src/index.ts';
import { migrations } from '../src/schema.ts';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'lab-search-store-')), 'runs.sqlite');

describe('the store of a search', () => {
  it('upgrades a version-1 database in place: its runs, their results and cascades kept, pruned accepted', () => {
    const path = tempDb();
    const old = new Database(path);
    old.exec(migrations[0]);
    old.pragma('user_version = 1');
    old.exec(`INSERT INTO experiments (id, name, spec_json, created_at, updated_at) VALUES (1, 'old', '{}', 't', 't');
      INSERT INTO runs (id, experiment_id, run_index, config_hash, label, status, params_json, created_at)
        VALUES (7, 1, 0, 'h', 'base', 'completed', '{}', 't');
      INSERT INTO final_metrics (run_id, name, value) VALUES (7, 'nn_accuracy', 0.9);
      INSERT INTO step_metrics (run_id, step, loss) VALUES (7, 10, 0.5);`);
    expect(() => old.exec(`UPDATE runs SET status = 'pruned' WHERE id = 7`)).toThrow(/CHECK constraint/);
    old.close();

    const store = openRunStore(path);
    expect(store.getRun(7)).toMatchObject({ status: 'completed', experimentName: 'old' });
    expect(store.getFinalMetrics(7)).toEqual({ nn_accuracy: 0.9 });
    expect(store.getStepMetrics(7)).toHaveLength(1);
    store.finishRun(
      7,
      { status: 'pruned', wallSeconds: 1, stepsDone: 20, nanSteps: 0, firstNanStep: null, metrics: { rung_objective: 0.4 } },
      {},
    );
    expect(store.getRun(7)?.status).toBe('pruned');
    expect(store.integrityCheck()).toBe('ok');
    const file = new Database(path, { readonly: true });
    expect(file.pragma('foreign_key_check')).toEqual([]);
    expect(file.pragma('user_version', { simple: true })).toBe(migrations.length);
    // The children still reference runs (not the table it was renamed from during the rebuild).
    const references = file.prepare(`SELECT sql FROM sqlite_master WHERE sql LIKE '%runs_before_pruned%'`).all();
    expect(references).toEqual([]);
    file.close();
    // Deleting the experiment still cascades to the run and its results.
    expect(store.deleteExperiment('old')).toBe(1);
    expect(store.getRun(7)).toBeUndefined();
    store.close();
  });

  it('keeps a log of decisions, one per trial, kind and rung, and step values that a rerun clears', () => {
    const store = openRunStore(tempDb());
    const experiment = store.upsertExperiment({ name: 's', description: '', filePath: null, spec: {}, sweepKeys: [] });
    const first = store.recordSearchEvent(experiment.id, { trial: 0, kind: 'suggest', data: { params: { x: 1 } } });
    const rung = store.recordSearchEvent(experiment.id, { trial: 0, kind: 'rung', rung: 0, step: 10, value: NaN, decision: 'prune' });
    expect(rung).toMatchObject({ trial: 0, kind: 'rung', rung: 0, step: 10, value: null, decision: 'prune' });
    // A repeat keeps the first.
    const again = store.recordSearchEvent(experiment.id, { trial: 0, kind: 'suggest', data: { params: { x: 2 } } });
    expect(again).toEqual(first);
    expect(store.listSearchEvents(experiment.id).map((e) => [e.kind, e.trial, e.rung])).toEqual([
      ['suggest', 0, null],
      ['rung', 0, 0],
    ]);
    const run = store.planRun(experiment.id, { runIndex: 0, configHash: 'a', label: 'trial 0', params: {} });
    store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 });
    store.appendStepValues(run.id, 10, { rung_objective: 0.25, validation_map_at_r: 0.25 });
    expect(store.getStepValues(run.id)).toEqual([
      { step: 10, name: 'rung_objective', value: 0.25 },
      { step: 10, name: 'validation_map_at_r', value: 0.25 },
    ]);
    store.markInterrupted(run.id, 12);
    store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 });
    expect(store.getStepValues(run.id)).toEqual([]);
    store.close();
  });
});
