// Shared by the batch-loss tests: seeded inputs and the central finite-difference check.
import { expect } from 'vitest';
import { tf } from '@siamese-lab/backend';
import { createRandom } from '@siamese-lab/core';

/** Seeded values uniform in [-1, 1), as an [rows, cols] tensor. */
export function seededMatrix(rows: number, cols: number, seed: number): tf.Tensor2D {
  const random = createRandom(seed);
  return tf.tensor2d(
    Float32Array.from({ length: rows * cols }, () => 2 * random.next() - 1),
    [rows, cols],
  );
}

export const labelsOf = (values: number[]) => tf.tensor1d(values, 'int32');

/**
 * Central differences (f(x + h) − f(x − h)) / 2h of a scalar function of one [n, d] tensor, one
 * coordinate at a time, in float64 from float32 evaluations. With losses of order 1, float32
 * rounding contributes about 1e-7 / h to each estimate and the truncation h²·f'''/6.
 */
export function finiteDifferences(f: (x: tf.Tensor2D) => tf.Scalar, x: tf.Tensor2D, h: number): Float64Array {
  const values = x.dataSync() as Float32Array;
  const estimate = new Float64Array(values.length);
  const at = (k: number, delta: number) =>
    tf.tidy(() => {
      const moved = Float32Array.from(values);
      moved[k] += delta;
      return f(tf.tensor2d(moved, x.shape)).dataSync()[0];
    });
  for (let k = 0; k < values.length; k++) {
    // The step actually taken, after float32 rounding of x ± h.
    const up = Math.fround(values[k] + h) - values[k];
    const down = values[k] - Math.fround(values[k] - h);
    estimate[k] = (at(k, up) - at(k, -down)) / (up + down);
  }
  return estimate;
}

/**
 * tfjs' gradient of `f` at `x` (or `analytic`, a gradient computed otherwise) against central differences: the largest deviation must be below
 * `relative` times the largest estimated component (and that component well above float32 noise,
 * so a zero gradient cannot pass by accident).
 */
export function expectGradientMatches(
  f: (x: tf.Tensor2D) => tf.Scalar,
  x: tf.Tensor2D,
  options: { h?: number; relative?: number; analytic?: Float32Array } = {},
): { analytic: Float32Array; numeric: Float64Array } {
  const h = options.h ?? 1e-2;
  const relative = options.relative ?? 1e-2;
  const analytic =
    options.analytic ??
    tf.tidy(
      () =>
        tf
          .grad((v: tf.Tensor) => f(v as tf.Tensor2D))(x)
          .dataSync() as Float32Array,
    );
  const numeric = finiteDifferences(f, x, h);
  const scale = Math.max(...Array.from(numeric, Math.abs));
  expect(scale, 'the gradient is not zero').toBeGreaterThan(1e-3);
  const worst = Math.max(...Array.from(analytic, (a, k) => Math.abs(a - numeric[k])));
  if (process.env.GRADIENT_REPORT) console.log(`gradient check: max deviation ${worst.toExponential(2)}, scale ${scale.toExponential(2)}`);
  expect(worst, `max |analytic − numeric| against ${relative} x ${scale}`).toBeLessThanOrEqual(relative * scale);
  return { analytic, numeric };
}
