import { LabError } from '@siamese-lab/core';
import type { Dataset } from './dataset.ts';

export interface TransformOptions {
  /** Rotate each image a quarter turn clockwise (rows and cols swap). */
  rotate90?: boolean;
  /** Replace each pixel v by 1 - v (white digits on black become black on white). */
  invert?: boolean;
  /** Average each 2x2 block into one pixel (28x28 becomes 14x14). */
  downsample?: 2;
}

/**
 * Renders a dataset in another "domain" (for two-source, cross-domain pairs): same labels and
 * class structure, transformed pixels, possibly a new image shape. The name gets a suffix per step.
 */
export function transformDataset(dataset: Dataset, options: TransformOptions): Dataset {
  if (options.downsample !== undefined && options.downsample !== 2) {
    throw new Error(`downsample factor must be 2, got ${String(options.downsample)}`);
  }
  let { rows, cols } = dataset;
  let images = dataset.images;
  let name = dataset.name;
  if (options.rotate90) {
    images = rotateClockwise(images, dataset.count, rows, cols, dataset.channels);
    [rows, cols] = [cols, rows];
    name += '-rot90';
  }
  if (options.invert) {
    const inverted = new Float32Array(images.length);
    for (let i = 0; i < images.length; i++) inverted[i] = 1 - images[i];
    images = inverted;
    name += '-inverted';
  }
  if (options.downsample === 2) {
    if (rows % 2 !== 0 || cols % 2 !== 0) {
      throw new LabError(`cannot downsample ${rows}x${cols} images by 2: both sides must be even`, {
        hint: 'keep these images at their size (downsample: 1)',
      });
    }
    images = averagePool2(images, dataset.count, rows, cols, dataset.channels);
    rows /= 2;
    cols /= 2;
    name += `-${rows}x${cols}`;
  }
  if (images === dataset.images) images = new Float32Array(images);
  return { ...dataset, name, images, labels: new Uint8Array(dataset.labels), rows, cols, classNames: [...dataset.classNames] };
}

// Images are HWC: pixel (r, c) holds `channels` consecutive values, moved or averaged together.
function rotateClockwise(images: Float32Array, count: number, rows: number, cols: number, channels: number): Float32Array {
  const out = new Float32Array(images.length);
  const size = rows * cols * channels;
  for (let n = 0; n < count; n++) {
    const base = n * size;
    // Source (r, c) lands at row c, column rows-1-r of a cols x rows image.
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const from = base + (r * cols + c) * channels;
        const to = base + (c * rows + (rows - 1 - r)) * channels;
        for (let k = 0; k < channels; k++) out[to + k] = images[from + k];
      }
    }
  }
  return out;
}

function averagePool2(images: Float32Array, count: number, rows: number, cols: number, channels: number): Float32Array {
  const outRows = rows / 2,
    outCols = cols / 2;
  const rowStride = cols * channels;
  const out = new Float32Array(count * outRows * outCols * channels);
  for (let n = 0; n < count; n++) {
    const source = n * rows * cols * channels;
    const target = n * outRows * outCols * channels;
    for (let r = 0; r < outRows; r++) {
      for (let c = 0; c < outCols; c++) {
        for (let k = 0; k < channels; k++) {
          const at = source + 2 * r * rowStride + 2 * c * channels + k;
          out[target + (r * outCols + c) * channels + k] =
            (images[at] + images[at + channels] + images[at + rowStride] + images[at + rowStride + channels]) / 4;
        }
      }
    }
  }
  return out;
}
