// The seed's loss on blas is one native call forward and one backward; it must match the
// composable tfjs graph (run on wasm): values, gradients, and NaN exactly where tfjs has them.
import { describe, expect, test } from 'vitest';
import { availableBackends, selectBackend, tf } from '@siamese-lab/backend';
import { buildPairLoss, lossOfStacked, type LossSpec } from '../src/index.ts';

const hasBlas = (await availableBackends()).includes('blas');

/** A batch's embeddings and labels; pairs 3 and 5 are the same point on both sides. */
function pairBatch(rows: number, dim: number) {
  const values = (seed: number) => Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 12.9898 + seed) * 3);
  const leftValues = values(1),
    rightValues = values(2);
  for (const pair of [3, 5]) rightValues.set(leftValues.subarray(pair * dim, (pair + 1) * dim), pair * dim);
  const similarValues = Float32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 1 : 0));
  return { leftValues, rightValues, similarValues };
}

/** Loss and gradients (left, right) of `pairBatch`. */
function lossAndGradients(spec: LossSpec, rows: number, dim: number) {
  return () =>
    tf.tidy(() => {
      const { leftValues, rightValues, similarValues } = pairBatch(rows, dim);
      const left = tf.tensor2d(leftValues, [rows, dim]);
      const right = tf.tensor2d(rightValues, [rows, dim]);
      const similar = tf.tensor1d(similarValues);
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

/** The same batch as one stacked tensor [left; right]: loss and the gradient of the stack, via lossOfStacked. */
function stackedLossAndGradient(spec: LossSpec, rows: number, dim: number) {
  return () =>
    tf.tidy(() => {
      const { leftValues, rightValues, similarValues } = pairBatch(rows, dim);
      const stacked = tf.tensor2d([...leftValues, ...rightValues], [2 * rows, dim]);
      const similar = tf.tensor1d(similarValues);
      const loss = buildPairLoss(spec);
      const { value, grads } = tf.valueAndGrads((both: tf.Tensor) => lossOfStacked(loss, both as tf.Tensor2D, similar))([stacked]);
      const [gradient] = grads;
      // Split back into the gradients of the two sides, to compare with the two-tensor form.
      return [value, tf.slice(gradient, [0, 0], [rows, -1]), tf.slice(gradient, [rows, 0], [rows, -1])];
    });
}

describe('the loss on stacked embeddings', () => {
  for (const epsilon of [1e-6, 0]) {
    // Equal bits, but for the sign of zero gradients: the halves' gradients pass through the
    // padding's +0 and an Add, which turn the loss's -0 into +0.
    test(`equals the loss on the two halves, value and gradients (epsilon ${epsilon})`, async () => {
      const spec: LossSpec = { kind: 'contrastive', distance: 'euclidean', margin: 5, epsilon, reducer: 'mean' };
      for (const backend of hasBlas ? ['blas', 'wasm'] : ['wasm']) {
        const halves = await on(backend, lossAndGradients(spec, 16, 2));
        const stacked = await on(backend, stackedLossAndGradient(spec, 16, 2));
        const unsignedZeros = (values: Float32Array) => Array.from(values, (v) => (v === 0 ? 0 : v));
        expect(stacked.map(unsignedZeros)).toEqual(halves.map(unsignedZeros));
      }
    });
  }

  test.skipIf(!hasBlas)('reads the halves in place on blas: no Slice before the loss, no PadV2 after it', async () => {
    await selectBackend('blas');
    const spec: LossSpec = { kind: 'contrastive', distance: 'euclidean', margin: 5, epsilon: 1e-6, reducer: 'mean' };
    const kernels = (await tf.profile(() => tf.dispose(stackedLossAndGradient(spec, 16, 2)()))).kernels.map((kernel) => kernel.name);
    expect(kernels).toContain('SiameseLabContrastiveLossGrad');
    // The test's own split of the gradient is two Slices; the loss adds none.
    expect(kernels.filter((name) => name === 'Slice')).toHaveLength(2);
    expect(kernels).not.toContain('PadV2');
  });
});
