import { createHash } from 'node:crypto';
import { LabError } from '@siamese-lab/core';
import { parseIdx, readIdxBytes, type IdxArray } from './idx.ts';

/**
 * A labelled image set held in memory. Images are row-major `count * rows * cols * channels`
 * floats (height, width, channels: HWC, as NumPy and tfjs lay out images), in [0, 1] unless a
 * source normalises them otherwise. Datasets returned by the loaders are cached and shared: treat
 * the arrays as read-only.
 */
export interface Dataset {
  name: string;
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  /** Values per pixel: 1 (grayscale, MNIST) or 3 (RGB); a feature vector is 1 x D x 1. */
  channels: number;
  classes: number;
  classNames: string[];
}

/** Values per image (the feature count a model sees). */
export function imageSize(dataset: Dataset): number {
  return dataset.rows * dataset.cols * dataset.channels;
}

/** SHA-256 (hex) of the decompressed IDX bytes, so re-compressing a file does not change it. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Byte-to-float lookup reproducing TensorFlow's `images.astype(float32) * (1.0 / 255.0)`: numpy
 * multiplies in float32 with the scalar rounded to float32, which differs from `v / 255` for about
 * half the byte values and still maps 255 to exactly 1.
 */
const byteToUnit = (() => {
  const table = new Float32Array(256);
  const scale = Math.fround(1 / 255);
  for (let v = 0; v < 256; v++) table[v] = Math.fround(v * scale);
  return table;
})();

/** Converts unsigned bytes to floats in [0, 1] the way the seed's TensorFlow loader did. */
export function bytesToUnitFloats(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = byteToUnit[bytes[i]];
  return out;
}

export interface LoadIdxDatasetOptions {
  name: string;
  imagesPath: string;
  labelsPath: string;
  /** Class names; their count is the class count. Defaults to '0', '1', ... up to the largest label. */
  classNames?: string[];
  /** Expected SHA-256 (hex) of each file's decompressed IDX bytes; a mismatch is a LabError. */
  sha256?: { images?: string; labels?: string };
}

function readVerified(path: string, expectedSha256: string | undefined): IdxArray {
  const bytes = readIdxBytes(path);
  if (expectedSha256 !== undefined) {
    const actual = sha256Hex(bytes);
    if (actual !== expectedSha256.toLowerCase()) {
      throw new LabError(`checksum mismatch: SHA-256 of the decompressed IDX data is ${actual}, expected ${expectedSha256}`, {
        location: path,
        hint: 'the file is damaged or a different version of the data set; reinstall it or point the loader at a correct copy',
      });
    }
  }
  return parseIdx(bytes, path);
}

/** Builds a dataset from an image IDX array (uint8, [count, rows, cols]) and a label IDX array (uint8, [count]). */
export function datasetFromIdx(
  name: string,
  images: IdxArray,
  labels: IdxArray,
  sources: { images: string; labels: string },
  classNames?: string[],
): Dataset {
  if (images.dataType !== 'uint8' || images.dims.length !== 3) {
    throw new LabError(
      `expected images as unsigned bytes with 3 dimensions [count, rows, cols], found ${images.dataType} with dimensions [${images.dims.join(', ')}]`,
      { location: sources.images },
    );
  }
  if (labels.dataType !== 'uint8' || labels.dims.length !== 1) {
    throw new LabError(
      `expected labels as unsigned bytes with 1 dimension [count], found ${labels.dataType} with dimensions [${labels.dims.join(', ')}]`,
      { location: sources.labels },
    );
  }
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new LabError(`the label file has ${labels.dims[0]} labels but the image file ${sources.images} has ${count} images`, {
      location: sources.labels,
      hint: 'images and labels must come from the same split (train with train, test with test)',
    });
  }
  const labelBytes = labels.data as Uint8Array;
  let maxLabel = 0;
  for (let i = 0; i < labelBytes.length; i++) if (labelBytes[i] > maxLabel) maxLabel = labelBytes[i];
  const names = classNames ?? Array.from({ length: count === 0 ? 0 : maxLabel + 1 }, (_, c) => String(c));
  if (count > 0 && maxLabel >= names.length) {
    const at = labelBytes.findIndex((label) => label >= names.length);
    throw new LabError(`label ${labelBytes[at]} at index ${at} is out of range: there are ${names.length} classes`, {
      location: sources.labels,
    });
  }
  return {
    name,
    images: bytesToUnitFloats(images.data as Uint8Array),
    // Copy so the dataset does not pin the whole decompressed file buffer.
    labels: new Uint8Array(labelBytes),
    count,
    rows,
    cols,
    channels: 1,
    classes: names.length,
    classNames: [...names],
  };
}

/** Loads any pair of IDX image/label files (raw or gzip) as a dataset. */
export function loadIdxDataset(options: LoadIdxDatasetOptions): Dataset {
  const images = readVerified(options.imagesPath, options.sha256?.images);
  const labels = readVerified(options.labelsPath, options.sha256?.labels);
  return datasetFromIdx(options.name, images, labels, { images: options.imagesPath, labels: options.labelsPath }, options.classNames);
}

/** A new dataset holding the images at `indices`, in that order. */
export function selectExamples(dataset: Dataset, indices: ArrayLike<number>, name: string): Dataset {
  const size = imageSize(dataset);
  const images = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const index = indices[k];
    images.set(dataset.images.subarray(index * size, (index + 1) * size), k * size);
    labels[k] = dataset.labels[index];
  }
  return { ...dataset, name, images, labels, count: indices.length, classNames: [...dataset.classNames] };
}

/** A new dataset holding examples `start` (inclusive) to `end` (exclusive); the arrays are views, not copies. */
export function sliceExamples(dataset: Dataset, start: number, end: number, name: string): Dataset {
  const size = imageSize(dataset);
  return {
    ...dataset,
    name,
    images: dataset.images.subarray(start * size, end * size),
    labels: dataset.labels.subarray(start, end),
    count: end - start,
    classNames: [...dataset.classNames],
  };
}
