import { createRequire } from 'node:module';
import { denseLayer, tf } from '../src/index.ts';
import type { BlasAddon } from '../src/index.ts';
import { addonPath } from '../src/native-addon.ts';
import { createRandom } from '@siamese-lab/core';

/** A deterministic tensor with values in [-1, 1). */
export function randomTensor(shape: number[], seed: number): tf.Tensor {
  const random = createRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => random.next() * 2 - 1),
    shape,
  );
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
export async function on(
  backend: string,
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<Array<{ shape: number[]; values: Float32Array }>> {
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

/** The built addon itself (not through the backend's loader), or undefined when it is not built. */
export function loadRealAddon(): BlasAddon | undefined {
  try {
    return createRequire(import.meta.url)(addonPath.pathname) as BlasAddon;
  } catch {
    return undefined;
  }
}

/** Fits a small dense layer with SGD on the active backend; returns the loss before and after. */
export function trainDenseLayer(activation: 'relu' | 'linear', steps: number): { first: number; last: number } {
  const w = tf.variable(tf.mul(randomTensor([6, 3], 1), 0.5));
  const b = tf.variable(tf.zeros([3]));
  const x = randomTensor([5, 6], 2) as tf.Tensor2D;
  const target = randomTensor([5, 3], 3);
  const optimizer = tf.train.sgd(0.1);
  const loss = () =>
    tf.mean<tf.Scalar>(
      tf.square(tf.sub(denseLayer(x, w as tf.Variable<tf.Rank.R2>, b as tf.Variable<tf.Rank.R1>, { activation }), target)),
    );
  const first = tf.tidy(() => loss().dataSync()[0]);
  for (let i = 0; i < steps; i++) optimizer.minimize(loss);
  const last = tf.tidy(() => loss().dataSync()[0]);
  tf.dispose([w, b, x, target]);
  optimizer.dispose();
  return { first, last };
}
