// Bring your own data: image folders and NumPy arrays trained like MNIST. A folder of PNGs made
// from MNIST digits must give, bit for bit, the run the IDX files of the same digits give.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import { writeNpy } from '@siamese-lab/data';
import { openRunStore } from '@siamese-lab/store';
import { evaluateRun, loadRunData, parseExperimentFile, runExperiment, trainRun } from '../src/index.ts';
import { inFolderOrder, mnistDigits, writeDigitFolder, writeIdxFolder, writePng } from '../../data/test/fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'lab-own-data-'));
const previousCache = process.env.SIAMESE_LAB_CACHE;
beforeAll(async () => {
  process.env.SIAMESE_LAB_CACHE = join(root, 'cache');
  const train = mnistDigits('train', 400);
  const test = mnistDigits('test', 120);
  await writeDigitFolder(join(root, 'digits', 'train'), train);
  await writeDigitFolder(join(root, 'digits', 'test'), test);
  writeIdxFolder(join(root, 'idx'), inFolderOrder(train), inFolderOrder(test));
  // The same digits in colour (the digit in red, its negative in green), for a 3-channel CNN.
  const colour = (pixels: Uint8Array) =>
    Uint8Array.from({ length: pixels.length * 3 }, (_, i) => (i % 3 === 0 ? pixels[i / 3] : i % 3 === 1 ? 255 - pixels[(i - 1) / 3] : 0));
  for (let i = 0; i < 200; i++) {
    const folder = join(root, 'colour', String(train.labels[i]));
    mkdirSync(folder, { recursive: true });
    await writePng(join(folder, `${i}.png`), colour(train.pixels.subarray(i * 784, (i + 1) * 784)), 28, 28, 3);
  }
});
afterAll(() => {
  if (previousCache === undefined) delete process.env.SIAMESE_LAB_CACHE;
  else process.env.SIAMESE_LAB_CACHE = previousCache;
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
function experiment(data: string, extra = ''): string {
  const path = join(root, `experiment-${++counter}.yaml`);
  writeFileSync(
    path,
    `name: own-${counter}
base:
  backend: cpu
  data: ${data}
  model: { tower_a: { hidden: [32] } }
  sampler: { batch_size: 32 }
  training: { steps: 30, log_every: 5 }
  evaluation: { test_limit: 120, verification_pairs: 100 }
${extra}`,
  );
  return path;
}

async function trainFile(path: string) {
  await selectBackend('cpu');
  const run = parseExperimentFile(path).runs[0];
  const data = loadRunData(run.spec.data, { relativeTo: run.dataFolder });
  const result = await trainRun(run.spec, data);
  try {
    const evaluation = evaluateRun(result.model, data.test, run.spec, data.right?.test);
    return {
      data,
      finalLoss: result.finalLoss,
      metrics: evaluation.metrics,
      points: Array.from(evaluation.embedding.points),
      weights: result.model.exportWeights(),
    };
  } finally {
    result.model.dispose();
  }
}

describe('own data', () => {
  it('trains on an image folder of PNGs made from MNIST digits to the metrics of their IDX files, bit for bit', async () => {
    const folder = await trainFile(experiment('{ dataset: image_folder, directory: digits, validation_size: 0 }'));
    const idx = await trainFile(experiment('{ dataset: idx, directory: idx, validation_size: 0 }'));
    expect(folder.data.train.count).toBe(400);
    expect(Buffer.from(folder.data.train.images.buffer).equals(Buffer.from(idx.data.train.images.buffer))).toBe(true);
    expect(folder.finalLoss).toBe(idx.finalLoss);
    expect(folder.metrics).toEqual(idx.metrics);
    expect(folder.points).toEqual(idx.points);
    for (const [k, tensor] of folder.weights.entries()) expect(Array.from(tensor.values)).toEqual(Array.from(idx.weights[k].values));
    expect(Number.isFinite(folder.metrics.nn_accuracy)).toBe(true);
  });

  it('trains a 3-channel CNN on RGB images, beside an MLP sister on their rotation (two sources)', async () => {
    const path = join(root, 'colour.yaml');
    writeFileSync(
      path,
      `name: own-colour
base:
  backend: cpu
  data: { dataset: image_folder, directory: colour, validation_size: 0, image: { channels: 3 }, split: { test_fraction: 0.25 }, right: { rotate90: true } }
  model:
    share_weights: false
    tower_a: { kind: cnn, channels: [4], kernel_size: 3, hidden: [16] }
    tower_b: { kind: mlp, hidden: [16] }
  sampler: { batch_size: 16 }
  training: { steps: 10, log_every: 5 }
  evaluation: { test_limit: 50, verification_pairs: 40 }
`,
    );
    const run = await trainFile(path);
    expect([run.data.train.rows, run.data.train.cols, run.data.train.channels]).toEqual([28, 28, 3]);
    expect(run.data.train.count + run.data.test.count).toBe(200);
    expect(run.weights.find((tensor) => tensor.name.includes('conv_0/kernel'))?.shape).toEqual([3, 3, 3, 4]);
    expect(Number.isFinite(run.finalLoss)).toBe(true);
  });

  it("trains on .npy arrays, and records the data fingerprint in every run's provenance", async () => {
    const arrays = join(root, 'arrays');
    mkdirSync(arrays);
    const digits = mnistDigits('train', 200);
    writeNpy(join(arrays, 'features.npy'), { dtype: 'uint8', shape: [200, 28, 28], data: digits.pixels });
    writeNpy(join(arrays, 'labels.npy'), { dtype: 'int64', shape: [200], data: BigInt64Array.from(digits.labels, BigInt) });
    const store = openRunStore(join(root, 'runs.sqlite'));
    try {
      const npy = parseExperimentFile(experiment('{ dataset: npy, directory: arrays, validation_size: 0, split: { test_fraction: 0.2 } }'));
      await runExperiment(npy, { store });
      const [npyRun] = store.listRuns({ experiment: npy.name });
      expect(npyRun.status).toBe('completed');
      expect((npyRun.provenance as { data: { files: number; sha256: string } }).data).toMatchObject({ files: 2 });

      const sweep = parseExperimentFile(
        experiment('{ dataset: image_folder, directory: digits, validation_size: 0 }', 'sweep: { seeds: 2 }\n'),
      );
      await runExperiment(sweep, { store });
      const runs = store.listRuns({ experiment: sweep.name });
      expect(runs.map((run) => run.status)).toEqual(['completed', 'completed']);
      const data = runs.map((run) => (run.provenance as { data: { sha256: string; pixels: string } }).data);
      expect(data[0].sha256).toBe(data[1].sha256);
      expect(data[0].pixels).toBe(data[1].pixels);
    } finally {
      store.close();
    }
  });

  it('parses experiments/own-data.yaml, the file users copy', () => {
    const spec = parseExperimentFile(join(import.meta.dirname, '../../../experiments/own-data.yaml'));
    expect(spec.base.data).toMatchObject({ dataset: 'image_folder', directory: 'my-images', image: { size: [32, 32], channels: 3 } });
    expect(spec.runs).toHaveLength(3);
  });

  it('puts the declared split in the config hash, and refuses validation images that hold out whole classes', () => {
    const a = parseExperimentFile(experiment('{ dataset: npy, directory: arrays, validation_size: 0, split: { test_fraction: 0.2 } }'));
    const b = parseExperimentFile(
      experiment('{ dataset: npy, directory: arrays, validation_size: 0, split: { test_fraction: 0.2, seed: 1 } }'),
    );
    expect(a.runs[0].configHash).not.toBe(b.runs[0].configHash);
    const run = parseExperimentFile(experiment('{ dataset: image_folder, directory: digits, validation_size: 60 }')).runs[0];
    let error: unknown;
    try {
      loadRunData(run.spec.data, { relativeTo: run.dataFolder });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).message).toMatch(/validation_size 60 holds out every training image of class `0`/);
  });
});
