import { tf } from '../src/index.ts';
import type { BlasAddon } from '../src/index.ts';
import { createRandom } from '@siamese-lab/core';

/** A deterministic tensor with values in [-1, 1). */
export function randomTensor(shape: number[], seed: number): tf.Tensor {
  const random = createRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => random.next() * 2 - 1), shape);
}

/** max |actual - expected| / max |expected| (0 for two all-zero tensors). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expectSameLength(actual, expected);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? worst : worst / scale;
}

function expectSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
}

/** Runs `compute` on `backend` and returns the results as plain arrays (and their shapes). */
export async function on(backend: string, compute: () => tf.Tensor | tf.Tensor[]): Promise<Array<{ shape: number[]; values: Float32Array }>> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  const result = compute();
  const tensors = Array.isArray(result) ? result : [result];
  const out = tensors.map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as Float32Array }));
  tf.dispose(tensors);
  return out;
}

/** Wraps the addon so tests can see that the native kernels really ran. */
export function countingAddon(addon: BlasAddon): { addon: BlasAddon; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const wrapped = new Proxy(addon, {
    get(target, property: string) {
      const value = (target as unknown as Record<string, unknown>)[property];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { addon: wrapped, calls };
}
