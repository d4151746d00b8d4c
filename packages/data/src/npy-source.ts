import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '@siamese-lab/core';
import { bytesToUnitFloats, type Dataset } from './dataset.ts';
import { digestFile, fingerprintOf, type FileDigest } from './fingerprint.ts';
import type { LoadedSource } from './image-folder.ts';
import { npyNumbers, parseNpy, parseNpz, type NpyArray } from './npy.ts';

export interface NpySourceOptions {
  /** The folder of the files. */
  directory: string;
  /** An .npz in `directory` holding the arrays by name; without it each array is an .npy file in `directory`. */
  file?: string;
  features?: string;
  labels?: string;
  test_features?: string;
  test_labels?: string;
}

interface NamedArray {
  array: NpyArray;
  /** How errors name it: the file, or `file.npz:name`. */
  source: string;
}

function readFile(path: string, what: string, digests: FileDigest[], name: string): Uint8Array {
  if (!existsSync(path)) {
    throw new LabError(`${what} not found`, {
      location: path,
      hint: 'data.directory is relative to the experiment file, and data.arrays names files inside it (features.npy and labels.npy by default)',
    });
  }
  if (!statSync(path).isFile()) throw new LabError(`expected ${what}, found a folder`, { location: path });
  const bytes = readFileSync(path);
  digests.push(digestFile(name, bytes));
  return bytes;
}

/** Features as the model's floats: uint8 scaled to [0, 1] as IDX pixels are, floats as they are (float64 rounded to float32). */
function featureFloats(features: NamedArray): { images: Float32Array; rows: number; cols: number; channels: number } {
  const { array, source } = features;
  if (array.dtype !== 'float32' && array.dtype !== 'float64' && array.dtype !== 'uint8') {
    throw new LabError(`features of dtype ${array.dtype} cannot be used: they must be float32, float64 or uint8`, {
      location: source,
      hint: 'convert them before saving, e.g. np.save(path, features.astype(np.float32))',
    });
  }
  const [count, ...item] = array.shape;
  if (array.shape.length < 2 || array.shape.length > 4) {
    throw new LabError(
      `features of shape (${array.shape.join(', ')}) cannot be used: expected [count, features], [count, rows, cols] or [count, rows, cols, channels]`,
      {
        location: source,
        hint: 'one row per item, first; images channels last (N, H, W, C), as NumPy and TensorFlow store them',
      },
    );
  }
  if (count === 0 || item.some((size) => size === 0)) {
    throw new LabError(`features of shape (${array.shape.join(', ')}) hold no values`, { location: source });
  }
  const [rows, cols, channels] =
    item.length === 1 ? [1, item[0], 1] : item.length === 2 ? [item[0], item[1], 1] : [item[0], item[1], item[2]];
  const images =
    array.dtype === 'uint8' ? bytesToUnitFloats(array.data as Uint8Array) : Float32Array.from(array.data as Float32Array | Float64Array);
  for (let i = 0; i < images.length; i++) {
    if (!Number.isFinite(images[i])) {
      const perItem = rows * cols * channels;
      throw new LabError(
        `item ${Math.floor(i / perItem)} of the features holds ${images[i]}${array.dtype === 'float64' && Number.isFinite((array.data as Float64Array)[i]) ? ' (too large for float32)' : ''}`,
        {
          location: source,
          hint: 'every feature must be a finite number',
        },
      );
    }
  }
  return { images, rows, cols, channels };
}

/** Labels as strings (for class names) and their count; integers, booleans and strings are labels, floats are not. */
function labelValues(labels: NamedArray): Array<number | string> {
  const { array, source } = labels;
  if (array.dtype === 'float32' || array.dtype === 'float64') {
    throw new LabError(`labels of dtype ${array.dtype} cannot be used: labels are integers or strings`, {
      location: source,
      hint: 'save them as integers (labels.astype(np.int64)) or strings (labels.astype(str))',
    });
  }
  const shape = array.shape;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new LabError(`labels of shape (${shape.join(', ')}) cannot be used: expected one label per item, [count] or [count, 1]`, {
      location: source,
      hint: 'one-hot labels need converting first: labels.argmax(axis=1)',
    });
  }
  return Array.isArray(array.data) ? [...array.data] : Array.from(npyNumbers(array, source));
}

const compareLabels = (a: number | string, b: number | string) =>
  typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;

