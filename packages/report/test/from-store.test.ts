import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { collectReportInput, reportSweepKeys } from '../src/from-store.ts';

describe('reportSweepKeys', () => {
  it('keeps flat sweep keys and replaces a swept section by its varying leaves', () => {
    const runs = [
      { params: { 'optimizer.name': 'sgd', 'model.share_weights': true, seed: 1 } },
      {
        params: {
          'optimizer.name': 'sgd',
          'model.share_weights': false,
          'model.tower_b.kind': 'mlp',
          'model.tower_b.hidden': '[32]',
          seed: 1,
        },
      },
      {
        params: {
          'optimizer.name': 'adam',
          'model.share_weights': false,
          'model.tower_b.kind': 'cnn',
          'model.tower_b.hidden': '[32]',
          seed: 2,
        },
      },
    ];
    expect(reportSweepKeys(['optimizer.name', 'model.tower_b', 'seed'], runs)).toEqual(['optimizer.name', 'model.tower_b.kind', 'seed']);
  });
});

describe('reportSweepKeys for a section that is only present or absent', () => {
  it('uses the section kind', () => {
    const runs = [
      { params: { 'model.share_weights': true } },
      { params: { 'model.share_weights': false, 'model.tower_b.kind': 'mlp', 'model.tower_b.hidden': '[32]' } },
    ];
    expect(reportSweepKeys(['model.tower_b'], runs)).toEqual(['model.tower_b.kind']);
  });
});

describe('collectReportInput', () => {
  it("names the classes as a run's data recorded them (an image folder's class folders), else as the data set names them", () => {
    const store = openRunStore(join(mkdtempSync(join(tmpdir(), 'report-classes-')), 'runs.sqlite'));
    try {
      const spec = { base: { data: { dataset: 'image_folder' } } };
      const experiment = store.upsertExperiment({ name: 'own', description: '', filePath: null, spec, sweepKeys: [] });
      const run = store.planRun(experiment.id, { runIndex: 0, configHash: 'own-0', label: 'base', params: {} });
      expect(collectReportInput(store, 'own').classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      store.claimRun(run.id, { backend: 'cpu', provenance: { data: { sha256: 'x', classNames: ['cat', 'dog'] } }, leaseSeconds: 60 });
      expect(collectReportInput(store, 'own').classNames).toEqual(['cat', 'dog']);
    } finally {
      store.close();
    }
  });
});
