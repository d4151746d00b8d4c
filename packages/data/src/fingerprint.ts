import { createHash } from 'node:crypto';

/**
 * A content hash of what a run's data was read from, recorded in its provenance: two runs with
 * the same fingerprint read the same bytes (file names, sizes and contents), so `lab check` can
 * say when a run's data differ from its baseline's.
 */
export interface DataFingerprint {
  /** SHA-256 (hex) over each file's name (relative to the source's folder), size and SHA-256, in reading order. */
  sha256: string;
  files: number;
  bytes: number;
  /** image_folder: SHA-256 of the decoded pixels (before normalisation); changes with the decoder even when the files do not. */
  pixels?: string;
  /** image_folder: what decoded the images (sharp and libvips versions). */
  decoder?: string;
  /** image_folder: whether the decoded pixels came from the decode cache (`off` when it is disabled or unwritable). */
  cache?: 'hit' | 'miss' | 'off';
}

/** One file of a source: its name relative to the source's folder, its size and the SHA-256 of its content. */
export interface FileDigest {
  name: string;
  size: number;
  sha256: string;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function digestFile(name: string, bytes: Uint8Array): FileDigest {
  return { name, size: bytes.length, sha256: sha256Of(bytes) };
}

/** The fingerprint of files in the order they were read (the order is part of the content: it is the dataset's order). */
export function fingerprintOf(files: readonly FileDigest[]): DataFingerprint {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    hash.update(`${file.name}\0${file.size}\0${file.sha256}\n`);
    bytes += file.size;
  }
  return { sha256: hash.digest('hex'), files: files.length, bytes };
}
