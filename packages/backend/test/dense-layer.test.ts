import { describe, expect, test } from 'vitest';
import { denseLayer, selectBackend, tf } from '../src/index.ts';
import { loadBlasAddon } from '../src/native-addon.ts';
import { on, randomTensor, relativeError } from './helpers.ts';

const hasBlas = loadBlasAddon().addon !== undefined;

function unfused(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: 'relu' | 'linear'): tf.Tensor2D {
  const z = tf.add<tf.Tensor2D>(tf.matMul(x, w), b);
  return activation === 'relu' ? tf.relu(z) : z;
}

/** Value and gradients (x, w, b) of sum(layer(x, w, b) * probe), a scalar touching every output. */
function valueAndGradients(
  layer: typeof unfused,
  activation: 'relu' | 'linear',
  withInputGradient: boolean,
  [rows, inputs, outputs]: [number, number, number] = [12, 10, 7],
) {
  return () =>
    tf.tidy(() => {
      const x = randomTensor([rows, inputs], 1) as tf.Tensor2D;
      const w = randomTensor([inputs, outputs], 2) as tf.Tensor2D;
      const b = randomTensor([outputs], 3) as tf.Tensor1D;
      const probe = randomTensor([rows, outputs], 4);
      const value = layer(x, w, b, activation);
      const loss = (...args: tf.Tensor[]) => {
        const [xi, wi, bi] = withInputGradient ? args : [x, ...args];
        return tf.sum(tf.mul(layer(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, activation), probe));
      };
      const grads = tf.grads(loss)(withInputGradient ? [x, w, b] : [w, b]);
      return [value, ...grads];
    });
}

const fusedLayer = (needsInput: boolean) => (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: 'relu' | 'linear') =>
  denseLayer(x, w, b, { activation, inputNeedsGradient: needsInput });

describe.skipIf(!hasBlas)('fused denseLayer on blas', () => {
  // The second shape has enough outputs (rows x outputs >= 2^16) for the kernels' element-wise
  // passes (bias, ReLU, its mask, the bias gradient) to split across threads.
  const shapes: Array<[number, number, number]> = [
    [12, 10, 7],
    [301, 24, 260],
  ];
  for (const activation of ['relu', 'linear'] as const) {
    for (const withInputGradient of [true, false]) {
      test.each(shapes)(
        `${activation}, inputNeedsGradient=${withInputGradient}, x [%i, %i] w [., %i]: value and gradients match the unfused graph`,
        async (...shape) => {
          await selectBackend('blas');
          const expected = await on('wasm', valueAndGradients(unfused, activation, withInputGradient, shape));
          const actual = await on('blas', valueAndGradients(fusedLayer(withInputGradient), activation, withInputGradient, shape));
          expect(actual.length).toBe(expected.length);
          actual.forEach((a, i) => {
            expect(a.shape).toEqual(expected[i].shape);
            expect(relativeError(a.values, expected[i].values)).toBeLessThan(1e-5);
          });
        },
      );
    }
  }

  test('runs the fused kernels (they show in tf.profile)', async () => {
    await selectBackend('blas');
    const info = await tf.profile(() => valueAndGradients(fusedLayer(true), 'relu', true)());
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain('SiameseLabDense');
    expect(names).toContain('SiameseLabDenseGrad');
    expect(names).not.toContain('BatchMatMul');
  });
});

describe('denseLayer on the other backends', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    test(`${backend}: plain tfjs ops, same value and gradients`, async () => {
      await selectBackend(backend);
      const expected = await on(backend, valueAndGradients(unfused, 'relu', true));
      const actual = await on(backend, valueAndGradients(fusedLayer(true), 'relu', true));
      actual.forEach((a, i) => expect(relativeError(a.values, expected[i].values)).toBeLessThan(1e-6));
    });
  }

  test('rejects shapes that do not fit', async () => {
    await selectBackend('wasm');
    const x = tf.zeros<tf.Rank.R2>([2, 3]);
    const w = tf.zeros<tf.Rank.R2>([4, 5]);
    const b = tf.zeros<tf.Rank.R1>([5]);
    expect(() => denseLayer(x, w, b, { activation: 'relu' })).toThrow(/do not fit/);
    tf.dispose([x, w, b]);
  });
});
