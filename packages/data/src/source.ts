import { resolve, join } from 'node:path';
import { LabError } from '@siamese-lab/core';
import { loadIdxDataset } from './dataset.ts';
import { digestFile, fingerprintOf, type DataFingerprint } from './fingerprint.ts';
import { loadImageFolder, type InputEncoding, type LoadedSource } from './image-folder.ts';
import { readIdxBytes } from './idx.ts';
import {
  FASHION_MNIST_SHA256,
  IDX_FILE_NAMES,
  loadFashionMnist,
  loadMnist,
  MNIST_SHA256,
  verifiedFingerprint,
  type TrainTest,
} from './mnist.ts';
import { loadNpySource } from './npy-source.ts';
import type { DataSettings } from './settings.ts';
import { splitDataset } from './split.ts';

/** A run's train and test sets, and the fingerprint of the files they came from. */
export interface SourceData extends TrainTest {
  fingerprint: DataFingerprint;
  /** What a user gives to get these values: pixels 0-255 for the image sources, an array's own values for float features. */
  inputs: InputEncoding;
}

const PIXEL_BYTES: InputEncoding = { kind: 'bytes', normalize: 'unit' };

export interface LoadSourceOptions {
  /** The folder a relative `directory` resolves against (the experiment file's); default the working directory. */
  relativeTo?: string;
  /** The decode cache of image folders: a folder, null for none, default `defaultCacheDirectory()`. */
  cacheDirectory?: string | null;
}

// The fingerprints of IDX folders without checksums, by folder: reading them again per run would cost a sweep.
const idxFingerprints = new Map<string, DataFingerprint>();

function loadIdxFolder(directory: string | undefined): SourceData {
  if (!directory) {
    throw new LabError('dataset `idx` needs a directory with the four IDX files', {
      field: 'data.directory',
      hint: 'set data.directory to a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz)',
    });
  }
  const file = (name: string) => join(directory, name);
  const train = loadIdxDataset({
    name: 'idx-train',
    imagesPath: file(IDX_FILE_NAMES.trainImages),
    labelsPath: file(IDX_FILE_NAMES.trainLabels),
  });
  const test = loadIdxDataset({
    name: 'idx-test',
    imagesPath: file(IDX_FILE_NAMES.testImages),
    labelsPath: file(IDX_FILE_NAMES.testLabels),
  });
  let fingerprint = idxFingerprints.get(directory);
  if (!fingerprint) {
    // Decompressed bytes, as the checksums of MNIST are: compressing a file does not change its data.
    fingerprint = fingerprintOf(Object.values(IDX_FILE_NAMES).map((name) => digestFile(name, readIdxBytes(file(name)))));
    idxFingerprints.set(directory, fingerprint);
  }
  return { train, test, fingerprint, inputs: PIXEL_BYTES };
}

/** A source's own split, or the declared one; one of the two, never both and never neither. */
function trainTestOf(source: LoadedSource, settings: DataSettings, directory: string): SourceData {
  const what = settings.dataset === 'image_folder' ? 'the image folder has' : 'the arrays have';
  const its = settings.dataset === 'image_folder' ? 'its' : 'their';
  if (!('all' in source.data)) {
    if (settings.split) {
      throw new LabError(`${what} a test set of ${its} own already, so data.split has nothing to split`, {
        location: directory,
        field: 'data.split',
        hint:
          settings.dataset === 'image_folder'
            ? 'remove data.split to use the train/ and test/ folders, or merge them into one folder of class folders to split it'
            : 'remove data.split to use test_features and test_labels, or remove those to split the arrays',
      });
    }
    return { ...source.data, fingerprint: source.fingerprint, inputs: source.inputs };
  }
  if (!settings.split) {
    throw new LabError(`${what} no test set of ${its} own: declare a split`, {
      location: directory,
      field: 'data.split',
      hint:
        'add `split: { test_fraction: 0.2 }` under data (stratified and seeded by default)' +
        (settings.dataset === 'image_folder'
          ? ', or give the folder train/ and test/ folders of class folders'
          : ', or give arrays.test_features and arrays.test_labels'),
    });
  }
  const { test_fraction, stratified, seed } = settings.split;
  return {
    ...splitDataset(source.data.all, { testFraction: test_fraction, stratified, seed }, directory),
    fingerprint: source.fingerprint,
    inputs: source.inputs,
  };
}

/**
 * Loads the data set an experiment file's `data` section names, with its train/test split: MNIST,
 * Fashion-MNIST, an IDX folder, an image folder or NumPy arrays, all as the same `Dataset`s.
 * Loaders cache, so a sweep reads each source once per process.
 */
export function loadDataSource(settings: DataSettings, options: LoadSourceOptions = {}): SourceData {
  const directory = settings.directory === undefined ? undefined : resolve(options.relativeTo ?? '.', settings.directory);
  switch (settings.dataset) {
    case 'mnist': {
      const data = loadMnist(directory ? { directory } : {});
      return { ...data, fingerprint: verifiedFingerprint(data, MNIST_SHA256), inputs: PIXEL_BYTES };
    }
    case 'fashion-mnist': {
      const data = loadFashionMnist(directory ? { directory } : {});
      return { ...data, fingerprint: verifiedFingerprint(data, FASHION_MNIST_SHA256), inputs: PIXEL_BYTES };
    }
    case 'idx':
      return loadIdxFolder(directory);
    case 'image_folder': {
      const image: NonNullable<DataSettings['image']> = settings.image ?? { channels: 1, normalize: 'unit' };
      const source = loadImageFolder({
        directory: directory!,
        size: image.size,
        channels: image.channels,
        normalize: image.normalize,
        cacheDirectory: options.cacheDirectory,
      });
      return trainTestOf(source, settings, directory!);
    }
    case 'npy':
      return trainTestOf(loadNpySource({ directory: directory!, ...settings.arrays }), settings, directory!);
  }
}
