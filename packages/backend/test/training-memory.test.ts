import { expect, test } from 'vitest';
import { createTrainingOptimizer, denseLayer, selectBackend, tf } from '../src/index.ts';
import { randomTensor } from './helpers.ts';

/**
 * A small shared-weight Siamese MLP trained as the runner trains (the fused optimizer step on blas,
 * tfjs' optimizer elsewhere, one read per step); returns live tensor counts at the checkpoints.
 */
function trainCountingTensors(checkpoints: number[], makeOptimizer: () => tf.Optimizer): { counts: number[]; losses: number[] } {
  const sizes = [16, 12, 12, 2];
  const variables = sizes
    .slice(1)
    .flatMap((size, i) => [tf.variable(tf.mul(randomTensor([sizes[i], size], 10 + i), 0.3)), tf.variable(tf.fill([size], 0.01))]);
  const left = randomTensor([8, 16], 20) as tf.Tensor2D;
  const right = randomTensor([8, 16], 21) as tf.Tensor2D;
  const similar = tf.tensor1d([1, 0, 1, 0, 1, 0, 1, 0]);
  const optimizer = createTrainingOptimizer(makeOptimizer());
  const loss = () => {
    let h = tf.concat2d([left, right], 0);
    for (let i = 0; i < 3; i++) {
      h = denseLayer(h, variables[2 * i], variables[2 * i + 1], {
        activation: i < 2 ? 'relu' : 'linear',
        inputNeedsGradient: i > 0,
      });
    }
    const [a, b] = tf.split(h, 2, 0);
    const d2 = tf.sum(tf.square(tf.sub(a, b)), 1);
    const d = tf.sqrt(tf.add(d2, 1e-6));
    return tf.mean<tf.Scalar>(tf.add(tf.mul(similar, d2), tf.mul(tf.sub(1, similar), tf.square(tf.relu(tf.sub(5, d))))));
  };
  const counts: number[] = [];
  const losses: number[] = [];
  const last = Math.max(...checkpoints);
  for (let step = 1; step <= last; step++) {
    const [value, finite] = tf.tidy(() => {
      const { value: lossValue, grads } = tf.variableGrads(loss, variables);
      const update = optimizer.prepare(grads);
      const read = tf.concat([tf.reshape(lossValue, [1]), update.gradientsFinite]).dataSync();
      update.apply();
      return read;
    });
    expect(finite).toBe(1);
    if (checkpoints.includes(step)) {
      losses.push(value);
      counts.push(tf.memory().numTensors);
    }
  }
  tf.dispose([...variables, left, right, similar]);
  optimizer.dispose();
  return { counts, losses };
}

for (const backend of ['blas', 'wasm'] as const) {
  for (const [name, makeOptimizer] of [
    ['sgd', () => tf.train.sgd(0.05)],
    ['adam', () => tf.train.adam(0.01)],
  ] as const) {
    test(`${backend}, ${name}: no tensor leaks over 2000 training steps, and the loss goes down`, async () => {
      await selectBackend(backend);
      const { counts, losses } = trainCountingTensors([1, 100, 2000], makeOptimizer);
      expect(counts[1]).toBe(counts[2]);
      expect(Number.isFinite(losses[2])).toBe(true);
      expect(losses[2]).toBeLessThan(losses[0]);
    }, 120_000); // 2000 steps: seconds on a quiet machine, more on a shared one
  }
}
