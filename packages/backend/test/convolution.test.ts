// Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on blas (oneDNN's primitives, or the
// portable provider's fixed-order loops) against tfjs' cpu kernels, on seeded shapes: the model's
// CNN sisters (and the convolutions its custom gradients run), a larger image CNN, strides,
// 'same' / 'valid' / explicit padding, rectangular images and filters, dilation.
import { afterAll, describe, expect, test } from 'vitest';
import { describeNumerics, selectBackend, tf } from '../src/index.ts';
import { loadRealAddon, on, randomTensor, relativeError } from './helpers.ts';

const addon = loadRealAddon();
const providers = addon?.providers() ?? [];
/** The convolution path each GEMM provider gives: oneDNN beside a library, the loops beside the portable GEMM. */
const convPaths = providers.map((gemm) => ({ gemm, conv: gemm === 'portable' || !providers.includes('onednn') ? 'portable' : 'onednn' }));

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dilations?: number;
}

const cases: Case[] = [
  // The two-sources CNN sister (28x28x1, channels 8-16, kernel 5, 'same'), a short batch.
  { name: 'cnn layer 1', x: [6, 28, 28, 1], filter: [5, 5, 1, 8], strides: 1, pad: 'same' },
  { name: 'cnn layer 2', x: [6, 14, 14, 8], filter: [5, 5, 8, 16], strides: 1, pad: 'same' },
  // The model's kernel gradient as a convolution: input channels as the batch, the batch as channels.
  { name: 'cnn kernel gradient', x: [1, 32, 32, 12], filter: [28, 28, 12, 8], strides: 1, pad: 'valid' },
  // An image-folder CNN (3x64x64, channels 32-64, kernel 3).
  { name: 'rgb 64x64 layer 1', x: [2, 64, 64, 3], filter: [3, 3, 3, 32], strides: 1, pad: 'same' },
  { name: 'rgb layer 2', x: [2, 16, 16, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'same' },
  { name: 'stride 2 valid (last row unread)', x: [3, 11, 9, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'valid' },
  { name: 'strides 2x3 same, rectangular filter', x: [3, 11, 9, 3], filter: [3, 2, 3, 5], strides: [2, 3], pad: 'same' },
  {
    name: 'explicit padding',
    x: [2, 7, 8, 4],
    filter: [3, 3, 4, 6],
    strides: 1,
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  { name: 'numeric padding, stride 2', x: [5, 9, 9, 2], filter: [4, 4, 2, 3], strides: 2, pad: 1 },
  { name: 'dilation 2 (forward only)', x: [2, 10, 10, 4], filter: [3, 3, 4, 6], strides: 1, pad: 'same', dilations: 2 },
  { name: 'filter as large as the image', x: [4, 5, 5, 3], filter: [5, 5, 3, 2], strides: 1, pad: 'valid' },
];

/** y, and (without dilation) the gradients of sum(y * r) with respect to x and the filter. */
function convolve(c: Case, seed: number): () => tf.Tensor[] {
  return () =>
    tf.tidy(() => {
      const x = randomTensor(c.x, seed) as tf.Tensor4D;
      const filter = randomTensor(c.filter, seed + 1) as tf.Tensor4D;
      const conv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations ?? 1);
      const y = conv(x, filter);
      if ((c.dilations ?? 1) > 1) return [y]; // tfjs has no gradient for dilated convolutions
      const r = randomTensor(y.shape, seed + 2);
      const [dx, dFilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), r)))([x, filter]);
      return [y, dx, dFilter];
    });
}

afterAll(() => {
  delete process.env.SIAMESE_LAB_GEMM;
});

