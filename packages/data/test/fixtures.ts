// Own-data fixtures built from MNIST digits: image folders of PNGs (written with sharp) and the
// IDX files of the same digits in the same order, so a test can compare the two sources.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { defaultMnistDirectory, encodeIdx, IDX_FILE_NAMES, readIdx } from '../src/index.ts';

export interface Digits {
  /** uint8, [count, 28, 28]. */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
}

function readMnistFile(name: string) {
  const directory = defaultMnistDirectory();
  const path = [join(directory, name), join(directory, `${name}.gz`)].find((candidate) => existsSync(candidate))!;
  return readIdx(path);
}

/** The first `count` digits of MNIST's training or test file, as bytes. */
export function mnistDigits(which: 'train' | 'test', count: number): Digits {
  const images = readMnistFile(which === 'train' ? IDX_FILE_NAMES.trainImages : IDX_FILE_NAMES.testImages);
  const labels = readMnistFile(which === 'train' ? IDX_FILE_NAMES.trainLabels : IDX_FILE_NAMES.testLabels);
  return { pixels: (images.data as Uint8Array).slice(0, count * 784), labels: (labels.data as Uint8Array).slice(0, count), count };
}

/** The digits in ImageFolder's order: by class, then by file name (the zero-padded index), as `writeDigitFolder` names them. */
export function inFolderOrder(digits: Digits): Digits {
  const order = Array.from({ length: digits.count }, (_, i) => i).sort((a, b) => digits.labels[a] - digits.labels[b] || a - b);
  const pixels = new Uint8Array(digits.pixels.length);
  order.forEach((from, to) => pixels.set(digits.pixels.subarray(from * 784, (from + 1) * 784), to * 784));
  return { pixels, labels: Uint8Array.from(order, (from) => digits.labels[from]), count: digits.count };
}

export function writePng(path: string, pixels: Uint8Array, rows: number, cols: number, channels: 1 | 3 | 4 = 1): Promise<unknown> {
  return sharp(Buffer.from(pixels), { raw: { width: cols, height: rows, channels } })
    .png()
    .toFile(path);
}

/** Writes `<folder>/<label>/<index>.png` for every digit (index zero-padded to 5 digits). */
export async function writeDigitFolder(folder: string, digits: Digits): Promise<void> {
  const writes: Array<Promise<unknown>> = [];
  for (let i = 0; i < digits.count; i++) {
    const classFolder = join(folder, String(digits.labels[i]));
    mkdirSync(classFolder, { recursive: true });
    writes.push(writePng(join(classFolder, `${String(i).padStart(5, '0')}.png`), digits.pixels.subarray(i * 784, (i + 1) * 784), 28, 28));
  }
  await Promise.all(writes);
}

/** Writes the four IDX files of a train and a test set (in the order given) into `folder`. */
export function writeIdxFolder(folder: string, train: Digits, test: Digits): void {
  mkdirSync(folder, { recursive: true });
  const write = (name: string, digits: Digits, part: 'images' | 'labels') =>
    writeFileSync(
      join(folder, name),
      encodeIdx(
        part === 'images'
          ? { dataType: 'uint8', dims: [digits.count, 28, 28], data: digits.pixels }
          : { dataType: 'uint8', dims: [digits.count], data: digits.labels },
      ),
    );
  write(IDX_FILE_NAMES.trainImages, train, 'images');
  write(IDX_FILE_NAMES.trainLabels, train, 'labels');
  write(IDX_FILE_NAMES.testImages, test, 'images');
  write(IDX_FILE_NAMES.testLabels, test, 'labels');
}
