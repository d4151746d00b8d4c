// Child process of signal-safety.test.ts: trains a small MLP on blas (fused dense layers, loss and
// SGD update) and prints its last loss and a checksum of its weights as one JSON line.
// argv: steps, then "usr2" to count SIGUSR2 signals (the parent sends a stream of them).
import { createTrainingOptimizer, denseLayer, fusedContrastiveLoss, selectBackend, tf } from '../src/index.ts';
import { randomTensor } from './helpers.ts';

const steps = Number(process.argv[2] ?? 300);
let signals = 0;
if (process.argv.includes('usr2')) process.on('SIGUSR2', () => signals++);
const backend = await selectBackend('blas');
if (backend.name !== 'blas') throw new Error(`blas did not load: ${backend.description}`);
process.stderr.write('ready\n');
const sizes = [784, 64, 64, 2];
const variables = sizes
  .slice(1)
  .flatMap((outputs, i) => [
    tf.variable(tf.mul(randomTensor([sizes[i], outputs], 10 + i), 0.1), true, `w${i}`),
    tf.variable(tf.fill([outputs], 0.01), true, `b${i}`),
  ]);
const x = randomTensor([128, 784], 1) as tf.Tensor2D;
const similar = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 2));
const optimizer = createTrainingOptimizer(tf.train.sgd(0.01));
let loss = NaN;
for (let step = 0; step < steps; step++) {
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      let h = x;
      for (let layer = 0; layer < 3; layer++) {
        h = denseLayer(h, variables[2 * layer], variables[2 * layer + 1], {
          activation: layer < 2 ? 'relu' : 'linear',
          inputNeedsGradient: layer > 0,
        });
      }
      const [a, b] = [tf.slice2d(h, [0, 0], [64, -1]), tf.slice2d(h, [64, 0], [64, -1])];
      return fusedContrastiveLoss(a, b, similar, { margin: 5, epsilon: 1e-6, reducer: 'mean' })!;
    });
    const update = optimizer.prepare(grads);
    loss = value.dataSync()[0];
    update.apply();
  });
  // Lets libuv run the JavaScript signal handler between steps.
  if (step % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
}
const checksum = variables.reduce(
  (sum, v) => sum + (v.dataSync() as Float32Array).reduce((s, value, i) => s + value * ((i % 7) + 1), 0),
  0,
);
process.stdout.write(`${JSON.stringify({ loss, checksum, signals })}\n`);