describe.skipIf(!addon).each(convPaths)('convolutions on blas with the $gemm GEMM ($conv) against tfjs cpu', ({ gemm, conv }) => {
  cases.forEach((c, index) => {
    test(c.name, async () => {
      const expected = await on('cpu', convolve(c, 10 * index + 1));
      process.env.SIAMESE_LAB_GEMM = gemm;
      await selectBackend('blas');
      const before = addon!.convInfo();
      const actual = await on('blas', convolve(c, 10 * index + 1));
      const after = addon!.convInfo();
      expect(after.provider).toBe(conv);
      // Every convolution ran natively, on the expected path: the forward pass, then (with
      // gradients) tf.grads' own forward pass, the input gradient and the filter gradient.
      const ran = conv === 'onednn' ? after.onednnCalls - before.onednnCalls : after.portableCalls - before.portableCalls;
      expect(ran).toBe(expected.length === 1 ? 1 : 4);
      expected.forEach((e, i) => {
        expect(actual[i].shape).toEqual(e.shape);
        expect(relativeError(actual[i].values, e.values)).toBeLessThan(1e-5);
      });
    });
  });

  test('an empty batch: empty outputs and a zero filter gradient', async () => {
    process.env.SIAMESE_LAB_GEMM = gemm;
    await selectBackend('blas');
    const [y, dFilter] = tf.tidy(() => {
      const x = tf.zeros([0, 6, 6, 2]);
      const filter = tf.ones([3, 3, 2, 4]);
      const dy = tf.zeros<tf.Rank.R4>([0, 6, 6, 4]);
      const dFilter = tf.engine().runKernel<tf.Tensor>(
        tf.Conv2DBackpropFilter,
        { x, dy },
        {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 2, 4],
        },
      );
      return [tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same'), dFilter];
    });
    expect(y.shape).toEqual([0, 6, 6, 4]);
    expect(Array.from(dFilter.dataSync())).toEqual(new Array(3 * 3 * 2 * 4).fill(0));
    tf.dispose([y, dFilter]);
  });

  test('numerics name the convolution path', async () => {
    process.env.SIAMESE_LAB_GEMM = gemm;
    await selectBackend('blas');
    const numerics = describeNumerics();
    expect(numerics.conv?.provider).toBe(conv);
    if (conv === 'onednn') {
      expect(numerics.conv?.version).toMatch(/^oneDNN \d+\.\d+\.\d+$/);
      expect(numerics.conv?.partition).toMatch(/image blocks/);
    } else {
      expect(numerics.conv?.kernel).toBe('fixed-order');
    }
  });
});

describe.skipIf(!addon)('what the blas convolutions leave to tfjs', () => {
  test("NCHW goes to tfjs' wasm kernel, which refuses it there as before", async () => {
    const nchw = () => tf.tidy(() => tf.conv2d(tf.ones<tf.Rank.R4>([1, 2, 5, 5]), tf.ones<tf.Rank.R4>([3, 3, 2, 4]), 1, 'same', 'NCHW'));
    await selectBackend('wasm');
    expect(nchw).toThrow(/dataFormat/);
    await selectBackend('blas');
    expect(nchw).toThrow(/dataFormat/);
  });
});

describe.skipIf(!addon)('max pooling on blas against tfjs cpu', () => {
  const pools: Array<{
    x: [number, number, number, number];
    size: number | [number, number];
    strides: number | [number, number];
    pad: Pad;
  }> = [
    { x: [6, 28, 28, 8], size: 2, strides: 2, pad: 'valid' }, // the CNN sister's
    { x: [6, 7, 7, 16], size: 2, strides: 2, pad: 'valid' }, // odd sides: the last row and column dropped
    { x: [3, 9, 11, 5], size: 3, strides: 2, pad: 'same' }, // overlapping windows, padding
    { x: [2, 8, 8, 3], size: [2, 3], strides: [1, 2], pad: 'valid' },
  ];
  pools.forEach(({ x, size, strides, pad }, index) => {
    test(`maxPool ${JSON.stringify(x)} size ${JSON.stringify(size)} strides ${JSON.stringify(strides)} ${JSON.stringify(pad)} and its gradient`, async () => {
      const compute = () =>
        tf.tidy(() => {
          // Rounded values: ties inside windows, where the first maximum must take the gradient.
          const input = tf.round(tf.mul(randomTensor(x, 70 + index), 3)) as tf.Tensor4D;
          const y = tf.maxPool(input, size, strides, pad);
          const r = randomTensor(y.shape, 80 + index);
          const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, strides, pad as 'same'), r)))(input);
          return [y, dx];
        });
      const expected = await on('cpu', compute);
      await selectBackend('blas');
      const actual = await on('blas', compute);
      expect(Array.from(actual[0].values)).toEqual(Array.from(expected[0].values)); // a maximum is exact
      expect(relativeError(actual[1].values, expected[1].values)).toBeLessThan(1e-6);
    });
  });

  test("NaN, infinities, ties and signed zeros: tfjs cpu's answers", async () => {
    const windows = [
      [NaN, 1, 2, 3],
      [NaN, NaN, NaN, NaN],
      [2, 2, 1, 0],
      [0, 0, 0, 0],
      [-Infinity, -Infinity, -Infinity, -Infinity],
      [Infinity, NaN, 1, 2],
      [-0, 0, -1, -1],
      [-1, -2, -3, -1],
    ];
    const compute = () =>
      tf.tidy(() =>
        windows.flatMap((w) => {
          const x = tf.tensor4d(w, [1, 2, 2, 1]);
          const y = tf.maxPool(x, 2, 2, 'valid');
          return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), 7)))(x)];
        }),
      );
    const expected = await on('cpu', compute);
    await selectBackend('blas');
    const actual = await on('blas', compute);
    expect(actual.map((a) => Array.from(a.values).map((v) => (Object.is(v, -0) ? '-0' : v)))).toEqual(
      expected.map((e) => Array.from(e.values).map((v) => (Object.is(v, -0) ? '-0' : v))),
    );
  });
});
