import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { loadDataSource, loadImageFolder, loadIdxDataset, IDX_FILE_NAMES, dataSettingsSchema, type Dataset } from '../src/index.ts';
import { thrown } from './helpers.ts';
import { inFolderOrder, mnistDigits, writeDigitFolder, writeIdxFolder, writePng, type Digits } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'siamese-image-folder-'));
const cache = join(root, 'cache');
afterAll(() => rmSync(root, { recursive: true, force: true }));

let train: Digits;
let test: Digits;
const digits = join(root, 'digits');
const idx = join(root, 'idx');

beforeAll(async () => {
  train = mnistDigits('train', 120);
  test = mnistDigits('test', 100);
  await writeDigitFolder(join(digits, 'train'), train);
  await writeDigitFolder(join(digits, 'test'), test);
  writeIdxFolder(idx, inFolderOrder(train), inFolderOrder(test));
});

const message = (fn: () => unknown) => {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(LabError);
  return (error as LabError).describe();
};

describe('loadImageFolder', () => {
  it('reads PNGs of MNIST digits as the same floats, in the same order, as the IDX files of those digits', () => {
    const folder = loadImageFolder({ directory: digits, channels: 1, normalize: 'unit', cacheDirectory: null });
    expect('train' in folder.data).toBe(true);
    const own = folder.data as { train: Dataset; test: Dataset };
    const file = (name: string) => join(idx, name);
    const idxTrain = loadIdxDataset({
      name: 'idx',
      imagesPath: file(IDX_FILE_NAMES.trainImages),
      labelsPath: file(IDX_FILE_NAMES.trainLabels),
    });
    const idxTest = loadIdxDataset({
      name: 'idx',
      imagesPath: file(IDX_FILE_NAMES.testImages),
      labelsPath: file(IDX_FILE_NAMES.testLabels),
    });
    for (const [mine, theirs] of [
      [own.train, idxTrain],
      [own.test, idxTest],
    ] as const) {
      expect([mine.count, mine.rows, mine.cols, mine.channels]).toEqual([theirs.count, 28, 28, 1]);
      expect(
        Buffer.from(mine.images.buffer, mine.images.byteOffset, mine.images.byteLength).equals(Buffer.from(theirs.images.buffer)),
      ).toBe(true);
      expect(Array.from(mine.labels)).toEqual(Array.from(theirs.labels));
    }
    expect(own.train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(folder.fingerprint).toMatchObject({ files: 220, cache: 'off' });
    expect(folder.fingerprint.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(folder.fingerprint.decoder).toMatch(/^sharp \d+\.\d+\.\d+ \(libvips \d/);
  });

  it('caches decoded pixels by content: the second load reads the cache, a changed file decodes again', () => {
    const copy = join(root, 'cached-digits');
    writeDigitsCopy(digits, copy);
    const first = loadImageFolder({ directory: copy, channels: 1, normalize: 'unit', cacheDirectory: cache });
    expect(first.fingerprint.cache).toBe('miss');
    // Another normalisation is another dataset in memory but the same decoded pixels on disk.
    const second = loadImageFolder({ directory: copy, channels: 1, normalize: { mean: [0.5], std: [0.25] }, cacheDirectory: cache });
    expect(second.fingerprint.cache).toBe('hit');
    expect(second.fingerprint.pixels).toBe(first.fingerprint.pixels);
    const a = (first.data as { train: { images: Float32Array } }).train.images;
    const b = (second.data as { train: { images: Float32Array } }).train.images;
    expect(b[300]).toBe(Math.fround(Math.fround(a[300] - 0.5) / 0.25));
    // One file replaced by another digit: another fingerprint, so no stale pixels.
    const changed = join(root, 'changed-digits');
    writeDigitsCopy(digits, changed);
    copyFileSync(join(digits, 'train', '5', '00000.png'), join(changed, 'train', '0', '00001.png'));
    const third = loadImageFolder({ directory: changed, channels: 1, normalize: 'unit', cacheDirectory: cache });
    expect(third.fingerprint.cache).toBe('miss');
    expect(third.fingerprint.sha256).not.toBe(first.fingerprint.sha256);
  });

  it('resizes, converts to RGB, reads JPEGs, and orders classes by name', async () => {
    const folder = join(root, 'colours');
    mkdirSync(join(folder, 'red'), { recursive: true });
    mkdirSync(join(folder, 'blue'), { recursive: true });
    const solid = (rgb: number[], size: number) => Uint8Array.from({ length: size * size * 3 }, (_, i) => rgb[i % 3]);
    await writePng(join(folder, 'red', 'a.png'), solid([250, 10, 10], 8), 8, 8, 3);
    await writePng(join(folder, 'red', 'b.png'), solid([240, 0, 0], 12), 12, 12, 3);
    await sharp(Buffer.from(solid([0, 0, 250], 10)), { raw: { width: 10, height: 10, channels: 3 } })
      .jpeg({ quality: 95 })
      .toFile(join(folder, 'blue', 'c.jpg'));
    const unresized = thrown(() => loadImageFolder({ directory: folder, channels: 3, normalize: 'unit', cacheDirectory: null }));
    expect((unresized as LabError).describe()).toMatch(
      /red\/a\.png, field `data\.image\.size`: the image is 8x8 \(rows x cols\) but .*blue\/c\.jpg is 10x10; images of mixed sizes need data\.image\.size/,
    );
    expect((unresized as LabError).field).toBe('data.image.size');
    const loaded = loadImageFolder({ directory: folder, size: [4, 6], channels: 3, normalize: 'unit', cacheDirectory: null });
    const all = (loaded.data as { all: Dataset }).all;
    expect([all.count, all.rows, all.cols, all.channels]).toEqual([3, 4, 6, 3]);
    expect(all.classNames).toEqual(['blue', 'red']);
    expect(Array.from(all.labels)).toEqual([0, 1, 1]);
    // HWC: the first pixel of the blue JPEG is mostly blue, of the red PNGs mostly red.
    expect(all.images[2]).toBeGreaterThan(0.9);
    expect(all.images[0]).toBeLessThan(0.1);
    expect(all.images[4 * 6 * 3]).toBeGreaterThan(0.9);
    const grey = loadImageFolder({ directory: folder, size: [4, 6], channels: 1, normalize: 'unit', cacheDirectory: null });
    expect((grey.data as { all: { channels: number } }).all.channels).toBe(1);
  });
});

/** A copy of a digit folder (its own path: a new memo key and, for a changed file, a new fingerprint). */
function writeDigitsCopy(from: string, to: string): void {
  for (const part of ['train', 'test'])
    for (let label = 0; label < 10; label++) {
      mkdirSync(join(to, part, String(label)), { recursive: true });
    }
  const digitsOf = (part: 'train' | 'test') => (part === 'train' ? train : test);
  for (const part of ['train', 'test'] as const) {
    const set = digitsOf(part);
    for (let i = 0; i < set.count; i++) {
      const name = join(part, String(set.labels[i]), `${String(i).padStart(5, '0')}.png`);
      copyFileSync(join(from, name), join(to, name));
    }
  }
}

describe('bad image folders', () => {
  const settings = (directory: string, extra: Record<string, unknown> = {}) =>
    dataSettingsSchema.parse({ dataset: 'image_folder', directory, validation_size: 0, split: { test_fraction: 0.25 }, ...extra });

  it('names the folder or file and what is wrong', async () => {
    expect(message(() => loadDataSource(settings(join(root, 'nowhere'))))).toMatch(/nowhere: image folder not found/);
    const noClasses = join(root, 'no-classes');
    mkdirSync(noClasses);
    writeFileSync(join(noClasses, 'readme.txt'), 'hello');
    expect(message(() => loadDataSource(settings(noClasses)))).toMatch(/no-classes: the image folder holds no class folders/);
    const emptyClass = join(root, 'empty-class');
    mkdirSync(join(emptyClass, 'cat'), { recursive: true });
    mkdirSync(join(emptyClass, 'dog'), { recursive: true });
    writeFileSync(join(emptyClass, 'dog', 'notes.txt'), 'not an image');
    await writePng(join(emptyClass, 'cat', '1.png'), new Uint8Array(16), 4, 4);
    expect(message(() => loadDataSource(settings(emptyClass)))).toMatch(
      /empty-class\/dog: the class folder `dog` holds no PNG or JPEG images/,
    );

    const corrupt = join(root, 'corrupt');
    mkdirSync(join(corrupt, 'a'), { recursive: true });
    mkdirSync(join(corrupt, 'b'), { recursive: true });
    await writePng(join(corrupt, 'a', '1.png'), new Uint8Array(16), 4, 4);
    writeFileSync(join(corrupt, 'b', '2.png'), 'this is not a PNG');
    expect(message(() => loadDataSource(settings(corrupt)))).toMatch(
      /corrupt\/b\/2\.png: cannot decode the image: .*\n {2}hint: the file is corrupt, truncated/,
    );

    const truncated = join(root, 'truncated');
    mkdirSync(join(truncated, 'a'), { recursive: true });
    const whole = join(truncated, 'a', 'whole.png');
    await writePng(
      whole,
      Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256),
      28,
      28,
    );
    const bytes = readFileSync(whole);
    writeFileSync(join(truncated, 'a', 'zcut.png'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(message(() => loadDataSource(settings(truncated)))).toMatch(/truncated\/a\/zcut\.png: cannot decode the image/);

    const cutJpeg = join(root, 'cut-jpeg');
    mkdirSync(join(cutJpeg, 'a'), { recursive: true });
    await writePng(join(cutJpeg, 'a', '1.png'), new Uint8Array(28 * 28), 28, 28);
    const jpeg = await sharp(Buffer.from(Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256)), {
      raw: { width: 28, height: 28, channels: 1 },
    })
      .jpeg({ quality: 90 })
      .toBuffer();
    writeFileSync(join(cutJpeg, 'a', '2.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    expect(message(() => loadDataSource(settings(cutJpeg)))).toMatch(
      /cut-jpeg\/a\/2\.jpg: cannot decode the image: .*premature end of JPEG/,
    );
  });

  it('refuses a folder without a split, and a split of a folder that has one', () => {
    const noSplit = dataSettingsSchema.parse({
      dataset: 'image_folder',
      directory: join(root, 'cached-digits', 'train'),
      validation_size: 0,
    });
    const error = thrown(() => loadDataSource(noSplit, { cacheDirectory: cache })) as LabError;
    expect(error.describe()).toMatch(/the image folder has no test set of its own: declare a split/);
    expect(error.field).toBe('data.split');
    const twice = thrown(() => loadDataSource(settings(join(root, 'cached-digits')), { cacheDirectory: cache })) as LabError;
    expect(twice.describe()).toMatch(/the image folder has a test set of its own already/);
  });

  it('splits a folder without one: stratified, seeded, and the same for the same seed', () => {
    const loaded = loadDataSource(settings(join(root, 'cached-digits', 'train')), { cacheDirectory: cache });
    expect(loaded.train.count + loaded.test.count).toBe(120);
    const again = loadDataSource(settings(join(root, 'cached-digits', 'train')), { cacheDirectory: cache });
    expect(Array.from(again.test.images)).toEqual(Array.from(loaded.test.images));
    const other = loadDataSource(settings(join(root, 'cached-digits', 'train'), { split: { test_fraction: 0.25, seed: 7 } }), {
      cacheDirectory: cache,
    });
    expect(Array.from(other.test.images)).not.toEqual(Array.from(loaded.test.images));
    // Each class gives round(size / 4) of its images.
    for (let label = 0; label < 10; label++) {
      const size = train.labels.filter((value) => value === label).length;
      expect(loaded.test.labels.filter((value) => value === label).length).toBe(Math.round(size * 0.25));
    }
  });
});
