import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { encodeIdx, parseIdx, readIdx, type IdxArray } from '../src/index.ts';
import { thrown } from './helpers.ts';

const directory = mkdtempSync(join(tmpdir(), 'siamese-idx-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function writeFixture(name: string, bytes: Uint8Array): string {
  const path = join(directory, name);
  writeFileSync(path, bytes);
  return path;
}

const samples: IdxArray[] = [
  { dataType: 'uint8', dims: [2, 3], data: Uint8Array.from([0, 1, 2, 128, 254, 255]) },
  { dataType: 'int8', dims: [4], data: Int8Array.from([-128, -1, 0, 127]) },
  { dataType: 'int16', dims: [2, 2], data: Int16Array.from([-32768, -2, 258, 32767]) },
  { dataType: 'int32', dims: [1, 1, 3], data: Int32Array.from([-2147483648, 65536, 2147483647]) },
  { dataType: 'float32', dims: [3], data: Float32Array.from([1.5, -0.25, 3.4028234663852886e38]) },
  { dataType: 'float64', dims: [1, 2, 1, 1], data: Float64Array.from([Math.PI, -1e-300]) },
];

describe('readIdx', () => {
  for (const sample of samples) {
    it(`reads ${sample.dataType} raw and gzip-compressed`, () => {
      const bytes = encodeIdx(sample);
      // The gzip file gets a misleading name: compression is detected from the bytes, not the extension.
      for (const path of [writeFixture(`${sample.dataType}.idx`, bytes), writeFixture(`${sample.dataType}-gz.idx`, gzipSync(bytes))]) {
        const array = readIdx(path);
        expect(array.dataType).toBe(sample.dataType);
        expect(array.dims).toEqual(sample.dims);
        expect(array.data.constructor).toBe(sample.data.constructor);
        expect(Array.from(array.data)).toEqual(Array.from(sample.data));
      }
    });
  }

  it('decodes hand-written big-endian bytes', () => {
    const int16 = Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
    expect(Array.from(parseIdx(int16, 'int16').data)).toEqual([258, -2]);
    const float32 = Uint8Array.from([0, 0, 0x0d, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0]);
    const parsed = parseIdx(float32, 'float32');
    expect(parsed.dims).toEqual([1, 1]);
    expect(Array.from(parsed.data)).toEqual([1]);
  });

  it('reads an empty array with a zero dimension', () => {
    const array = parseIdx(encodeIdx({ dataType: 'uint8', dims: [0, 28, 28], data: new Uint8Array(0) }), 'empty');
    expect(array.dims).toEqual([0, 28, 28]);
    expect(array.data.length).toBe(0);
  });

  const describeError = (fn: () => unknown) => {
    const error = thrown(fn);
    expect(error).toBeInstanceOf(LabError);
    return error as LabError;
  };

  it('rejects a wrong magic number, showing the bytes found', () => {
    const path = writeFixture('png.idx', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    const error = describeError(() => readIdx(path));
    expect(error.location).toBe(path);
    expect(error.message).toContain('wrong magic number');
    expect(error.message).toContain('89 50 4e 47');
    expect(describeError(() => parseIdx(Uint8Array.from([0, 0, 8, 0]), 'zero-dims')).message).toContain('00 00 08 00');
    expect(describeError(() => parseIdx(Uint8Array.from([0, 0, 8, 5]), 'five-dims')).message).toContain('wrong magic');
    expect(describeError(() => parseIdx(Uint8Array.from([0, 0]), 'tiny')).message).toContain('too short');
  });

  it('rejects an unknown type code', () => {
    const error = describeError(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 1, 7]), 'odd-type'));
    expect(error.location).toBe('odd-type');
    expect(error.message).toContain('unknown IDX type code 0x0a');
  });

  it('rejects a truncated file with the expected and found data sizes', () => {
    const bytes = encodeIdx({ dataType: 'int32', dims: [3], data: Int32Array.from([1, 2, 3]) });
    const path = writeFixture('truncated.idx', bytes.subarray(0, bytes.length - 5));
    const error = describeError(() => readIdx(path));
    expect(error.location).toBe(path);
    expect(error.message).toContain('truncated');
    expect(error.message).toContain('need 12 bytes of data, found 7');
    expect(describeError(() => parseIdx(bytes.subarray(0, 6), 'short-header')).message).toContain('truncated IDX header');
  });

  it('rejects trailing bytes', () => {
    const bytes = encodeIdx({ dataType: 'uint8', dims: [2], data: Uint8Array.from([1, 2]) });
    const path = writeFixture('trailing.idx', Uint8Array.from([...bytes, 9, 9, 9]));
    const error = describeError(() => readIdx(path));
    expect(error.location).toBe(path);
    expect(error.message).toContain('3 trailing byte(s)');
  });

  it('reports a missing file with a hint', () => {
    const path = join(directory, 'nope.idx');
    const error = describeError(() => readIdx(path));
    expect(error.location).toBe(path);
    expect(error.message).toContain('not found');
    expect(error.hint).toBeTruthy();
    const folder = join(directory, 'a-folder');
    mkdirSync(folder);
    expect(describeError(() => readIdx(folder)).message).toContain('directory');
  });

  it('reports corrupt gzip data', () => {
    const gz = gzipSync(encodeIdx(samples[0]));
    const truncated = writeFixture('cut.gz', gz.subarray(0, gz.length - 6));
    const garbage = writeFixture('garbage.gz', Uint8Array.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8]));
    for (const path of [truncated, garbage]) {
      const error = describeError(() => readIdx(path));
      expect(error.location).toBe(path);
      expect(error.message).toContain('corrupt gzip');
    }
  });
});
