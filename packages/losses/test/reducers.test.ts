import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import { meanOverNonZeroReducer, meanReducer, sumReducer, withoutGradient } from '../src/index.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

const gradientOf = (reduce: (losses: tf.Tensor1D) => tf.Scalar, values: number[]) =>
  Array.from(
    tf
      .grad((v: tf.Tensor) => reduce(tf.relu(v) as tf.Tensor1D))(tf.tensor1d(values))
      .dataSync(),
  );

describe('reducers', () => {
  it('mean_non_zero can be trained through: its count is a constant of the gradient', () => {
    // tfjs has no gradient for Greater: counting the non-zero losses on the tape made tf.grad throw.
    expect(() => tf.grad((v: tf.Tensor) => tf.sum(tf.cast(tf.greater(v, 0), 'float32')))(tf.tensor1d([1]))).toThrow(/Greater/);
    // relu([2, −1, 4]) = [2, 0, 4]: two non-zero losses, d(mean)/dl = 1/2 for each of them.
    expect(gradientOf((l) => meanOverNonZeroReducer().reduce(l), [2, -1, 4])).toEqual([0.5, 0, 0.5]);
  });

  it('reduce a masked selection as they reduce the selected entries alone', () => {
    const losses = () =>
      tf.tensor2d([
        [0, 2],
        [4, 6],
      ]);
    const mask = () =>
      tf.tensor2d([
        [1, 1],
        [0, 1],
      ]);
    // Selected: 0, 2, 6. mean 8/3, sum 8, mean over the non-zero two: 4.
    expect(meanReducer().reduceMasked(losses(), mask()).dataSync()[0]).toBeCloseTo(8 / 3, 6);
    expect(sumReducer().reduceMasked(losses(), mask()).dataSync()[0]).toBe(8);
    expect(meanOverNonZeroReducer().reduceMasked(losses(), mask()).dataSync()[0]).toBe(4);
    const gradient = tf.grad((l: tf.Tensor) => meanOverNonZeroReducer().reduceMasked(l, mask()))(losses());
    expect(Array.from(gradient.dataSync())).toEqual([0.5, 0.5, 0, 0.5]);
  });

  it('withoutGradient gives the value, and a zero gradient to its inputs', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const f = (v: tf.Tensor) =>
      tf.sum(
        tf.mul(
          v,
          withoutGradient([v], (u) => tf.cast(tf.greater(u, 0), 'float32')),
        ),
      );
    expect(f(x).dataSync()[0]).toBe(4);
    expect(Array.from(tf.grad(f)(x).dataSync())).toEqual([1, 0, 1]);
  });
});
