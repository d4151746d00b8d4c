import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { LabError } from '@siamese-lab/core';

/**
 * NumPy's .npy and .npz formats (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * a magic string, a version, a header that is a Python dict literal (descr, fortran_order, shape)
 * padded to a multiple of 64 bytes, then the raw elements. An .npz is a zip (stored or deflated)
 * of .npy files, one per array.
 */

/** Element types read and written. `unicode` is NumPy's `<U n` (UTF-32 code points), `bytes` its `|S n`. */
export type NpyDataType =
  'bool' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'uint64' | 'int64' | 'float32' | 'float64' | 'unicode' | 'bytes';

export type NpyNumericData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/**
 * A decoded array in C (row-major) order, whatever order the file used. Numbers come as the typed
 * array of their type (`bool` as 0/1 bytes, 64-bit integers as bigints); `unicode` and `bytes` as
 * strings with NumPy's trailing NULs removed.
 */
export interface NpyArray {
  dtype: NpyDataType;
  shape: number[];
  data: NpyNumericData | string[];
}

interface NumericType {
  dtype: Exclude<NpyDataType, 'unicode' | 'bytes'>;
  kind: string;
  size: number;
}

// NumPy's type characters ('b' bool, 'u' unsigned, 'i' signed, 'f' float) with the item size.
const numericTypes: readonly NumericType[] = [
  { dtype: 'bool', kind: 'b', size: 1 },
  { dtype: 'uint8', kind: 'u', size: 1 },
  { dtype: 'int8', kind: 'i', size: 1 },
  { dtype: 'uint16', kind: 'u', size: 2 },
  { dtype: 'int16', kind: 'i', size: 2 },
  { dtype: 'uint32', kind: 'u', size: 4 },
  { dtype: 'int32', kind: 'i', size: 4 },
  { dtype: 'uint64', kind: 'u', size: 8 },
  { dtype: 'int64', kind: 'i', size: 8 },
  { dtype: 'float32', kind: 'f', size: 4 },
  { dtype: 'float64', kind: 'f', size: 8 },
];

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
// NumPy ≥ 1.23 leaves room for the first axis to grow to 21 digits, so appending can rewrite the header in place.
const GROWTH_AXIS_MAX_DIGITS = 21;

/** What a parsed descr says: the type, its byte order and the item size. */
interface ElementType {
  dtype: NpyDataType;
  littleEndian: boolean;
  itemSize: number;
}

function parseDescr(descr: string, source: string): ElementType {
  const match = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const unusable = (why: string) =>
    new LabError(`unsupported .npy dtype '${descr}': ${why}`, {
      location: source,
      hint: 'save features as float32, float64 or uint8 and labels as integers or strings (np.save(path, array.astype(np.float32)))',
    });
  if (!match) {
    if (descr.startsWith('|O')) throw unusable('an object array (saved with pickling); save string labels with dtype=str');
    throw unusable('not a plain number or string type');
  }
  const [, order, kind, sizeText] = match;
  const size = Number(sizeText);
  // '=' is the writer's native order; every machine NumPy runs on in practice is little-endian.
  const littleEndian = order !== '>';
  if (kind === 'U') return { dtype: 'unicode', littleEndian, itemSize: 4 * size };
  if (kind === 'S') return { dtype: 'bytes', littleEndian, itemSize: size };
  if (kind === 'f' && size === 2) throw unusable('float16 is not read; convert with array.astype(np.float32)');
  if (kind === 'c') throw unusable('complex numbers cannot be features or labels');
  const numeric = numericTypes.find((type) => type.kind === kind && type.size === size);
  if (!numeric) throw unusable(`unknown type character '${kind}' of ${size} byte(s)`);
  return { dtype: numeric.dtype, littleEndian, itemSize: size };
}

