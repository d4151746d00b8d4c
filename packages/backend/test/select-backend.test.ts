import { expect, test } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { availableBackends, selectBackend, tf } from '../src/index.ts';
import { loadBlasAddon } from '../src/native-addon.ts';

const hasBlas = loadBlasAddon().addon !== undefined;

test('switching backends in one process, tf.getBackend() names the active one', async () => {
  const sequence = hasBlas ? (['blas', 'wasm', 'cpu', 'blas', 'wasm'] as const) : (['wasm', 'cpu', 'wasm'] as const);
  for (const name of sequence) {
    const active = await selectBackend(name);
    expect(active.name).toBe(name);
    expect(active.requested).toBe(name);
    expect(tf.getBackend()).toBe(name);
    expect(active.warnings).toEqual([]);
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(product.dataSync())).toEqual([11]);
    product.dispose();
  }
});

test.skipIf(!hasBlas)('blas describes itself with its GEMM provider, version, kernel and thread count', async () => {
  const active = await selectBackend('blas', { blasThreads: 1 });
  expect(active.description).toMatch(/^blas: tfjs wasm \+ (oneDNN|OpenBLAS) [\d.]+ sgemm \([^)]+\), 1 thread$/);
  const two = await selectBackend('blas', { blasThreads: 2 });
  expect(two.description).toMatch(/2 threads$/);
});

test('auto picks the fastest available backend and says which', async () => {
  const lines: string[] = [];
  const active = await selectBackend('auto', { log: (line) => lines.push(line) });
  const available = await availableBackends();
  expect(active.name).toBe(available[0]);
  expect(lines.at(-1)).toContain(active.description);
  expect(lines.at(-1)).toContain('auto');
});

test('availableBackends lists wasm and cpu always, fastest first', async () => {
  const available = await availableBackends();
  expect(available.slice(-2)).toEqual(['wasm', 'cpu']);
  expect(available.includes('blas')).toBe(hasBlas);
});

test('requests the settings schema and the CLI rule out are bugs: plain Errors, not LabErrors', async () => {
  for (const request of [selectBackend('gpu' as never), selectBackend('blas', { blasThreads: 0 })]) {
    const error = await request.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(LabError);
  }
});
