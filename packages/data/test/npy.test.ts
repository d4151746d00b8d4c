import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { encodeNpy, encodeNpz, parseNpy, parseNpz, readNpy, readNpz, writeNpy, writeNpz, type NpyArray } from '../src/index.ts';
import { thrown } from './helpers.ts';

const directory = mkdtempSync(join(tmpdir(), 'siamese-npy-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The arrays of the fixtures, as NumPy builds them (PYTHON_ARRAYS) and as this reader must return them. */
const samples: Record<string, NpyArray> = {
  float32: { dtype: 'float32', shape: [2, 3], data: Float32Array.from([0, 1.5, -2.25, 3.4028234663852886e38, 1.401298464324817e-45, -0]) },
  float64: { dtype: 'float64', shape: [2, 2, 1], data: Float64Array.from([Math.PI, -1e-300, 1e300, 0.1]) },
  uint8: { dtype: 'uint8', shape: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 21) },
  int32: { dtype: 'int32', shape: [4], data: Int32Array.from([-2147483648, -1, 0, 2147483647]) },
  int64: { dtype: 'int64', shape: [5], data: BigInt64Array.from([-(2n ** 53n) + 1n, -1n, 0n, 7n, 2n ** 53n - 1n]) },
  unicode: { dtype: 'unicode', shape: [5], data: ['cat', 'dog', 'horse', '', '\u00e9\u2713\u{1d11e}'] },
  bool: { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) },
  scalar: { dtype: 'float64', shape: [], data: Float64Array.from([2.5]) },
  empty: { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
  long: { dtype: 'uint8', shape: [10000, 1], data: new Uint8Array(10000) },
};

const PYTHON_ARRAYS = `
import numpy as np
arrays = {
    'float32': np.array([[0, 1.5, -2.25], [3.4028234663852886e38, 1.401298464324817e-45, -0.0]], dtype=np.float32),
    'float64': np.array([np.pi, -1e-300, 1e300, 0.1]).reshape(2, 2, 1),
    'uint8': (np.arange(12, dtype=np.uint8) * 21).reshape(3, 2, 2),
    'int32': np.array([-2147483648, -1, 0, 2147483647], dtype=np.int32),
    'int64': np.array([-(2**53) + 1, -1, 0, 7, 2**53 - 1], dtype=np.int64),
    'unicode': np.array(['cat', 'dog', 'horse', '', '\\u00e9\\u2713\\U0001d11e']),
    'bool': np.array([True, False, True]),
    'scalar': np.array(2.5),
    'empty': np.zeros((0, 4), dtype=np.float32),
    'long': np.zeros((10000, 1), dtype=np.uint8),
}
`;

/** Runs a Python snippet with NumPy; undefined when python3 or NumPy is missing (the tests then use hand-written bytes). */
function python(script: string, ...args: string[]): string | undefined {
  const result = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf-8' });
  if (result.error || result.status !== 0) {
    if (result.stderr?.includes('No module named') || result.error) return undefined;
    throw new Error(`python3 failed: ${result.stderr}`);
  }
  return result.stdout;
}

const numpyPresent = python('import numpy') !== undefined;

const plain = (array: NpyArray) => ({ dtype: array.dtype, shape: array.shape, data: Array.from(array.data as ArrayLike<unknown>) });

describe('writeNpy and readNpy', () => {
  it('round-trips every supported type', () => {
    for (const [name, sample] of Object.entries(samples)) {
      const path = join(directory, `round-${name}.npy`);
      writeNpy(path, sample);
      expect(plain(readNpy(path)), name).toEqual(plain(sample));
    }
  });

  it('writes the header NumPy writes: magic, version 1.0, the dict padded with spaces to 64 bytes and a newline', () => {
    // np.save(f, np.zeros((2, 3), np.float32)) with NumPy 1.26, byte for byte.
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const header = '\x93NUMPY\x01\x00\x76\x00' + dict + ' '.repeat(128 - 10 - dict.length - 1) + '\n';
    const bytes = encodeNpy({ dtype: 'float32', shape: [2, 3], data: new Float32Array(6) });
    expect(bytes.length).toBe(128 + 24);
    expect(Buffer.from(bytes.subarray(0, 128)).toString('latin1')).toBe(header);
    // A 1-D shape is written with its trailing comma, as Python's repr of a tuple.
    const oneD = encodeNpy({ dtype: 'int64', shape: [3], data: new BigInt64Array(3) });
    expect(Buffer.from(oneD.subarray(10, 80)).toString('latin1')).toContain("'shape': (3,), }");
    expect(Buffer.from(oneD.subarray(10, 20)).toString('latin1')).toBe("{'descr': ");
    expect(oneD[127]).toBe(0x0a);
  });

  it.runIf(numpyPresent)('writes the bytes np.save writes, and reads what NumPy wrote', () => {
    python(
      `${PYTHON_ARRAYS}
import os, sys
d = sys.argv[1]
for name, array in arrays.items():
    np.save(os.path.join(d, 'numpy-' + name + '.npy'), array)
np.savez(os.path.join(d, 'numpy-plain.npz'), features=arrays['float32'], labels=arrays['int64'])
np.savez_compressed(os.path.join(d, 'numpy-compressed.npz'), features=arrays['uint8'], labels=arrays['unicode'])
`,
      directory,
    );
    for (const [name, sample] of Object.entries(samples)) {
      const numpyBytes = readFileSync(join(directory, `numpy-${name}.npy`));
      expect(Buffer.from(encodeNpy(sample)).equals(numpyBytes), `${name}: the same bytes as np.save`).toBe(true);
      expect(plain(parseNpy(numpyBytes, name)), name).toEqual(plain(sample));
    }
    const stored = readNpz(join(directory, 'numpy-plain.npz'));
    expect([...stored.keys()]).toEqual(['features', 'labels']);
    expect(plain(stored.get('features')!)).toEqual(plain(samples.float32));
    expect(plain(stored.get('labels')!)).toEqual(plain(samples.int64));
    const deflated = readNpz(join(directory, 'numpy-compressed.npz'));
    expect(plain(deflated.get('features')!)).toEqual(plain(samples.uint8));
    expect(plain(deflated.get('labels')!)).toEqual(plain(samples.unicode));
  });

  it.runIf(numpyPresent)('writes .npz files np.load reads, stored and deflated', () => {
    writeNpz(join(directory, 'ours-plain.npz'), samples);
    writeNpz(join(directory, 'ours-compressed.npz'), samples, { compressed: true });
    const out = python(
      `${PYTHON_ARRAYS}
import sys
for path in sys.argv[1:]:
    with np.load(path) as archive:
        assert list(archive.keys()) == list(arrays.keys()), archive.keys()
        for name, array in arrays.items():
            got = archive[name]
            assert got.dtype == array.dtype and got.shape == array.shape, (name, got.dtype, got.shape)
            assert np.array_equal(got, array), name
print('ok')
`,
      join(directory, 'ours-plain.npz'),
      join(directory, 'ours-compressed.npz'),
    );
    expect(out?.trim()).toBe('ok');
  });

  it.runIf(numpyPresent)('reads Fortran-ordered and big-endian arrays in C order', () => {
    python(
      `import numpy as np, os, sys
np.save(os.path.join(sys.argv[1], 'fortran.npy'), np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)))
np.save(os.path.join(sys.argv[1], 'bigendian.npy'), np.array([[1.5, -2], [3, 4]], dtype='>f8'))
`,
      directory,
    );
    const fortran = readNpy(join(directory, 'fortran.npy'));
    expect(fortran.shape).toEqual([2, 3, 4]);
    expect(Array.from(fortran.data as Float32Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(plain(readNpy(join(directory, 'bigendian.npy')))).toEqual({ dtype: 'float64', shape: [2, 2], data: [1.5, -2, 3, 4] });
  });
});

describe('readNpz', () => {
  it('reads stored and deflated archives written by encodeNpz', () => {
    for (const compressed of [false, true]) {
      const arrays = parseNpz(encodeNpz({ features: samples.float64, labels: samples.unicode }, { compressed }), 'x.npz');
      expect([...arrays.keys()]).toEqual(['features', 'labels']);
      expect(plain(arrays.get('features')!)).toEqual(plain(samples.float64));
      expect(plain(arrays.get('labels')!)).toEqual(plain(samples.unicode));
    }
  });

  it('reads a Fortran-ordered array from hand-written bytes', () => {
    const dict = "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }";
    const header = Buffer.from('\x93NUMPY\x01\x00\x76\x00' + dict.padEnd(128 - 10 - 1, ' ') + '\n', 'latin1');
    const column = Int32Array.from([0, 3, 1, 4, 2, 5]); // column-major of [[0, 1, 2], [3, 4, 5]]
    const bytes = Buffer.concat([header, Buffer.from(column.buffer)]);
    expect(bytes.length).toBe(128 + 24);
    expect(Array.from(parseNpy(bytes, 'f.npy').data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('bad .npy and .npz files', () => {
  const message = (fn: () => unknown) => {
    const error = thrown(fn);
    expect(error).toBeInstanceOf(LabError);
    return (error as LabError).describe();
  };
  const good = encodeNpy(samples.float32);

  it('names the file and what is wrong', () => {
    expect(message(() => readNpy(join(directory, 'missing.npy')))).toMatch(/missing\.npy: an \.npy file not found/);
    expect(message(() => parseNpy(Buffer.from('features,label\n1,2\n'), 'table.npy'))).toMatch(/table\.npy: not an \.npy file/);
    expect(message(() => parseNpy(good.subarray(0, good.length - 5), 'cut.npy'))).toMatch(
      /cut\.npy: truncated \.npy file: shape \(2, 3\) of <f4 needs 24 bytes of data, found 19/,
    );
    expect(message(() => parseNpy(good.subarray(0, 60), 'head.npy'))).toMatch(/head\.npy: truncated \.npy file: the header/);
    expect(message(() => parseNpy(Buffer.concat([good, good]), 'twice.npy'))).toMatch(
      /twice\.npy: the \.npy file holds 152 byte\(s\) more/,
    );
  });

  it('refuses dtypes it cannot use, saying which', () => {
    const withDescr = (descr: string) => {
      const bytes = Buffer.from(encodeNpy({ dtype: 'float32', shape: [1], data: new Float32Array(1) }));
      const text = bytes.toString('latin1').replace("'<f4'", `'${descr}'`.padEnd(5, ' '));
      return Buffer.from(text, 'latin1');
    };
    expect(message(() => parseNpy(withDescr('|O'), 'objects.npy'))).toMatch(/objects\.npy: unsupported \.npy dtype '\|O'.*object array/);
    expect(message(() => parseNpy(withDescr('<f2'), 'half.npy'))).toMatch(/half\.npy: unsupported \.npy dtype '<f2': float16/);
    expect(message(() => parseNpy(withDescr('<c8'), 'complex.npy'))).toMatch(/complex numbers/);
  });

  it('refuses a damaged .npz', () => {
    const archive = encodeNpz({ features: samples.float32 });
    expect(message(() => parseNpz(archive.subarray(0, archive.length - 30), 'cut.npz'))).toMatch(/cut\.npz: not a readable \.npz file/);
    const flipped = Uint8Array.from(archive);
    flipped[30 + 'features.npy'.length + 130] ^= 0xff; // inside the member's payload
    expect(message(() => parseNpz(flipped, 'flipped.npz'))).toMatch(/flipped\.npz: .*features\.npy does not match its checksum/);
    writeFileSync(join(directory, 'text.npz'), 'not a zip');
    expect(message(() => readNpz(join(directory, 'text.npz')))).toMatch(/text\.npz: not a readable \.npz file: no zip directory/);
  });
});
