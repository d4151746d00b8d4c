import type { StoredCheckpoint } from './records.ts';

/** How typed arrays are stored as BLOBs: their bytes as they lie in memory (little-endian here). */

/** A view of the array's own bytes (no copy). */
export const bytesOf = (values: ArrayBufferView): Buffer => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

/** A copy of a BLOB's bytes in a fresh ArrayBuffer, aligned for any typed array. */
export const blobCopy = (blob: Buffer): ArrayBuffer => blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength) as ArrayBuffer;

/** One entry per tensor, in order: how to cut the packed weights back into tensors. */
export interface CheckpointManifestEntry {
  name: string;
  shape: number[];
  length: number;
}

/** A checkpoint as stored: every tensor's values one after another in one Float32Array, and the manifest. */
export function packCheckpoint(checkpoint: StoredCheckpoint): { manifest: CheckpointManifestEntry[]; weights: Float32Array } {
  const manifest = checkpoint.tensors.map(({ name, shape, values }) => ({ name, shape, length: values.length }));
  const total = manifest.reduce((sum, entry) => sum + entry.length, 0);
  const weights = new Float32Array(total);
  let offset = 0;
  for (const tensor of checkpoint.tensors) {
    weights.set(tensor.values, offset);
    offset += tensor.values.length;
  }
  return { manifest, weights };
}

export function unpackCheckpoint(manifest: CheckpointManifestEntry[], weights: Float32Array): StoredCheckpoint {
  let offset = 0;
  return {
    tensors: manifest.map((entry) => {
      const values = weights.slice(offset, offset + entry.length);
      offset += entry.length;
      return { name: entry.name, shape: entry.shape, values };
    }),
  };
}
