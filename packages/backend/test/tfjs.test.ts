import { afterEach, expect, test, vi } from 'vitest';
import { tf } from '../src/index.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const banner = 'looks like you are running TensorFlow.js in Node.js';

test('a cpu backend of the project\'s tfjs prints no "running TensorFlow.js in Node.js" banner on its first tensor', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  // A fresh instance from the registered factory, as the engine creates one: its first write is where tfjs greets.
  const backend = await tf.engine().findBackendFactory('cpu')();
  backend.write(new Float32Array([1, 2]), [2], 'float32');
  backend.dispose();
  // And through the engine, on the cpu backend.
  await tf.setBackend('cpu');
  tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1).dataSync());
  expect(warn.mock.calls.flat().join('\n')).not.toContain(banner);
});

test("tfjs' other warnings still print", () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  expect(tf.registerBackend('cpu', () => tf.engine().findBackendFactory('cpu')())).toBe(false);
  expect(warn).toHaveBeenCalledWith('cpu backend was already registered. Reusing existing backend factory.');
});