function descrOf(dtype: NpyDataType, itemSize: number): string {
  if (dtype === 'unicode') return `<U${itemSize / 4}`;
  if (dtype === 'bytes') return `|S${itemSize}`;
  const numeric = numericTypes.find((type) => type.dtype === dtype)!;
  return `${numeric.size === 1 ? '|' : '<'}${numeric.kind}${numeric.size}`;
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Reads NumPy's header dict, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`. */
function parseHeaderDict(text: string, source: string): NpyHeader {
  const bad = (what: string) => new LabError(`not a valid .npy header (${what}): ${text.trim()}`, { location: source });
  if (/'descr'\s*:\s*\[/.test(text)) {
    throw new LabError('structured .npy arrays (several named fields per element) are not read', {
      location: source,
      hint: 'save the features and the labels as two plain arrays (np.savez(path, features=..., labels=...))',
    });
  }
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortranOrder = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr) throw bad("no 'descr'");
  if (!fortranOrder) throw bad("no 'fortran_order'");
  if (!shape) throw bad("no 'shape'");
  const dims = shape[1]
    .split(',')
    .map((part) => part.trim().replace(/L$/, ''))
    .filter((part) => part.length > 0)
    .map((part) => {
      if (!/^\d+$/.test(part)) throw bad(`shape entry '${part}' is not a whole number`);
      return Number(part);
    });
  return { descr: descr[1], fortranOrder: fortranOrder[1] === 'True', shape: dims };
}

const product = (shape: readonly number[]): number => shape.reduce((total, size) => total * size, 1);

const shapeText = (shape: readonly number[]): string => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

/** Decodes the bytes of one .npy file. `source` names it in error messages (a path, or `file.npz:name.npy`). */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new LabError('not an .npy file: it does not start with \\x93NUMPY', {
      location: source,
      hint: 'write it with numpy.save (np.save(path, array)); text files and pickles are not read',
    });
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major < 1 || major > 3) {
    throw new LabError(`unknown .npy format version ${major}.${bytes[7]} (known: 1.0, 2.0, 3.0)`, { location: source });
  }
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : Infinity;
  const dataOffset = 8 + lengthBytes + headerLength;
  if (dataOffset > bytes.length) {
    throw new LabError(`truncated .npy file: the header needs ${headerLength} bytes, the file ends before that`, {
      location: source,
      hint: 'the file is incomplete; save it again',
    });
  }
  const headerBytes = bytes.subarray(8 + lengthBytes, dataOffset);
  const header = parseHeaderDict(new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes), source);
  const element = parseDescr(header.descr, source);
  const count = product(header.shape);
  const needed = count * element.itemSize;
  const found = bytes.length - dataOffset;
  if (found < needed) {
    throw new LabError(
      `truncated .npy file: shape ${shapeText(header.shape)} of ${header.descr} needs ${needed} bytes of data, found ${found}`,
      { location: source, hint: 'the file is incomplete; save it again' },
    );
  }
  if (found > needed) {
    throw new LabError(
      `the .npy file holds ${found - needed} byte(s) more than its header describes (shape ${shapeText(header.shape)} of ${header.descr})`,
      { location: source, hint: 'were several arrays saved into one file? Keep one array per .npy file, or use np.savez' },
    );
  }
  const payload = bytes.subarray(dataOffset, dataOffset + needed);
  const data = decodeElements(payload, element, count);
  return {
    dtype: element.dtype,
    shape: header.shape,
    data: header.fortranOrder && header.shape.length > 1 ? fortranToC(data, header.shape) : data,
  };
}

function decodeElements(payload: Uint8Array, element: ElementType, count: number): NpyNumericData | string[] {
  if (element.dtype === 'unicode') {
    const strings: string[] = [];
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    for (let i = 0; i < count; i++) {
      const codePoints: number[] = [];
      for (let at = i * element.itemSize; at < (i + 1) * element.itemSize; at += 4) {
        const codePoint = view.getUint32(at, element.littleEndian);
        if (codePoint === 0) break;
        codePoints.push(codePoint);
      }
      strings.push(String.fromCodePoint(...codePoints));
    }
    return strings;
  }
  if (element.dtype === 'bytes') {
    const decoder = new TextDecoder('utf-8');
    const strings: string[] = [];
    for (let i = 0; i < count; i++) {
      const item = payload.subarray(i * element.itemSize, (i + 1) * element.itemSize);
      const end = item.indexOf(0);
      strings.push(decoder.decode(end === -1 ? item : item.subarray(0, end)));
    }
    return strings;
  }
  // A copy into a fresh buffer (not Buffer#slice, which is a view) is aligned for any element size.
  const copy = new Uint8Array(payload);
  if (!element.littleEndian && element.itemSize > 1) {
    for (let at = 0; at < copy.length; at += element.itemSize) copy.subarray(at, at + element.itemSize).reverse();
  }
  const buffer = copy.buffer;
  switch (element.dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint16':
      return new Uint16Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint64':
      return new BigUint64Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
  }
}

