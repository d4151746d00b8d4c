import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '@siamese-lab/core';
import { bytesToUnitFloats, type Dataset } from './dataset.ts';
import { decodeCacheKey, defaultCacheDirectory, readDecodeCache, writeDecodeCache, type DecodedPixels } from './decode-cache.ts';
import { digestFile, fingerprintOf, sha256Of, type DataFingerprint, type FileDigest } from './fingerprint.ts';
import type { TrainTest } from './mnist.ts';

/** What a source gives: its own train/test split, or every item for a declared split to divide. */
export interface LoadedSource {
  data: TrainTest | { all: Dataset };
  fingerprint: DataFingerprint;
  /** What a user gives to get the sets' values (a stored model's preprocessing repeats it). */
  inputs: InputEncoding;
}

export type Normalization = 'unit' | { mean: readonly number[]; std: readonly number[] };

/**
 * How a source's floats come from what a user holds: `bytes` are pixel values 0-255 scaled to
 * [0, 1] (and then normalised per channel when `normalize` says so); `values` are feature values
 * taken as they are (float arrays).
 */
export type InputEncoding = { kind: 'bytes'; normalize: Normalization } | { kind: 'values' };

export interface ImageFolderOptions {
  /** The folder of class folders (`<class>/<image>`), or of `train/` and `test/` folders of class folders. */
  directory: string;
  /** [rows, cols] to resize every image to; without it every image must have the first one's size. */
  size?: readonly [number, number] | readonly number[];
  /** 1: grayscale, 3: RGB. */
  channels: number;
  normalize: Normalization;
  /** Folder of the decode cache; null turns it off; default `defaultCacheDirectory()`. */
  cacheDirectory?: string | null;
}

/** The image files read, as torchvision's ImageFolder would list them (PNG and JPEG here). */
const imageExtensions = new Set(['.png', '.jpg', '.jpeg']);

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function subfolders(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter(
      (entry) =>
        !entry.name.startsWith('.') &&
        (entry.isDirectory() || (entry.isSymbolicLink() && statSync(join(folder, entry.name)).isDirectory())),
    )
    .map((entry) => entry.name)
    .sort(byName);
}

/** Image files under a class folder, at any depth, sorted by their path (ImageFolder's order); hidden entries are skipped. */
function imagesUnder(folder: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && statSync(path).isDirectory());
      if (isDirectory) walk(path);
      else if (imageExtensions.has(extname(entry.name).toLowerCase())) found.push(path);
    }
  };
  walk(folder);
  return found.sort(byName);
}

interface ClassFolders {
  classNames: string[];
  files: string[];
  labels: Uint8Array;
}

/** Lists `<folder>/<class>/<image>`: classes sorted by name, labels their index. */
function listClassFolders(folder: string): ClassFolders {
  const classNames = subfolders(folder);
  if (classNames.length === 0) {
    throw new LabError('the image folder holds no class folders', {
      location: folder,
      hint: 'put each class in its own folder: <folder>/<class>/<image>.png (or .jpg), e.g. digits/3/0001.png',
    });
  }
  if (classNames.length > 256) {
    throw new LabError(`the image folder holds ${classNames.length} class folders; at most 256 classes are supported`, {
      location: folder,
    });
  }
  const files: string[] = [];
  const labels: number[] = [];
  classNames.forEach((name, label) => {
    const images = imagesUnder(join(folder, name));
    if (images.length === 0) {
      throw new LabError(`the class folder \`${name}\` holds no PNG or JPEG images`, {
        location: join(folder, name),
        hint: 'add images (.png, .jpg, .jpeg) to it, or remove the folder',
      });
    }
    files.push(...images);
    for (let i = 0; i < images.length; i++) labels.push(label);
  });
  return { classNames, files, labels: Uint8Array.from(labels) };
}

