import { expect, test } from 'vitest';
import { selectBackend, stackedHalves, tf } from '../src/index.ts';

test('stackedHalves gives the left rows, then the right rows, and refuses an odd row count', async () => {
  await selectBackend('cpu');
  const [left, right] = stackedHalves(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]));
  expect(left.arraySync()).toEqual([
    [1, 2],
    [3, 4],
  ]);
  expect(right.arraySync()).toEqual([
    [5, 6],
    [7, 8],
  ]);
  expect(() => stackedHalves(tf.zeros([3, 2]))).toThrow(/3 rows do not make two halves/);
});