/** Reorders a column-major (Fortran) array into row-major order. */
function fortranToC<T extends NpyNumericData | string[]>(data: T, shape: readonly number[]): T {
  const out = (
    Array.isArray(data) ? new Array<string>(data.length) : new (data.constructor as new (length: number) => NpyNumericData)(data.length)
  ) as T;
  const rank = shape.length;
  const fortranStrides = new Array<number>(rank);
  let stride = 1;
  for (let d = 0; d < rank; d++) {
    fortranStrides[d] = stride;
    stride *= shape[d];
  }
  const index = new Array<number>(rank).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let d = 0; d < rank; d++) f += index[d] * fortranStrides[d];
    (out as unknown as unknown[])[c] = (data as unknown as unknown[])[f];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LabError(`${what} file not found`, { location: path, cause: error });
    if (code === 'EISDIR') throw new LabError(`expected ${what} file but found a directory`, { location: path, cause: error });
    throw new LabError(`cannot read ${what} file: ${(error as Error).message}`, { location: path, cause: error });
  }
}

/** Reads one .npy file. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readBytes(path, 'an .npy'), path);
}

/** Reads every array of an .npz file, by name (the member's name without `.npy`), in the zip's order. */
export function readNpz(path: string): Map<string, NpyArray> {
  return parseNpz(readBytes(path, 'an .npz'), path);
}

/** Decodes the bytes of an .npz file (a zip of .npy files, stored or deflated, zip64 or not). */
export function parseNpz(bytes: Uint8Array, source: string): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (const entry of zipEntries(bytes, source)) {
    const name = entry.name.replace(/\.npy$/, '');
    arrays.set(name, parseNpy(entry.read(), `${source}:${entry.name}`));
  }
  return arrays;
}

interface ZipEntry {
  name: string;
  read: () => Uint8Array;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** The entries of a zip, from its central directory (the local headers of a streamed zip may lack the sizes). */
function zipEntries(bytes: Uint8Array, source: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (what: string) =>
    new LabError(`not a readable .npz file: ${what}`, {
      location: source,
      hint: 'write it with np.savez or np.savez_compressed; the file may be incomplete or damaged',
    });
  // The end-of-central-directory record is 22 bytes plus a comment of up to 65,535 bytes.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no zip directory at its end (truncated, or not a zip)');
  let entryCount = view.getUint16(eocd + 10, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (
    (entryCount === 0xffff || directoryOffset === 0xffffffff) &&
    eocd >= 20 &&
    view.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIGNATURE
  ) {
    const zip64 = Number(view.getBigUint64(eocd - 12, true));
    if (zip64 + 56 > bytes.length || view.getUint32(zip64, true) !== ZIP64_EOCD_SIGNATURE) throw corrupt('a broken zip64 directory record');
    entryCount = Number(view.getBigUint64(zip64 + 32, true));
    directoryOffset = Number(view.getBigUint64(zip64 + 48, true));
  }
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < entryCount; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_SIGNATURE)
      throw corrupt(`entry ${i + 1} of ${entryCount} of its directory is damaged`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset = view.getUint32(at + 42, true);
    const name = new TextDecoder('utf-8').decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // Zip64: the fields set to 0xffffffff come, in this order, from the extra field with id 1.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (id === 1) {
        let field = extra + 4;
        const next = () => {
          const value = Number(view.getBigUint64(field, true));
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      extra += 4 + length;
    }
    at = extraEnd + commentLength;
    entries.push({
      name,
      read: () => {
        const member = `${source}:${name}`;
        if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== LOCAL_SIGNATURE) {
          throw corrupt(`the data of ${name} is missing or damaged`);
        }
        const start = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
        if (start + compressedSize > bytes.length) throw corrupt(`${name} is cut short (truncated file)`);
        const stored = bytes.subarray(start, start + compressedSize);
        let content: Uint8Array;
        if (method === 0) content = stored;
        else if (method === 8) {
          try {
            content = inflateRawSync(stored);
          } catch (error) {
            throw new LabError(`corrupt deflated data (${(error as Error).message})`, { location: member, cause: error });
          }
        } else throw corrupt(`${name} uses zip compression method ${method}; only stored (0) and deflated (8) are read`);
        if (content.length !== size || crc32(content) !== crc) throw corrupt(`${name} does not match its checksum (damaged)`);
        return content;
      },
    });
  }
  return entries;
}