/** The version of sharp that would decode, without loading its native library (a cache hit never needs it). */
function sharpVersion(): string {
  try {
    // sharp's exports do not include its package.json: it sits one folder above the entry point.
    const entry = createRequire(import.meta.url).resolve('sharp');
    return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

const decodeScript = fileURLToPath(new URL('../scripts/decode-images.mjs', import.meta.url));

interface DecodeResult {
  rows?: number;
  cols?: number;
  channels?: number;
  decoder?: string;
  error?: { file: string | null; message: string; mixedSizes: boolean };
}

/**
 * Decodes the files with sharp in a child process: the loaders are synchronous, sharp is not.
 * A bad file is a LabError naming it.
 */
function decodeImages(files: readonly string[], size: readonly number[] | undefined, channels: number): DecodedPixels {
  const scratch = mkdtempSync(join(tmpdir(), 'siamese-decode-'));
  try {
    const output = join(scratch, 'pixels');
    const child = spawnSync(process.execPath, [decodeScript], {
      input: JSON.stringify({ files, size: size ?? null, channels, output }),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const lastLine = child.stdout?.trim().split('\n').pop() ?? '';
    let result: DecodeResult;
    try {
      result = JSON.parse(lastLine) as DecodeResult;
    } catch {
      throw new Error(
        `the image decoder (${decodeScript}) ended without a result (status ${child.status}, signal ${child.signal}): ${child.stderr}`,
      );
    }
    if (result.error) {
      const { file, mixedSizes } = result.error;
      // libvips reports one line per problem: one paragraph for the CLI.
      const message = result.error.message.trim().replace(/\s*\n\s*/g, '; ');
      if (file === null) throw new LabError(message, { hint: 'run `pnpm install`: sharp ships its own libvips in its npm packages' });
      if (mixedSizes) {
        throw new LabError(message, {
          location: file,
          field: 'data.image.size',
          hint: 'set data.image.size: [rows, cols] to resize every image to one size',
        });
      }
      throw new LabError(`cannot decode the image: ${message}`, {
        location: file,
        hint: 'the file is corrupt, truncated or not a PNG or JPEG image: replace it, or move it out of the folder',
      });
    }
    const pixels = new Uint8Array(readFileSync(output));
    const expected = files.length * result.rows! * result.cols! * channels;
    if (pixels.length !== expected) throw new Error(`the image decoder wrote ${pixels.length} bytes, expected ${expected}`);
    return { pixels, count: files.length, rows: result.rows!, cols: result.cols!, channels, decoder: result.decoder! };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Pixels as the model's floats: `unit` exactly as the IDX loader scales bytes, or torchvision's (x - mean) / std per channel in float32. */
export function normalizePixels(pixels: Uint8Array, channels: number, normalize: Normalization): Float32Array {
  return normalizeUnitFloats(bytesToUnitFloats(pixels), channels, normalize);
}

/**
 * Values already in [0, 1] (HWC, `channels` per pixel), normalised in place as `normalize` says:
 * unchanged for `unit`, else torchvision's (x - mean) / std per channel in float32. A stored
 * model's preprocessing calls it too, so both compute the same floats.
 */
export function normalizeUnitFloats(unit: Float32Array, channels: number, normalize: Normalization): Float32Array {
  if (normalize === 'unit') return unit;
  const mean = normalize.mean.map(Math.fround);
  const std = normalize.std.map(Math.fround);
  for (let i = 0; i < unit.length; i++) {
    const channel = i % channels;
    unit[i] = Math.fround(unit[i] - mean[channel]) / std[channel];
  }
  return unit;
}

/** The dataset of `labels.length` decoded images from image `first` on. */
function buildDataset(
  name: string,
  decoded: DecodedPixels,
  first: number,
  labels: Uint8Array,
  classNames: string[],
  normalize: Normalization,
): Dataset {
  const size = decoded.rows * decoded.cols * decoded.channels;
  return {
    name,
    images: normalizePixels(decoded.pixels.subarray(first * size, (first + labels.length) * size), decoded.channels, normalize),
    labels: new Uint8Array(labels),
    count: labels.length,
    rows: decoded.rows,
    cols: decoded.cols,
    channels: decoded.channels,
    classes: classNames.length,
    classNames: [...classNames],
  };
}

// Loaded folders by path and settings: a sweep asks for the same folder once per run.
const loaded = new Map<string, LoadedSource>();

/**
 * A folder of images by class, like torchvision's ImageFolder: `<directory>/<class>/<image>`,
 * classes sorted by name and numbered in that order, images sorted by path. A folder holding
 * exactly `train/` and `test/` (each of class folders, with the same classes) has its own split.
 * Decoded pixels are cached on disk by the files' content hash (see decode-cache.ts).
 */
export function loadImageFolder(options: ImageFolderOptions): LoadedSource {
  const cacheDirectory = options.cacheDirectory === undefined ? defaultCacheDirectory() : options.cacheDirectory;
  const memoKey = JSON.stringify([options.directory, options.size ?? null, options.channels, options.normalize, cacheDirectory]);
  const known = loaded.get(memoKey);
  if (known) return known;
  const { directory, channels, normalize } = options;
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new LabError(existsSync(directory) ? 'expected a folder of class folders, found a file' : 'image folder not found', {
      location: directory,
      hint: 'data.directory is relative to the experiment file; it holds one folder per class: <class>/<image>.png',
    });
  }
  const top = subfolders(directory);
  const ownSplit = top.length === 2 && top[0] === 'test' && top[1] === 'train';
  const parts = ownSplit
    ? [listClassFolders(join(directory, 'train')), listClassFolders(join(directory, 'test'))]
    : [listClassFolders(directory)];
  if (ownSplit && parts[0].classNames.join('\0') !== parts[1].classNames.join('\0')) {
    const [train, test] = parts;
    const missing = train.classNames.find((name) => !test.classNames.includes(name));
    const extra = test.classNames.find((name) => !train.classNames.includes(name));
    throw new LabError(
      missing !== undefined
        ? `class \`${missing}\` has a folder in train/ but none in test/`
        : `class \`${extra}\` has a folder in test/ but none in train/`,
      { location: join(directory, missing !== undefined ? 'test' : 'train'), hint: 'train/ and test/ must hold the same class folders' },
    );
  }
  const files = parts.flatMap((part) => part.files);
  const digests: FileDigest[] = files.map((file) => digestFile(relative(directory, file).split(sep).join('/'), readFileSync(file)));
  const fingerprint = fingerprintOf(digests);
  const key = decodeCacheKey(fingerprint.sha256, { size: options.size, channels, decoderVersion: sharpVersion() });
  let decoded = cacheDirectory === null ? undefined : readDecodeCache(cacheDirectory, key, { count: files.length, channels });
  let cache: DataFingerprint['cache'] = decoded ? 'hit' : 'miss';
  if (!decoded) {
    decoded = decodeImages(files, options.size, channels);
    if (cacheDirectory === null || !writeDecodeCache(cacheDirectory, key, decoded)) cache = 'off';
  }
  const name = basename(directory);
  const recorded: DataFingerprint = { ...fingerprint, pixels: sha256Of(decoded.pixels), decoder: decoded.decoder, cache };
  const [first, second] = parts;
  const result: LoadedSource = {
    data: second
      ? {
          train: buildDataset(`${name}-train`, decoded, 0, first.labels, first.classNames, normalize),
          test: buildDataset(`${name}-test`, decoded, first.files.length, second.labels, second.classNames, normalize),
        }
      : { all: buildDataset(name, decoded, 0, first.labels, first.classNames, normalize) },
    fingerprint: recorded,
    inputs: { kind: 'bytes', normalize },
  };
  loaded.set(memoKey, result);
  return result;
}
