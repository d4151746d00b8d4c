import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readNpz, writeNpz } from './npy.ts';

/**
 * Decoded images on disk, keyed by the content hash of the files and the decode settings, so a
 * sweep (every run, every `--jobs` worker process, every later `lab run`) decodes a folder once.
 *
 * It lives in the user's cache folder (`$XDG_CACHE_HOME/siamese-lab`, else `~/.cache/siamese-lab`)
 * rather than beside the run database: a key is a content hash, so one entry serves every
 * database, experiment and checkout on the machine, and `results/` keeps only results. The
 * entries are plain .npz files (`pixels`: uint8 [count, rows, cols, channels]; `decoder`), safe
 * to delete at any time. `SIAMESE_LAB_CACHE=<folder>` moves it, `SIAMESE_LAB_CACHE=off` turns it off.
 */
export function defaultCacheDirectory(): string | null {
  const setting = process.env.SIAMESE_LAB_CACHE;
  if (setting === 'off') return null;
  if (setting) return resolve(setting);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'siamese-lab');
}

export interface DecodedPixels {
  /** uint8, [count, rows, cols, channels] row-major. */
  pixels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  channels: number;
  decoder: string;
}

/** The cache key: the files' fingerprint and everything else that decides the decoded bytes. */
export function decodeCacheKey(
  filesSha256: string,
  settings: { size?: readonly number[]; channels: number; decoderVersion: string },
): string {
  const identity = JSON.stringify({
    format: 1,
    files: filesSha256,
    size: settings.size ?? null,
    channels: settings.channels,
    decoder: settings.decoderVersion,
  });
  return createHash('sha256').update(identity).digest('hex');
}

const entryPath = (directory: string, key: string) => join(directory, 'decoded', `${key}.npz`);

/** The cached pixels of `key`, or undefined when absent or unreadable (a damaged entry is a miss, then overwritten). */
export function readDecodeCache(directory: string, key: string, expected: { count: number; channels: number }): DecodedPixels | undefined {
  const path = entryPath(directory, key);
  if (!existsSync(path)) return undefined;
  try {
    const arrays = readNpz(path);
    const pixels = arrays.get('pixels');
    const decoder = arrays.get('decoder');
    if (!pixels || pixels.dtype !== 'uint8' || pixels.shape.length !== 4 || !decoder || decoder.dtype !== 'unicode') return undefined;
    const [count, rows, cols, channels] = pixels.shape;
    if (count !== expected.count || channels !== expected.channels) return undefined;
    return { pixels: pixels.data as Uint8Array, count, rows, cols, channels, decoder: (decoder.data as string[])[0] };
  } catch {
    return undefined;
  }
}

/** Stores decoded pixels (atomically: a reader never sees half an entry); false when the folder is not writable. */
export function writeDecodeCache(directory: string, key: string, decoded: DecodedPixels): boolean {
  try {
    mkdirSync(join(directory, 'decoded'), { recursive: true });
    writeNpz(entryPath(directory, key), {
      pixels: { dtype: 'uint8', shape: [decoded.count, decoded.rows, decoded.cols, decoded.channels], data: decoded.pixels },
      decoder: { dtype: 'unicode', shape: [1], data: [decoded.decoder] },
    });
    return true;
  } catch {
    return false;
  }
}