function itemSizeOf(array: NpyArray): number {
  if (array.dtype === 'unicode') {
    const strings = array.data as string[];
    // NumPy sizes a str array by its longest element in code points, and at least 1.
    return 4 * Math.max(1, ...strings.map((text) => [...text].length));
  }
  if (array.dtype === 'bytes') {
    const strings = array.data as string[];
    return Math.max(1, ...strings.map((text) => new TextEncoder().encode(text).length));
  }
  return numericTypes.find((type) => type.dtype === array.dtype)!.size;
}

/** The header NumPy's `np.save` writes for this array (format 1.0, or 2.0 when it does not fit in 65,535 bytes). */
function encodeHeader(descr: string, shape: readonly number[]): Uint8Array {
  const shapeRepr = shape.length === 0 ? '()' : shapeText(shape);
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  for (const major of [1, 2]) {
    const lengthBytes = major === 1 ? 2 : 4;
    const unpadded = MAGIC.length + 2 + lengthBytes + dict.length + 1;
    // As NumPy computes it: an already aligned header still gets a full 64 bytes of padding.
    const padding = ARRAY_ALIGN - (unpadded % ARRAY_ALIGN);
    const headerLength = dict.length + padding + 1;
    if (major === 1 && headerLength > 0xffff) continue;
    const out = new Uint8Array(MAGIC.length + 2 + lengthBytes + headerLength);
    out.set(MAGIC, 0);
    out[6] = major;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (major === 1) view.setUint16(8, headerLength, true);
    else view.setUint32(8, headerLength, true);
    const text = dict + ' '.repeat(padding) + '\n';
    for (let i = 0; i < text.length; i++) out[8 + lengthBytes + i] = text.charCodeAt(i);
    return out;
  }
  throw new Error('unreachable: a format 2.0 header always fits');
}

type TypedArrayClass = abstract new (...args: never[]) => NpyNumericData;

const typedArrayClasses: Readonly<Record<Exclude<NpyDataType, 'unicode' | 'bytes'>, TypedArrayClass>> = {
  bool: Uint8Array,
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  uint64: BigUint64Array,
  int64: BigInt64Array,
  float32: Float32Array,
  float64: Float64Array,
};

/**
 * The bytes `np.save` writes for this array (C order, little-endian): the same header, padding
 * and payload, byte for byte. `data` must be the typed array of `dtype` (bigints for 64-bit
 * integers), or strings for `unicode` / `bytes`.
 */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = product(array.shape);
  if (array.data.length !== count) {
    throw new Error(`encodeNpy: shape ${shapeText(array.shape)} has ${count} elements but the data has ${array.data.length}`);
  }
  const isString = array.dtype === 'unicode' || array.dtype === 'bytes';
  const expected = isString ? Array : typedArrayClasses[array.dtype as keyof typeof typedArrayClasses];
  if (!(array.data instanceof expected)) {
    throw new Error(`encodeNpy: ${array.dtype} data must be a ${expected.name}, got a ${array.data.constructor.name}`);
  }
  const itemSize = itemSizeOf(array);
  const header = encodeHeader(descrOf(array.dtype, itemSize), array.shape);
  const out = new Uint8Array(header.length + count * itemSize);
  out.set(header, 0);
  if (array.dtype === 'unicode') {
    const view = new DataView(out.buffer);
    (array.data as string[]).forEach((text, i) => {
      let at = header.length + i * itemSize;
      for (const character of text) {
        view.setUint32(at, character.codePointAt(0)!, true);
        at += 4;
      }
    });
  } else if (array.dtype === 'bytes') {
    (array.data as string[]).forEach((text, i) => out.set(new TextEncoder().encode(text), header.length + i * itemSize));
  } else {
    // Typed arrays are little-endian on every platform Node runs on, as NumPy writes them.
    const data = array.data as NpyNumericData;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  }
  return out;
}

