// The seed's loss on blas is one native call forward and one backward; it must match the
// composable tfjs graph (run on wasm): values, gradients, and NaN exactly where tfjs has them.
import { describe, expect, test } from 'vitest';
import { availableBackends, selectBackend, tf } from '@siamese-lab/backend';
import { buildPairLoss, type LossSpec } from '../src/index.ts';

const hasBlas = (await availableBackends()).includes('blas');

/** Loss and gradients (left, right) of a batch; pairs 3 and 5 are the same point on both sides. */
function lossAndGradients(spec: LossSpec, rows: number, dim: number) {
  return () =>
    tf.tidy(() => {
      const values = (seed: number) => Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 12.9898 + seed) * 3);
      const leftValues = values(1),
        rightValues = values(2);
      for (const pair of [3, 5]) rightValues.set(leftValues.subarray(pair * dim, (pair + 1) * dim), pair * dim);
      const left = tf.tensor2d(leftValues, [rows, dim]);
      const right = tf.tensor2d(rightValues, [rows, dim]);
      const similar = tf.tensor1d(Float32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 1 : 0)));
      const loss = buildPairLoss(spec);
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor2D, b as tf.Tensor2D, similar))([
        left,
        right,
      ]);
      return [value, ...grads];
    });
}

async function on(backend: string, compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await selectBackend(backend as 'blas' | 'wasm');
  const tensors = compute();
  const values = tensors.map((t) => t.dataSync() as Float32Array);
  tf.dispose(tensors);
  return values;
}

describe.skipIf(!hasBlas)('fused contrastive loss on blas against the composable graph on wasm', () => {
  for (const epsilon of [1e-6, 0]) {
    for (const reducer of ['mean', 'sum'] as const) {
      for (const dim of [2, 5]) {
        test(`epsilon ${epsilon}, ${reducer}, ${dim}-D embeddings`, async () => {
          const spec: LossSpec = { kind: 'contrastive', distance: 'euclidean', margin: 5, epsilon, reducer };
          const expected = await on('wasm', lossAndGradients(spec, 16, dim));
          const actual = await on('blas', lossAndGradients(spec, 16, dim));
          expect(Math.abs(actual[0][0] - expected[0][0])).toBeLessThanOrEqual(1e-5 * Math.abs(expected[0][0]));
          for (const i of [1, 2]) {
            // NaN exactly where tfjs has it (epsilon 0: the pairs at d = 0), the rest within float rounding.
            expect(Array.from(actual[i], Number.isNaN)).toEqual(Array.from(expected[i], Number.isNaN));
            expected[i].forEach((e, k) => {
              if (!Number.isNaN(e)) expect(Math.abs(actual[i][k] - e)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(e)));
            });
          }
          const kernels = (await tf.profile(() => tf.dispose(lossAndGradients(spec, 16, dim)()))).kernelNames;
          expect(kernels).toContain('SiameseLabContrastiveLoss');
          expect(kernels).toContain('SiameseLabContrastiveLossGrad');
          if (epsilon === 0) expect(expected[1].some(Number.isNaN)).toBe(true);
          else expect(expected[1].some(Number.isNaN)).toBe(false);
        });
      }
    }
  }
});
