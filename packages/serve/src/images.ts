import { isAbsolute, dirname, resolve } from 'node:path';
import {
  dataSettingsSchema,
  datasetClassNames,
  datasetNames,
  loadDataSource,
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
  /** An image folder's or arrays' `data` settings as the run stored them (directory made absolute); null for the IDX data sets. */
  settings: Record<string, unknown> | null;
}

/** The run's `data.*` parameters as the nested settings they were flattened from (lists were stored as JSON). */
function dataSettingsOf(params: Record<string, ParamValue>, directory: string | null): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith('data.')) continue;
    const path = key.split('.').slice(1);
    let node = settings;
    for (const segment of path.slice(0, -1)) node = (node[segment] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = typeof value === 'string' && value.startsWith('[') ? (JSON.parse(value) as unknown) : value;
  }
  return { ...settings, ...(directory !== null && { directory }) };
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
  const settings = dataset === 'image_folder' || dataset === 'npy' ? dataSettingsOf(params, directory) : null;
  return { dataset, directory, right, settings };
}

export function classNamesOf(source: ImageSource): string[] {
  // An image folder's or arrays' classes are named by the data itself.
  const own = source.settings ? testSetsOf(source) : undefined;
  if (own) return [...own.a.classNames];
  return [...datasetClassNames(source.dataset)];
}

// Test sets by source. The loaders cache the parsed files; this caches domain B's rendering too.
const testSets = new Map<string, { a: Dataset; b: Dataset | null }>();

/** The test set of an image folder or arrays as the run split it; undefined when the data are gone or unreadable. */
function ownTestSet(settings: Record<string, unknown>): Dataset | undefined {
  const parsed = dataSettingsSchema.safeParse(settings);
  if (!parsed.success) return undefined;
  try {
    return loadDataSource(parsed.data).test;
  } catch {
    return undefined;
  }
}

function testSetsOf(source: ImageSource): { a: Dataset; b: Dataset | null } | undefined {
  const key = JSON.stringify(source);
  let entry = testSets.get(key);
  if (!entry) {
    const directory = source.directory ?? undefined;
    const own = source.settings ? ownTestSet(source.settings) : undefined;
    if (source.settings && !own) return undefined;
    const a = own
      ? own
      : source.dataset === 'mnist'
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
  if (!sets) return null;
  const domainACount = domains ? domains.length - domains.reduce((sum, flag) => sum + flag, 0) : Infinity;
  const inB = domains !== null && domains[index] === 1;
  const dataset = inB ? sets.b : sets.a;
  const imageIndex = inB ? index - domainACount : index;
  if (!dataset || imageIndex < 0 || imageIndex >= dataset.count) return null;
  const pixels = dataset.rows * dataset.cols;
  const image = dataset.images.subarray(imageIndex * pixels * dataset.channels, (imageIndex + 1) * pixels * dataset.channels);
  // A colour image is shown by its mean over the channels: a thumbnail to recognise, not the pixels.
  const grey =
    dataset.channels === 1
      ? image
      : Float32Array.from({ length: pixels }, (_, p) => {
          let sum = 0;
          for (let k = 0; k < dataset.channels; k++) sum += image[p * dataset.channels + k];
          return sum / dataset.channels;
        });
  return greyscalePng(grey, dataset.rows, dataset.cols);
}
