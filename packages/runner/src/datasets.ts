import {
  loadFashionMnist,
  loadMnist,
  loadIdxDataset,
  seedSplit,
  sliceExamples,
  transformDataset,
  type Dataset,
  type TransformOptions,
} from '@siamese-lab/data';
import { LabError } from '@siamese-lab/core';
import { join, resolve } from 'node:path';
import type { RunSpec } from './spec/schema.ts';

export interface RunData {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  /**
   * Two-source runs (`data.right`): domain B, the same images rendered differently, index for
   * index (image k of `right.train` is image k of `train` transformed, with the same label).
   */
  right?: { train: Dataset; test: Dataset; transform: TransformOptions };
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
export function loadRunData(spec: RunSpec['data'], options: { relativeTo?: string } = {}): RunData {
  const directory = spec.directory === undefined ? undefined : resolve(options.relativeTo ?? '.', spec.directory);
  let trainTest: { train: Dataset; test: Dataset };
  if (spec.dataset === 'mnist') trainTest = loadMnist(directory ? { directory } : {});
  else if (spec.dataset === 'fashion-mnist') trainTest = loadFashionMnist(directory ? { directory } : {});
  else {
    if (!directory) {
      throw new LabError('dataset `idx` needs a directory with the four IDX files', {
        field: 'data.directory',
        hint: 'set data.directory to a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz)',
      });
    }
    const file = (name: string) => join(directory, name);
    trainTest = {
      train: loadIdxDataset({
        name: 'idx-train',
        imagesPath: file('train-images-idx3-ubyte'),
        labelsPath: file('train-labels-idx1-ubyte'),
      }),
      test: loadIdxDataset({ name: 'idx-test', imagesPath: file('t10k-images-idx3-ubyte'), labelsPath: file('t10k-labels-idx1-ubyte') }),
    };
  }
  if (spec.validation_size >= trainTest.train.count) {
    throw new LabError(
      `validation_size ${spec.validation_size} leaves no training images (the training set has ${trainTest.train.count})`,
      {
        field: 'data.validation_size',
      },
    );
  }
  const split = seedSplit(trainTest.train, spec.validation_size);
  const train =
    spec.train_limit !== undefined && spec.train_limit < split.train.count
      ? sliceExamples(split.train, 0, spec.train_limit, `${split.train.name}-first-${spec.train_limit}`)
      : split.train;
  if (!spec.right) return { train, validation: split.validation, test: trainTest.test };
  const transform = rightTransform(spec.right);
  return {
    train,
    validation: split.validation,
    test: trainTest.test,
    right: { train: transformRight(train, transform), test: transformRight(trainTest.test, transform), transform },
  };
}
