// `on_nan: continue` must see the same NaNs on every backend: the fused ReLU layer keeps NaN in
// its output and its gradient mask exactly as tfjs' relu and its gradient (dy * step(x)) do.
import { describe, expect, test } from 'vitest';
import { denseLayer, selectBackend, tf } from '../src/index.ts';
import { loadBlasAddon } from '../src/native-addon.ts';
import { on, randomTensor } from './helpers.ts';

const hasBlas = loadBlasAddon().addon !== undefined;

/** Output, dx, dW and db of sum(relu(x W + b) * probe) with NaN and ±Inf planted in x and probe. */
function layerWithNonFinite() {
  return tf.tidy(() => {
    const xValues = randomTensor([6, 5], 1).dataSync().slice();
    xValues[0] = NaN; // row 0: every output NaN (NaN through the product)
    xValues[7] = Infinity; // row 1: ±Inf outputs, or NaN where an Inf meets a zero weight sum
    const x = tf.tensor2d(xValues, [6, 5]);
    const w = randomTensor([5, 4], 2) as tf.Tensor2D;
    const b = randomTensor([4], 3) as tf.Tensor1D;
    const probeValues = randomTensor([6, 4], 4).dataSync().slice();
    probeValues[20] = NaN; // a NaN gradient arriving at an output that may be masked (row 5)
    probeValues[13] = -Infinity;
    const probe = tf.tensor2d(probeValues, [6, 4]);
    const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
      tf.sum(tf.mul(denseLayer(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, { activation: 'relu' }), probe));
    const value = denseLayer(x, w, b, { activation: 'relu' });
    return [value, ...tf.grads(f)([x, w, b])];
  });
}

/** NaN, +Inf, -Inf or "finite" for every element: the pattern that must agree. */
const kinds = (values: Float32Array) =>
  Array.from(values, (v) => (Number.isNaN(v) ? 'nan' : v === Infinity ? '+inf' : v === -Infinity ? '-inf' : 'finite'));

describe.skipIf(!hasBlas)('non-finite values through the fused ReLU layer', () => {
  test('blas keeps every NaN and Inf where tfjs (wasm) has them, in the output and all gradients', async () => {
    await selectBackend('blas');
    const expected = await on('wasm', layerWithNonFinite);
    const actual = await on('blas', layerWithNonFinite);
    expect(kinds(expected[0].values)).toContain('nan');
    expect(kinds(expected[1].values)).toContain('nan');
    for (let i = 0; i < expected.length; i++) expect(kinds(actual[i].values)).toEqual(kinds(expected[i].values));
  });
});
