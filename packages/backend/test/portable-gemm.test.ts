// The portable GEMM's promise: the same bits whatever the instruction set, the compiler's
// optimisation, the thread count, or the process (the addon or a standalone program). Machines
// cannot be swapped in a test, so the kernel is compiled here under several -march settings
// (baseline x86-64 without AVX, and this CPU's own, AVX-512 where it has it) and every result is
// compared bit for bit with the addon's.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selectBackend, tf } from '../src/index.ts';
import { loadRealAddon, randomTensor } from './helpers.ts';

const realAddon = loadRealAddon();
const haveCompiler = spawnSync('g++', ['--version']).status === 0;
const onX86 = process.arch === 'x64';
const folder = mkdtempSync(join(tmpdir(), 'lab-portable-gemm-'));

// Each build is one way a machine could compile and run the same kernel.
const builds: Record<string, string[]> = {
  'x86-64 (SSE2), -O3': ['-O3', ...(onX86 ? ['-march=x86-64'] : [])],
  'this CPU (-march=native), -O3': ['-O3', '-march=native'],
  'x86-64, -O1': ['-O1', ...(onX86 ? ['-march=x86-64'] : [])],
};

function compile(name: string, flags: string[]): string {
  const binary = join(folder, name.replace(/\W+/g, '-'));
  const source = join(import.meta.dirname, 'portable', 'gemm-harness.cc');
  const result = spawnSync('g++', ['-std=c++17', '-ffp-contract=off', '-fopenmp', ...flags, source, '-o', binary], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`g++ ${flags.join(' ')} failed:\n${result.stderr}`);
  return binary;
}

const bytesOf = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

/** Shapes with row and column tails (4-row, 64-column tiles) and the first layer's width. */
const cases: Array<{ m: number; n: number; k: number }> = [
  { m: 37, n: 130, k: 300 },
  { m: 5, n: 2, k: 1024 },
  { m: 64, n: 1024, k: 784 },
];

describe.skipIf(!realAddon || !haveCompiler)('the portable GEMM gives the same bits everywhere', () => {
  const binaries: Record<string, string> = {};
  beforeAll(async () => {
    for (const [name, flags] of Object.entries(builds)) binaries[name] = compile(name, flags);
    process.env.SIAMESE_LAB_GEMM = 'portable';
    const active = await selectBackend('blas', { blasThreads: 2 });
    expect(active.gemm?.name).toBe('portable');
  }, 300_000); // three compiles: seconds on a quiet machine, minutes on a loaded one
  afterAll(() => {
    delete process.env.SIAMESE_LAB_GEMM;
  });

  for (const { m, n, k } of cases) {
    for (const [transposeA, transposeB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      test(`${m}x${k} times ${k}x${n}, transposeA=${transposeA} transposeB=${transposeB}: addon, every build, 1 and 2 threads`, () => {
        const a = randomTensor(transposeA ? [k, m] : [m, k], m + n);
        const b = randomTensor(transposeB ? [n, k] : [k, n], k);
        const input = join(folder, `in-${m}-${n}-${k}.bin`);
        writeFileSync(input, Buffer.concat([bytesOf(a.dataSync() as Float32Array), bytesOf(b.dataSync() as Float32Array)]));
        const product = tf.matMul(a, b, transposeA, transposeB);
        const fromAddon = bytesOf(product.dataSync() as Float32Array);
        tf.dispose([a, b, product]);
        for (const [name, binary] of Object.entries(binaries)) {
          for (const threads of [1, 2]) {
            const output = join(folder, `out-${threads}.bin`);
            const run = spawnSync(binary, [
              input,
              output,
              transposeA ? '1' : '0',
              transposeB ? '1' : '0',
              `${m}`,
              `${n}`,
              `${k}`,
              `${threads}`,
            ]);
            expect(run.status, `${name}: ${run.stderr.toString()}`).toBe(0);
            expect(readFileSync(output).equals(fromAddon), `${name}, ${threads} thread(s) differs from the addon`).toBe(true);
          }
        }
      });
    }
  }

  test('a fixed product has the same SHA-256 on every machine (recorded once; a change means the kernel changed)', () => {
    const a = randomTensor([64, 300], 1);
    const b = randomTensor([300, 70], 2);
    const product = tf.matMul(a, b);
    const digest = createHash('sha256')
      .update(bytesOf(product.dataSync() as Float32Array))
      .digest('hex');
    tf.dispose([a, b, product]);
    expect(digest).toBe('8f7cdef7cca92cb68bf194dba0059d5e19cc6695879e97d53dd982710db6c37d');
  });
});