function checkCounts(features: NamedArray, labels: NamedArray, labelCount: number): void {
  const count = features.array.shape[0];
  if (labelCount !== count) {
    throw new LabError(`${labelCount} labels for ${count} feature rows (${features.source}): they must match in number`, {
      location: labels.source,
      hint: 'the labels and features of one set are saved together, label k for row k',
    });
  }
}

/**
 * Features and labels from NumPy files: `features.npy` / `labels.npy` (or the names given) in a
 * folder, or arrays of one .npz. Classes are the distinct labels, sorted (numbers by value,
 * strings by name), numbered in that order. With `test_features` / `test_labels` the source has
 * its own test set.
 */
export function loadNpySource(options: NpySourceOptions): LoadedSource {
  const { directory } = options;
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new LabError('the folder of the arrays is not found', {
      location: directory,
      hint: 'data.directory is relative to the experiment file',
    });
  }
  const digests: FileDigest[] = [];
  let read: (name: string) => NamedArray;
  if (options.file !== undefined) {
    const path = join(directory, options.file);
    const archive = parseNpz(readFile(path, 'the .npz file', digests, options.file), path);
    read = (key) => {
      const array = archive.get(key);
      if (!array) {
        throw new LabError(`the .npz file holds no array \`${key}\` (it holds: ${[...archive.keys()].join(', ') || 'nothing'})`, {
          location: path,
          field: 'data.arrays',
          hint: 'name its arrays in data.arrays (features, labels), e.g. { file: data.npz, features: x_train, labels: y_train }',
        });
      }
      return { array, source: `${path}:${key}` };
    };
  } else {
    read = (name) => {
      const path = join(directory, name);
      return { array: parseNpy(readFile(path, 'the .npy file', digests, name), path), source: path };
    };
  }
  const inNpz = options.file !== undefined;
  const features = read(options.features ?? (inNpz ? 'features' : 'features.npy'));
  const labels = read(options.labels ?? (inNpz ? 'labels' : 'labels.npy'));
  const sets: Array<{ features: NamedArray; labels: NamedArray; values: Array<number | string> }> = [
    { features, labels, values: labelValues(labels) },
  ];
  if (options.test_features !== undefined && options.test_labels !== undefined) {
    const testLabels = read(options.test_labels);
    sets.push({ features: read(options.test_features), labels: testLabels, values: labelValues(testLabels) });
  }
  const classValues = [...new Set(sets.flatMap((set) => set.values))].sort(compareLabels);
  if (classValues.length > 256) {
    throw new LabError(`the labels hold ${classValues.length} distinct values; at most 256 classes are supported`, {
      location: labels.source,
    });
  }
  const labelIndex = new Map(classValues.map((value, index) => [value, index]));
  const classNames = classValues.map(String);
  const datasets = sets.map((set, index): Dataset => {
    checkCounts(set.features, set.labels, set.values.length);
    const { images, rows, cols, channels } = featureFloats(set.features);
    return {
      name: index === 0 ? (sets.length > 1 ? 'npy-train' : 'npy') : 'npy-test',
      images,
      labels: Uint8Array.from(set.values, (value) => labelIndex.get(value)!),
      count: set.values.length,
      rows,
      cols,
      channels,
      classes: classNames.length,
      classNames: [...classNames],
    };
  });
  const [train, test] = datasets;
  const trainBytes = features.array.dtype === 'uint8';
  if (sets[1] && (sets[1].features.array.dtype === 'uint8') !== trainBytes) {
    throw new LabError(
      `the test features are ${sets[1].features.array.dtype} but the training features ${features.array.dtype}: uint8 is read as pixels 0-255 (scaled to [0, 1]), floats as they are, so both sets must be one or the other`,
      { location: sets[1].features.source },
    );
  }
  if (test && imageSizeOf(test) !== imageSizeOf(train)) {
    throw new LabError(
      `the test features have items of shape ${shapeOf(test)} but the training features ${shapeOf(train)}: they must have one shape`,
      { location: sets[1].features.source },
    );
  }
  return {
    data: test ? { train, test } : { all: train },
    fingerprint: fingerprintOf(digests),
    inputs: trainBytes ? { kind: 'bytes', normalize: 'unit' } : { kind: 'values' },
  };
}

const imageSizeOf = (dataset: Dataset) => `${dataset.rows}x${dataset.cols}x${dataset.channels}`;
const shapeOf = (dataset: Dataset) => `(${dataset.rows}, ${dataset.cols}, ${dataset.channels})`;
