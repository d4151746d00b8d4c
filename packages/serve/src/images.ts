import { isAbsolute, dirname, resolve } from 'node:path';
import {
  datasetClassNames,
  datasetNames,
  loadFashionMnist,
  loadIdxDataset,
  loadMnist,
  transformDataset,
  type Dataset,
  type TransformOptions,
} from '@siamese-lab/data';
import type { RunRecord } from '@siamese-lab/store';
import { greyscalePng } from '@siamese-lab/report';

type ParamValue = RunRecord['params'][string];

/** Where a run's test images come from, read from its flattened parameters. */
export interface ImageSource {
  dataset: (typeof datasetNames)[number];
  /** Absolute folder of the IDX files, when the run named one. */
  directory: string | null;
  /** Domain B's rendering of a two-source run, else null. */
  right: TransformOptions | null;
}

export function imageSource(params: Record<string, ParamValue>, experimentFile: string | null): ImageSource {
  // Runs recorded before `data.dataset` existed are MNIST's.
  const dataset = datasetNames.find((name) => name === params['data.dataset']) ?? 'mnist';
  const directoryParam = params['data.directory'];
  // A relative folder is relative to the experiment file that named it.
  const directory =
    typeof directoryParam === 'string' && directoryParam !== ''
      ? isAbsolute(directoryParam)
        ? directoryParam
        : resolve(experimentFile ? dirname(experimentFile) : process.cwd(), directoryParam)
      : null;
  const hasRight = Object.keys(params).some((key) => key.startsWith('data.right.'));
  const right: TransformOptions | null = hasRight
    ? {
        rotate90: params['data.right.rotate90'] === true,
        invert: params['data.right.invert'] === true,
        ...(params['data.right.downsample'] === 2 && { downsample: 2 as const }),
      }
    : null;
  return { dataset, directory, right };
}

export function classNamesOf(source: ImageSource): string[] {
  return [...datasetClassNames(source.dataset)];
}

// Test sets by source. The loaders cache the parsed files; this caches domain B's rendering too.
const testSets = new Map<string, { a: Dataset; b: Dataset | null }>();

function testSetsOf(source: ImageSource): { a: Dataset; b: Dataset | null } {
  const key = JSON.stringify(source);
  let entry = testSets.get(key);
  if (!entry) {
    const directory = source.directory ?? undefined;
    const a =
      source.dataset === 'mnist'
        ? loadMnist(directory ? { directory } : {}).test
        : source.dataset === 'fashion-mnist'
          ? loadFashionMnist(directory ? { directory } : {}).test
          : loadIdxDataset({
              name: 'idx-test',
              imagesPath: resolve(directory ?? '.', 't10k-images-idx3-ubyte'),
              labelsPath: resolve(directory ?? '.', 't10k-labels-idx1-ubyte'),
            });
    entry = { a, b: source.right ? transformDataset(a, source.right) : null };
    testSets.set(key, entry);
  }
  return entry;
}

/**
 * The test image behind embedding point `index`. Points are the test images in order; a
 * two-source run stores domain A's points, then domain B's (`domains` 1), index for index.
 */
export function testImagePng(source: ImageSource, index: number, domains: Uint8Array | null): Buffer | null {
  const sets = testSetsOf(source);
  const domainACount = domains ? domains.length - domains.reduce((sum, flag) => sum + flag, 0) : Infinity;
  const inB = domains !== null && domains[index] === 1;
  const dataset = inB ? sets.b : sets.a;
  const imageIndex = inB ? index - domainACount : index;
  if (!dataset || imageIndex < 0 || imageIndex >= dataset.count) return null;
  const size = dataset.rows * dataset.cols;
  return greyscalePng(dataset.images.subarray(imageIndex * size, (imageIndex + 1) * size), dataset.rows, dataset.cols);
}
