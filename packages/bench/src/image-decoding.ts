import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { defaultMnistDirectory, IDX_FILE_NAMES, loadImageFolder, readIdx } from '@siamese-lab/data';
import type { BenchOptions, BenchSection } from './bench-section.ts';

const IMAGES = 10_000;

/** An 8-bit grayscale PNG (the fixture's writer; the section times the reading). */
function grayscalePng(pixels: Uint8Array, rows: number, cols: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const framing = Buffer.alloc(8);
    framing.writeUInt32BE(data.length, 0);
    framing.writeUInt32BE(crc32(body), 4);
    return Buffer.concat([framing.subarray(0, 4), body, framing.subarray(4)]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(cols, 0);
  header.writeUInt32BE(rows, 4);
  header[8] = 8;
  const raw = Buffer.alloc(rows * (cols + 1));
  for (let r = 0; r < rows; r++) raw.set(pixels.subarray(r * cols, (r + 1) * cols), r * (cols + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function mnistFile(name: string) {
  const directory = defaultMnistDirectory();
  return readIdx([join(directory, name), join(directory, `${name}.gz`)].find((path) => existsSync(path))!);
}

/**
 * Reading an image folder: 10,000 PNGs of MNIST digits (`<label>/<index>.png`) decoded with sharp
 * (listing, content hash and decoding: the first run of a sweep), then the same folder read again
 * from the decode cache (listing and hashing again, then the cached pixels: every later run, and
 * every `--jobs` worker process).
 */
export const imageDecodingSection: BenchSection = {
  name: 'image_decoding',
  run(options: BenchOptions) {
    const folder = mkdtempSync(join(tmpdir(), 'lab-bench-images-'));
    try {
      const images = mnistFile(IDX_FILE_NAMES.trainImages).data as Uint8Array;
      const labels = mnistFile(IDX_FILE_NAMES.trainLabels).data as Uint8Array;
      const digits = join(folder, 'digits');
      for (let label = 0; label < 10; label++) mkdirSync(join(digits, String(label)), { recursive: true });
      for (let i = 0; i < IMAGES; i++) {
        const classFolder = join(digits, String(labels[i]));
        writeFileSync(
          join(classFolder, `${String(i).padStart(5, '0')}.png`),
          grayscalePng(images.subarray(i * 784, (i + 1) * 784), 28, 28),
        );
      }
      options.log(`image decoding: ${IMAGES} PNGs of 28x28 digits, decoded with sharp, then read from the decode cache`);
      const cache = join(folder, 'cache');
      const time = (normalize: 'unit' | { mean: number[]; std: number[] }) => {
        const started = performance.now();
        const loaded = loadImageFolder({ directory: digits, channels: 1, normalize, cacheDirectory: cache });
        return { seconds: (performance.now() - started) / 1000, loaded };
      };
      const first = time('unit');
      // Another normalisation: not the dataset this process holds, but the same decoded pixels on disk.
      const second = time({ mean: [0], std: [1] });
      if (first.loaded.fingerprint.cache !== 'miss' || second.loaded.fingerprint.cache !== 'hit') {
        throw new Error(
          `image_decoding: expected a cache miss then a hit, got ${first.loaded.fingerprint.cache} then ${second.loaded.fingerprint.cache}`,
        );
      }
      const decodedPerSecond = IMAGES / first.seconds;
      const cachedPerSecond = IMAGES / second.seconds;
      return Promise.resolve({
        lines: [
          `image folder of ${IMAGES} PNGs (${first.loaded.fingerprint.decoder}): first read ${first.seconds.toFixed(2)} s = ${Math.round(decodedPerSecond)} images/s decoded; ` +
            `second run, from the decode cache: ${second.seconds.toFixed(2)} s = ${Math.round(cachedPerSecond)} images/s (x${(first.seconds / second.seconds).toFixed(1)})`,
        ],
        json: {
          image_decoding: {
            images: IMAGES,
            decoder: first.loaded.fingerprint.decoder,
            first_read_seconds: first.seconds,
            images_decoded_per_second: decodedPerSecond,
            cached_read_seconds: second.seconds,
            images_per_second_from_cache: cachedPerSecond,
          },
        },
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
};
