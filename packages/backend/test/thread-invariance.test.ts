// One result per configuration, however many threads a run gets (`--jobs 1` gives a run every
// core, `--jobs 2` half of them, a queue worker whatever it was started with): the library
// providers' products are cut into output blocks fixed by the shape, each computed by one
// single-threaded library call, so the thread count only decides who computes which block.
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { describeNumerics, numericsDifferences, selectBackend, tf } from '../src/index.ts';
import { loadRealAddon, randomTensor } from './helpers.ts';

const realAddon = loadRealAddon();
const libraries = (realAddon?.providers() ?? []).filter((name) => name !== 'portable');

/** The seed's step shapes (256 stacked rows, 784-1024-1024-2), small ones, and shapes with ragged tails. */
const shapes: Array<{ m: number; n: number; k: number; transposeA: boolean; transposeB: boolean }> = [
  { m: 256, n: 1024, k: 784, transposeA: false, transposeB: false },
  { m: 256, n: 2, k: 1024, transposeA: false, transposeB: false },
  { m: 784, n: 1024, k: 256, transposeA: true, transposeB: false },
  { m: 1024, n: 2, k: 256, transposeA: true, transposeB: false },
  { m: 256, n: 1024, k: 1024, transposeA: false, transposeB: true },
  { m: 37, n: 130, k: 300, transposeA: true, transposeB: true },
  { m: 3, n: 5, k: 7, transposeA: false, transposeB: false },
];

async function productsOn(threads: number): Promise<Float32Array[]> {
  await selectBackend('blas', { blasThreads: threads });
  return shapes.map(({ m, n, k, transposeA, transposeB }) => {
    const a = randomTensor(transposeA ? [k, m] : [m, k], m + 3 * n);
    const b = randomTensor(transposeB ? [n, k] : [k, n], k + 5);
    const product = tf.matMul(a, b, transposeA, transposeB);
    const values = product.dataSync() as Float32Array;
    tf.dispose([a, b, product]);
    return values;
  });
}

/** A short fingerprint of the bits, so a failure names the products that differ without printing them. */
const bits = (values: Float32Array) =>
  createHash('sha256')
    .update(Buffer.from(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex')
    .slice(0, 16);

afterAll(() => {
  delete process.env.SIAMESE_LAB_GEMM;
});

describe.skipIf(libraries.length === 0)('library products do not depend on the thread count', () => {
  for (const provider of libraries) {
    test(`${provider}: 1, 2 and 3 threads give the same bits`, async () => {
      process.env.SIAMESE_LAB_GEMM = provider;
      const one = await productsOn(1);
      const numericsOne = describeNumerics();
      for (const threads of [2, 3]) {
        const many = await productsOn(threads);
        expect(many.map(bits)).toEqual(one.map(bits));
        // So the thread count is not part of what decides the bits, and checks do not ask for it.
        expect(numericsDifferences(numericsOne, describeNumerics())).toEqual([]);
      }
      expect(numericsOne.gemm.partition).toMatch(/output blocks/);
    });
  }
});

/** Convolutions as the CNN sisters run them: batches cut into blocks (9 images: 3 of 3), the kernel gradient as a convolution, RGB. */
const convolutions: Array<{
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid';
}> = [
  { x: [9, 14, 14, 8], filter: [5, 5, 8, 16], strides: 1, pad: 'same' },
  { x: [8, 18, 18, 10], filter: [14, 14, 10, 16], strides: 1, pad: 'valid' },
  { x: [5, 32, 32, 3], filter: [3, 3, 3, 32], strides: 2, pad: 'same' },
];

/** Each convolution's output, max-pooled, and the gradients through both (Conv2D, both backprop kernels, MaxPool, MaxPoolGrad). */
async function convolutionsOn(threads: number): Promise<Float32Array[]> {
  await selectBackend('blas', { blasThreads: threads });
  return convolutions.flatMap(({ x, filter, strides, pad }, i) =>
    tf.tidy(() => {
      const input = randomTensor(x, 40 + i) as tf.Tensor4D;
      const kernel = randomTensor(filter, 50 + i) as tf.Tensor4D;
      const layer = (a: tf.Tensor, b: tf.Tensor) => tf.maxPool(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), 2, 2, 'same');
      const y = layer(input, kernel);
      const r = randomTensor(y.shape, 60 + i);
      const [dx, dFilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layer(a, b), r)))([input, kernel]);
      return [y, dx, dFilter].map((t) => t.dataSync() as Float32Array);
    }),
  );
}

describe.skipIf(!realAddon)('convolutions do not depend on the thread count', () => {
  // oneDNN beside a library GEMM (its backward-weights kernels alone would give other bits on 2
  // threads: the batch is cut into fixed blocks instead), the fixed-order loops beside the portable GEMM.
  for (const gemm of [...libraries.slice(0, 1), 'portable']) {
    test(`${gemm} GEMM (${gemm === 'portable' ? 'portable' : 'onednn'} convolutions): 1, 2 and 3 threads give the same bits`, async () => {
      process.env.SIAMESE_LAB_GEMM = gemm;
      const one = await convolutionsOn(1);
      const numericsOne = describeNumerics();
      for (const threads of [2, 3]) {
        expect((await convolutionsOn(threads)).map(bits)).toEqual(one.map(bits));
        expect(numericsDifferences(numericsOne, describeNumerics())).toEqual([]);
      }
    });
  }
});
