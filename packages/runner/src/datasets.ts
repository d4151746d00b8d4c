import {
  loadDataSource,
  seedSplit,
  sliceExamples,
  transformDataset,
  type DataFingerprint,
  type Dataset,
  type InputEncoding,
  type TransformOptions,
} from '@siamese-lab/data';
import { LabError } from '@siamese-lab/core';
import type { RunSpec } from './spec/schema.ts';

export interface RunData {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  /** A content hash of the files the data came from, for the run's provenance (and `lab check`). */
  fingerprint: DataFingerprint;
  /** What a user gives to get the values the model sees (pixels 0-255, or an array's own values): the stored model repeats it. */
  inputs: InputEncoding;
  /**
   * Two-source runs (`data.right`): domain B, the same images rendered differently, index for
   * index (image k of `right.train` is image k of `train` transformed, with the same label).
   */
  right?: { train: Dataset; test: Dataset; transform: TransformOptions };
}

/** What a run's provenance records of its data: the fingerprint of the files and the class names (for reports of data sets that are not MNIST's). */
export function dataProvenance(data: RunData): DataFingerprint & { classNames: string[] } {
  return { ...data.fingerprint, classNames: [...data.train.classNames] };
}

/** A dataset's image shape as the model takes it (HWC). */
export function imageShapeOf(dataset: Dataset): { rows: number; cols: number; channels: number } {
  return { rows: dataset.rows, cols: dataset.cols, channels: dataset.channels };
}

/** `data.right` as transform options (downsample 1 means none). */
export function rightTransform(right: NonNullable<RunSpec['data']['right']>): TransformOptions {
  return { rotate90: right.rotate90, invert: right.invert, ...(right.downsample === 2 && { downsample: 2 as const }) };
}

/** Domain B of a two-source run; a rendering these images do not allow is the `data.right` setting's fault. */
function transformRight(dataset: Dataset, transform: TransformOptions): Dataset {
  try {
    return transformDataset(dataset, transform);
  } catch (error) {
    if (!(error instanceof LabError)) throw error;
    throw new LabError(error.message, { field: 'data.right.downsample', hint: error.hint, cause: error });
  }
}

/**
 * Loads the datasets a run names; loaders cache, so a sweep reads each file once. A relative
 * `directory` resolves against `relativeTo` (a run's `dataFolder`: its experiment file's folder),
 * or the working directory when none is given.
 */
export function loadRunData(spec: RunSpec['data'], options: { relativeTo?: string; cacheDirectory?: string | null } = {}): RunData {
  const trainTest = loadDataSource(spec, options);
  if (spec.validation_size >= trainTest.train.count) {
    throw new LabError(
      `validation_size ${spec.validation_size} leaves no training images (the training set has ${trainTest.train.count})`,
      {
        field: 'data.validation_size',
        ...((spec.dataset === 'image_folder' || spec.dataset === 'npy') && {
          hint: "set data.validation_size: 0 (it defaults to the seed's 5000)",
        }),
      },
    );
  }
  checkValidationKeepsClasses(spec, trainTest.train);
  const split = seedSplit(trainTest.train, spec.validation_size);
  const train =
    spec.train_limit !== undefined && spec.train_limit < split.train.count
      ? sliceExamples(split.train, 0, spec.train_limit, `${split.train.name}-first-${spec.train_limit}`)
      : split.train;
  const { fingerprint, inputs } = trainTest;
  if (!spec.right) return { train, validation: split.validation, test: trainTest.test, fingerprint, inputs };
  const transform = rightTransform(spec.right);
  return {
    train,
    validation: split.validation,
    test: trainTest.test,
    fingerprint,
    inputs,
    right: { train: transformRight(train, transform), test: transformRight(trainTest.test, transform), transform },
  };
}

/**
 * The validation images are the first `validation_size` training images, as the seed took them
 * from MNIST's shuffled file. Image folders and arrays are often ordered class by class, and then
 * the first images can be whole classes that training would never see: refused, with the fix.
 */
function checkValidationKeepsClasses(spec: RunSpec['data'], train: Dataset): void {
  if (spec.validation_size === 0 || (spec.dataset !== 'image_folder' && spec.dataset !== 'npy')) return;
  const left = new Set(train.labels.subarray(spec.validation_size));
  const lost = train.classNames.filter((_, label) => !left.has(label) && train.labels.includes(label));
  if (lost.length === 0) return;
  throw new LabError(
    `validation_size ${spec.validation_size} holds out every training image of class${lost.length > 1 ? 'es' : ''} ${lost.map((name) => `\`${name}\``).join(', ')}: ` +
      'the validation images are the first ones, and this data set is ordered class by class',
    { field: 'data.validation_size', hint: "set data.validation_size: 0 (it defaults to the seed's 5000)" },
  );
}
