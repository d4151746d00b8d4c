import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { openRunStore } from '@siamese-lab/store';
import { loadRunData, parseExperimentFile, runExperiment } from '../src/index.ts';
import { tinyExperiment } from './helpers.ts';

const folder = mkdtempSync(join(tmpdir(), 'lab-two-'));
let counter = 0;
function file(text: string): string {
  const path = join(folder, `experiment-${++counter}.yaml`);
  writeFileSync(path, text);
  return path;
}

function errorOf(action: () => unknown): LabError {
  try {
    action();
  } catch (error) {
    if (error instanceof LabError) return error;
    throw error;
  }
  throw new Error('expected a LabError');
}

describe('two-source experiment files', () => {
  it('fills tower defaults per kind and reads data.right', () => {
    const spec = parseExperimentFile(
      file(
        'name: two\nbase:\n  data: { right: { invert: true, downsample: 2 } }\n  model: { share_weights: false, tower_b: { kind: cnn } }\n',
      ),
    ).base;
    expect(spec.data.right).toEqual({ rotate90: false, invert: true, downsample: 2 });
    expect(spec.model.tower_a).toEqual({ kind: 'mlp', hidden: [1024, 1024], activation: 'relu', init_stddev: 0.01, bias_init: 0.01 });
    expect(spec.model.tower_b).toEqual({
      kind: 'cnn',
      channels: [8, 16],
      kernel_size: 5,
      hidden: [64],
      activation: 'relu',
      bias_init: 0.01,
    });
  });

  it('keeps one-source configurations, and their hashes, as before', () => {
    const spec = parseExperimentFile(file('name: seed\n'));
    expect(spec.base.data.right).toBeUndefined();
    expect(spec.base.model.tower_b).toBeUndefined();
    // The seed configuration's identity from before towers had kinds other than mlp.
    expect(spec.runs[0].configHash).toBe(
      parseExperimentFile(file('name: seed2\nbase:\n  model: { tower_a: { kind: mlp } }\n')).runs[0].configHash,
    );
  });

  it('rejects mismatched embedding sizes, a tower_b on shared weights and cnn keys on an mlp, naming the field', () => {
    const mismatch = errorOf(() =>
      parseExperimentFile(
        file('name: bad\nbase:\n  model:\n    share_weights: false\n    embedding_dim: 2\n    tower_b: { kind: cnn, embedding_dim: 3 }\n'),
      ),
    );
    expect(mismatch.field).toBe('base.model.tower_b.embedding_dim');
    expect(mismatch.message).toMatch(/3-dimensional.*embedding_dim is 2/);
    expect(mismatch.location).toMatch(/:6:/);
    const shared = errorOf(() => parseExperimentFile(file('name: bad\nbase:\n  model: { share_weights: true, tower_b: { kind: cnn } }\n')));
    expect(shared.field).toBe('base.model.tower_b');
    const cnnKey = errorOf(() => parseExperimentFile(file('name: bad\nbase:\n  model: { tower_a: { kind: mlp, channels: [4] } }\n')));
    expect(cnnKey.field).toBe('base.model.tower_a.channels');
    const downsample = errorOf(() => parseExperimentFile(file('name: bad\nbase:\n  data: { right: { downsample: 3 } }\n')));
    expect(downsample.field).toBe('base.data.right.downsample');
  });

  it('accepts sweeps over tower kinds and switching between shared and distinct arms', () => {
    const spec = parseExperimentFile(
      file(`name: arms
base:
  data: { right: { rotate90: true } }
sweep:
  zip:
    model.share_weights: [true, false]
    model.tower_b: [null, { kind: cnn }]
`),
    );
    expect(spec.runs.map((run) => [run.spec.model.share_weights, run.spec.model.tower_b?.kind ?? null])).toEqual([
      [true, null],
      [false, 'cnn'],
    ]);
  });
});

describe('two-source runs end to end', () => {
  it('renders domain B from the same images, train and test, with the same labels', () => {
    const spec = parseExperimentFile(
      file('name: data\nbase:\n  data: { train_limit: 100, right: { rotate90: true, invert: true, downsample: 2 } }\n'),
    ).base;
    const data = loadRunData(spec.data);
    expect(data.right!.train).toMatchObject({ count: 100, rows: 14, cols: 14 });
    expect(data.right!.test).toMatchObject({ count: data.test.count, rows: 14, cols: 14 });
    expect(Array.from(data.right!.train.labels)).toEqual(Array.from(data.train.labels));
  });

  it('trains an MLP and a CNN sister on two sources and records cross-domain metrics and a 0/1 domains array', async () => {
    const { file: path, db } = tinyExperiment(`name: tiny-two
base:
  backend: cpu
  data: { train_limit: 500, right: { rotate90: true, invert: true, downsample: 2 } }
  model:
    share_weights: false
    tower_a: { hidden: [32], init_stddev: 0.05 }
    tower_b: { kind: cnn, channels: [4], hidden: [16] }
  sampler: { kind: balanced, batch_size: 32 }
  optimizer: { name: adam, learning_rate: 0.003 }
  training: { steps: 25, log_every: 5 }
  evaluation: { test_limit: 200, verification_pairs: 100 }
`);
    const store = openRunStore(db);
    const outcome = await runExperiment(parseExperimentFile(path), { store });
    expect(outcome).toMatchObject({ completed: 1, failed: 0 });
    const [run] = store.listRuns({ experiment: 'tiny-two' });
    const metrics = store.getFinalMetrics(run.id);
    for (const name of ['cross_recall_at_1', 'cross_map_at_r', 'cross_roc_auc', 'nn_accuracy', 'nn_accuracy_b', 'map_at_r_b']) {
      expect(metrics[name], name).toBeGreaterThanOrEqual(0);
      expect(metrics[name], name).toBeLessThanOrEqual(1);
    }
    const embedding = store.getEmbedding(run.id)!;
    expect(embedding.count).toBe(400);
    expect(Array.from(embedding.domains!)).toEqual([...new Array<number>(200).fill(0), ...new Array<number>(200).fill(1)]);
    // Domain B is the same test images rendered differently: the labels repeat.
    expect(Array.from(embedding.labels.subarray(200))).toEqual(Array.from(embedding.labels.subarray(0, 200)));
    const tensorNames = store.getCheckpoint(run.id)!.tensors.map((tensor) => tensor.name);
    expect(tensorNames).toContain('tower_a/dense_0/weights');
    expect(tensorNames).toContain('tower_b/conv_0/kernel');
    store.close();
  });

  it('stops a shared-weights run whose two sources differ in size with the model error', async () => {
    const { file: path, db } = tinyExperiment(`name: tiny-shared-mismatch
base:
  backend: cpu
  data: { train_limit: 100, right: { downsample: 2 } }
  model: { share_weights: true, tower_a: { hidden: [8] } }
  sampler: { batch_size: 16 }
  training: { steps: 2 }
  evaluation: { test_limit: 50, verification_pairs: 20 }
`);
    const store = openRunStore(db);
    const error = await runExperiment(parseExperimentFile(path), { store }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    // Found before training (preflight), at the line of the file that sets share_weights.
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).field).toBe('base.model.share_weights');
    expect((error as LabError).location).toBe(`${path}:5:27`);
    expect((error as LabError).message).toMatch(/784 and 196/);
    store.close();
  });
});