/** Writes an array as an .npy file, atomically (a temporary file renamed into place). */
export function writeNpy(path: string, array: NpyArray): void {
  writeAtomically(path, encodeNpy(array));
}

type NamedArrays = ReadonlyMap<string, NpyArray> | Record<string, NpyArray>;

/**
 * A zip of the arrays as `<name>.npy` members, readable by `np.load`: stored like `np.savez`, or
 * deflated like `np.savez_compressed` (without their zip64 extras, which only matter past 4 GB).
 */
export function encodeNpz(arrays: NamedArrays, options: { compressed?: boolean } = {}): Uint8Array {
  const entries: Array<[string, NpyArray]> =
    arrays instanceof Map ? [...(arrays as ReadonlyMap<string, NpyArray>).entries()] : Object.entries(arrays as Record<string, NpyArray>);
  const members = entries.map(([name, array]) => {
    const content = encodeNpy(array);
    return {
      name: new TextEncoder().encode(`${name}.npy`),
      crc: crc32(content),
      size: content.length,
      stored: options.compressed ? deflateRawSync(content) : content,
    };
  });
  const method = options.compressed ? 8 : 0;
  const localSize = members.reduce((total, member) => total + 30 + member.name.length + member.stored.length, 0);
  const centralSize = members.reduce((total, member) => total + 46 + member.name.length, 0);
  const out = new Uint8Array(localSize + centralSize + 22);
  const view = new DataView(out.buffer);
  // The fields a local header and its directory entry share, at their offsets in each.
  const common = (at: number, member: (typeof members)[number]) => {
    view.setUint16(at, 20, true); // version needed: 2.0
    view.setUint16(at + 4, method, true);
    view.setUint16(at + 8, 0x21, true); // date 1980-01-01, zip's zero
    view.setUint32(at + 10, member.crc, true);
    view.setUint32(at + 14, member.stored.length, true);
    view.setUint32(at + 18, member.size, true);
    view.setUint16(at + 22, member.name.length, true);
  };
  const offsets: number[] = [];
  let at = 0;
  for (const member of members) {
    offsets.push(at);
    view.setUint32(at, LOCAL_SIGNATURE, true);
    common(at + 4, member);
    out.set(member.name, at + 30);
    out.set(member.stored, at + 30 + member.name.length);
    at += 30 + member.name.length + member.stored.length;
  }
  const directoryOffset = at;
  members.forEach((member, i) => {
    view.setUint32(at, CENTRAL_SIGNATURE, true);
    view.setUint16(at + 4, 20, true); // made by: version 2.0
    common(at + 6, member);
    view.setUint32(at + 42, offsets[i], true);
    out.set(member.name, at + 46);
    at += 46 + member.name.length;
  });
  view.setUint32(at, EOCD_SIGNATURE, true);
  view.setUint16(at + 8, members.length, true);
  view.setUint16(at + 10, members.length, true);
  view.setUint32(at + 12, centralSize, true);
  view.setUint32(at + 16, directoryOffset, true);
  return out;
}

/** Writes arrays as an .npz file, atomically. */
export function writeNpz(path: string, arrays: NamedArrays, options: { compressed?: boolean } = {}): void {
  writeAtomically(path, encodeNpz(arrays, options));
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new LabError(`cannot write ${path}: ${(error as Error).message}`, { location: path, cause: error });
  }
}

/** The elements of an integer, bool or float array as JavaScript numbers (64-bit integers must fit in 2^53). */
export function npyNumbers(array: NpyArray, source: string): Float64Array {
  if (Array.isArray(array.data)) throw new LabError(`expected numbers, found ${array.dtype} strings`, { location: source });
  const data = array.data;
  const out = new Float64Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new LabError(`element ${i} (${value}) is too large to be read exactly`, { location: source });
      }
      out[i] = Number(value);
    }
  } else out.set(data);
  return out;
}
