import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { dataSettingsSchema, loadDataSource, writeNpy, writeNpz, type NpyArray } from '../src/index.ts';
import { thrown } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'siamese-npy-source-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, arrays: Record<string, NpyArray>): string {
  const directory = join(root, name);
  mkdirSync(directory, { recursive: true });
  for (const [file, array] of Object.entries(arrays)) writeNpy(join(directory, file), array);
  return directory;
}

const features = (count: number, shape: number[], dtype: 'float32' | 'float64' = 'float32'): NpyArray => {
  const size = count * shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, (_, i) => (i % 17) / 16);
  return { dtype, shape: [count, ...shape], data: dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values) };
};

const settings = (directory: string, extra: Record<string, unknown> = {}) =>
  dataSettingsSchema.parse({ dataset: 'npy', directory, validation_size: 0, split: { test_fraction: 0.25 }, ...extra });

const message = (fn: () => unknown) => {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(LabError);
  return (error as LabError).describe();
};

describe('npy data sources', () => {
  it('reads features.npy and labels.npy: string labels become classes sorted by name', () => {
    const labels = ['dog', 'cat', 'bird', 'dog', 'cat', 'bird', 'dog', 'cat'];
    const directory = folder('strings', {
      'features.npy': features(8, [2, 3, 1], 'float64'),
      'labels.npy': { dtype: 'unicode', shape: [8], data: labels },
    });
    const data = loadDataSource(settings(directory, { split: { test_fraction: 0.34 } }));
    expect(data.train.classNames).toEqual(['bird', 'cat', 'dog']);
    expect([data.train.rows, data.train.cols, data.train.channels]).toEqual([2, 3, 1]);
    expect(data.train.count + data.test.count).toBe(8);
    expect(data.test.count).toBe(3);
    expect(data.fingerprint).toMatchObject({ files: 2 });
  });

  it('reads one .npz with its own test set; integer labels keep their numbers as class names', () => {
    const directory = join(root, 'archive');
    mkdirSync(directory);
    writeNpz(
      join(directory, 'data.npz'),
      {
        x_train: features(6, [4]),
        y_train: { dtype: 'int64', shape: [6], data: BigInt64Array.from([3n, 7n, 3n, 7n, 3n, 7n]) },
        x_test: features(2, [4]),
        y_test: { dtype: 'int32', shape: [2, 1], data: Int32Array.from([7, 3]) },
      },
      { compressed: true },
    );
    const data = loadDataSource(
      dataSettingsSchema.parse({
        dataset: 'npy',
        directory,
        validation_size: 0,
        arrays: { file: 'data.npz', features: 'x_train', labels: 'y_train', test_features: 'x_test', test_labels: 'y_test' },
      }),
    );
    expect(data.train.classNames).toEqual(['3', '7']);
    expect(Array.from(data.test.labels)).toEqual([1, 0]);
    expect([data.train.rows, data.train.cols, data.train.channels]).toEqual([1, 4, 1]);
  });

  it('scales uint8 features as IDX pixels are scaled', () => {
    const directory = folder('bytes', {
      'features.npy': { dtype: 'uint8', shape: [4, 2, 2, 3], data: Uint8Array.from({ length: 48 }, (_, i) => i * 5) },
      'labels.npy': { dtype: 'uint8', shape: [4], data: Uint8Array.from([0, 1, 0, 1]) },
    });
    const data = loadDataSource(settings(directory, { split: { test_fraction: 0.5 } }));
    expect(data.train.channels).toBe(3);
    // Each value is byte * float32(1 / 255) in float32, the IDX loader's scaling.
    for (const value of data.train.images) expect(value).toBe(Math.fround(Math.round(value * 255) * Math.fround(1 / 255)));
    // A stored model repeats it: its inputs are pixels 0-255; float features are taken as they are.
    expect(data.inputs).toEqual({ kind: 'bytes', normalize: 'unit' });
    const floats = folder('float-inputs', {
      'features.npy': features(4, [3]),
      'labels.npy': { dtype: 'uint8', shape: [4], data: Uint8Array.from([0, 1, 0, 1]) },
    });
    expect(loadDataSource(settings(floats, { split: { test_fraction: 0.5 } })).inputs).toEqual({ kind: 'values' });
  });

  it('refuses a test set of bytes beside training features of floats (they would be on two scales)', () => {
    const directory = folder('mixed-scales', {
      'features.npy': features(4, [3]),
      'labels.npy': { dtype: 'uint8', shape: [4], data: Uint8Array.from([0, 1, 0, 1]) },
      'test_features.npy': { dtype: 'uint8', shape: [2, 3], data: new Uint8Array(6) },
      'test_labels.npy': { dtype: 'uint8', shape: [2], data: Uint8Array.from([0, 1]) },
    });
    const text = message(() =>
      loadDataSource(
        settings(directory, { split: undefined, arrays: { test_features: 'test_features.npy', test_labels: 'test_labels.npy' } }),
      ),
    );
    expect(text).toMatch(/test_features\.npy: the test features are uint8 but the training features float32/);
  });

  it('names the file and what is wrong', () => {
    const intFeatures = folder('int-features', {
      'features.npy': { dtype: 'int32', shape: [2, 2], data: new Int32Array(4) },
      'labels.npy': { dtype: 'int32', shape: [2], data: Int32Array.from([0, 1]) },
    });
    expect(message(() => loadDataSource(settings(intFeatures)))).toMatch(
      /int-features\/features\.npy: features of dtype int32 cannot be used/,
    );
    const flat = folder('flat', {
      'features.npy': { dtype: 'float32', shape: [4], data: new Float32Array(4) },
      'labels.npy': { dtype: 'int32', shape: [4], data: Int32Array.from([0, 1, 0, 1]) },
    });
    expect(message(() => loadDataSource(settings(flat)))).toMatch(/flat\/features\.npy: features of shape \(4\) cannot be used/);
    const mismatch = folder('mismatch', {
      'features.npy': features(5, [3]),
      'labels.npy': { dtype: 'int32', shape: [4], data: Int32Array.from([0, 1, 0, 1]) },
    });
    expect(message(() => loadDataSource(settings(mismatch)))).toMatch(/mismatch\/labels\.npy: 4 labels for 5 feature rows/);
    const floatLabels = folder('float-labels', {
      'features.npy': features(2, [3]),
      'labels.npy': { dtype: 'float64', shape: [2], data: Float64Array.from([0, 1]) },
    });
    expect(message(() => loadDataSource(settings(floatLabels)))).toMatch(
      /float-labels\/labels\.npy: labels of dtype float64 cannot be used/,
    );
    const nan = folder('nan', {
      'features.npy': { dtype: 'float32', shape: [2, 2], data: Float32Array.from([0, 1, NaN, 2]) },
      'labels.npy': { dtype: 'int32', shape: [2], data: Int32Array.from([0, 1]) },
    });
    expect(message(() => loadDataSource(settings(nan)))).toMatch(/nan\/features\.npy: item 1 of the features holds NaN/);
    expect(message(() => loadDataSource(settings(join(root, 'strings'), { arrays: { labels: 'missing.npy' } })))).toMatch(
      /strings\/missing\.npy: the \.npy file not found/,
    );
    const lonely = folder('lonely', {
      'features.npy': features(9, [2]),
      'labels.npy': { dtype: 'int32', shape: [9], data: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2]) },
    });
    const split = thrown(() => loadDataSource(settings(lonely))) as LabError;
    expect(split.describe()).toMatch(/the split leaves class `2` \(1 item\(s\)\) without test items: test_fraction 0.25 gives it none/);
    expect(split.field).toBe('data.split.test_fraction');
  });
});
