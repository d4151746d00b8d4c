import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import {
  DEFAULT_FASHION_MNIST_DIRECTORY,
  FASHION_MNIST_CLASS_NAMES,
  encodeIdx,
  loadFashionMnist,
  loadIdxDataset,
  loadMnist,
  seedSplit,
  type Dataset,
} from '../src/index.ts';
import { thrown } from './helpers.ts';

const directory = mkdtempSync(join(tmpdir(), 'siamese-mnist-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function expectUnitRange(dataset: Dataset): void {
  let min = Infinity,
    max = -Infinity;
  const images = dataset.images;
  for (let i = 0; i < images.length; i++) {
    const value = images[i];
    if (value < min) min = value;
    if (value > max) max = value;
  }
  expect(min).toBe(0);
  expect(max).toBe(1);
}

/** Writes a small MNIST-format set (2x2 images) under the standard file names. */
function writeTinyMnistFormat(folder: string, gzip: boolean): void {
  const files: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': encodeIdx({ dataType: 'uint8', dims: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) }),
    'train-labels-idx1-ubyte': encodeIdx({ dataType: 'uint8', dims: [3], data: Uint8Array.from([9, 0, 4]) }),
    't10k-images-idx3-ubyte': encodeIdx({ dataType: 'uint8', dims: [1, 2, 2], data: Uint8Array.from([255, 0, 0, 51]) }),
    't10k-labels-idx1-ubyte': encodeIdx({ dataType: 'uint8', dims: [1], data: Uint8Array.from([2]) }),
  };
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSync(join(folder, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  }
}

describe('loadMnist', () => {
  it('loads 60,000 training and 10,000 test images scaled to [0, 1] with the known first labels', () => {
    const { train, test } = loadMnist();
    expect([train.count, train.rows, train.cols, train.classes]).toEqual([60000, 28, 28, 10]);
    expect([test.count, test.rows, test.cols]).toEqual([10000, 28, 28]);
    expect(train.images.length).toBe(60000 * 784);
    expect(train.labels.length).toBe(60000);
    expect(train.labels[0]).toBe(5);
    expect(test.labels[0]).toBe(7);
    expect(train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expectUnitRange(train);
    expectUnitRange(test);
    // Every class occurs: the labels are the real digit labels, not padding.
    expect(new Set(train.labels).size).toBe(10);
  });

  it('caches the parsed result per directory', () => {
    expect(loadMnist()).toBe(loadMnist());
  });

  it('verifies the checksums of a custom directory, finding .gz files too', () => {
    const folder = mkdtempSync(join(directory, 'tiny-'));
    writeTinyMnistFormat(folder, true);
    const error = thrown(() => loadMnist({ directory: folder })) as LabError;
    expect(error).toBeInstanceOf(LabError);
    expect(error.message).toContain('checksum mismatch');
    expect(error.location).toBe(join(folder, 'train-images-idx3-ubyte.gz'));
  });

  it('reports a missing directory and missing files as LabErrors', () => {
    const missing = thrown(() => loadMnist({ directory: join(directory, 'absent') })) as LabError;
    expect(missing).toBeInstanceOf(LabError);
    expect(missing.message).toContain('directory not found');
    const empty = mkdtempSync(join(directory, 'empty-'));
    const noFiles = thrown(() => loadMnist({ directory: empty })) as LabError;
    expect(noFiles).toBeInstanceOf(LabError);
    expect(noFiles.message).toContain('train-images-idx3-ubyte');
    expect(noFiles.location).toBe(empty);
  });
});

describe('seedSplit', () => {
  it('takes the first 5,000 training images as validation and keeps the other 55,000 for training', () => {
    const { train } = loadMnist();
    const split = seedSplit(train);
    expect(split.validation.count).toBe(5000);
    expect(split.train.count).toBe(55000);
    expect(Array.from(split.validation.labels.subarray(0, 50))).toEqual(Array.from(train.labels.subarray(0, 50)));
    expect(split.validation.labels[0]).toBe(5);
    expect(split.train.labels[0]).toBe(train.labels[5000]);
    expect(split.train.images.subarray(0, 784)).toEqual(train.images.subarray(5000 * 784, 5001 * 784));
    expect(split.validation.images.length).toBe(5000 * 784);
    expect(split.validation.name).toBe('mnist-validation');
  });

  it('asserts a validation size within the training set (the caller checked it: a plain Error)', () => {
    const { train } = loadMnist();
    const error = thrown(() => seedSplit(train, 60001));
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(LabError);
    expect((error as Error).message).toMatch(/between 0 and 60000/);
  });
});

describe('loadIdxDataset', () => {
  it('loads gzip files and scales bytes like TensorFlow (float32 multiply by 1/255)', () => {
    const folder = mkdtempSync(join(directory, 'tiny-'));
    writeTinyMnistFormat(folder, true);
    const train = loadIdxDataset({
      name: 'tiny',
      imagesPath: join(folder, 'train-images-idx3-ubyte.gz'),
      labelsPath: join(folder, 'train-labels-idx1-ubyte.gz'),
    });
    expect([train.count, train.rows, train.cols, train.classes]).toEqual([3, 2, 2, 10]);
    expect(Array.from(train.labels)).toEqual([9, 0, 4]);
    const test = loadIdxDataset({
      name: 'tiny',
      imagesPath: join(folder, 't10k-images-idx3-ubyte.gz'),
      labelsPath: join(folder, 't10k-labels-idx1-ubyte.gz'),
    });
    expect(Array.from(test.images)).toEqual([1, 0, 0, Math.fround(51 * Math.fround(1 / 255))]);
  });

  it('checks that images and labels agree in count and that labels fit the classes', () => {
    const folder = mkdtempSync(join(directory, 'idx-'));
    const imagesPath = join(folder, 'images');
    const labelsPath = join(folder, 'labels');
    writeFileSync(imagesPath, encodeIdx({ dataType: 'uint8', dims: [2, 1, 1], data: Uint8Array.from([0, 255]) }));
    writeFileSync(labelsPath, encodeIdx({ dataType: 'uint8', dims: [3], data: Uint8Array.from([0, 1, 1]) }));
    const countMismatch = thrown(() => loadIdxDataset({ name: 'x', imagesPath, labelsPath })) as LabError;
    expect(countMismatch).toBeInstanceOf(LabError);
    expect(countMismatch.message).toContain('3 labels');
    writeFileSync(labelsPath, encodeIdx({ dataType: 'uint8', dims: [2], data: Uint8Array.from([0, 3]) }));
    const outOfRange = thrown(() => loadIdxDataset({ name: 'x', imagesPath, labelsPath, classNames: ['a', 'b'] })) as LabError;
    expect(outOfRange).toBeInstanceOf(LabError);
    expect(outOfRange.message).toContain('label 3 at index 1');
    const dataset = loadIdxDataset({ name: 'x', imagesPath, labelsPath });
    expect(dataset.classes).toBe(4);
    expect(Array.from(dataset.images)).toEqual([0, 1]);
  });
});

describe('loadFashionMnist', () => {
  const hasDebianFiles = existsSync(DEFAULT_FASHION_MNIST_DIRECTORY);
  if (!hasDebianFiles) {
    console.warn(
      `skipping the Fashion-MNIST load test: ${DEFAULT_FASHION_MNIST_DIRECTORY} is absent (apt-get install dataset-fashion-mnist)`,
    );
  }
  it.skipIf(!hasDebianFiles)(`loads and verifies Debian's files from ${DEFAULT_FASHION_MNIST_DIRECTORY}`, () => {
    const { train, test } = loadFashionMnist();
    expect([train.count, train.rows, train.cols, test.count]).toEqual([60000, 28, 28, 10000]);
    expect(train.classNames).toEqual([...FASHION_MNIST_CLASS_NAMES]);
    expect(train.classNames[0]).toBe('T-shirt/top');
    // Zalando's documented first labels: an ankle boot in train, an ankle boot in test.
    expect(train.labels[0]).toBe(9);
    expect(test.labels[0]).toBe(9);
    expectUnitRange(test);
  });

  it('explains how to get the files when the directory is missing', () => {
    const error = thrown(() => loadFashionMnist({ directory: join(directory, 'no-fashion') })) as LabError;
    expect(error).toBeInstanceOf(LabError);
    expect(error.location).toBe(join(directory, 'no-fashion'));
    expect(error.hint).toContain('apt-get install dataset-fashion-mnist');
  });

  it('rejects files whose checksum does not match, naming the file', () => {
    const folder = mkdtempSync(join(directory, 'fake-fashion-'));
    writeTinyMnistFormat(folder, false);
    const error = thrown(() => loadFashionMnist({ directory: folder })) as LabError;
    expect(error).toBeInstanceOf(LabError);
    expect(error.message).toContain('checksum mismatch');
    expect(error.location).toBe(join(folder, 'train-images-idx3-ubyte'));
  });
});
