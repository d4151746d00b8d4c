import { expect, test } from 'vitest';
import { availableBackends, selectBackend, tf } from '@siamese-lab/backend';
import { createTrainingStep, SEED_STEP, stepFlops, timeTrainingStep, type StepShape } from '../src/index.ts';

const small: StepShape = { ...SEED_STEP, pairs_per_step: 16, layers: [64, 48, 32, 2] };

async function lossCurve(backend: 'blas' | 'wasm', steps: number): Promise<number[]> {
  await selectBackend(backend);
  const runner = createTrainingStep(small, 7);
  const losses = Array.from({ length: steps }, () => runner.step());
  runner.dispose();
  return losses;
}

test.skipIf(!(await availableBackends()).includes('blas'))('blas and wasm follow the same loss curve', async () => {
  const wasm = await lossCurve('wasm', 30);
  const blas = await lossCurve('blas', 30);
  expect(wasm[29]).toBeLessThan(wasm[0]);
  blas.forEach((loss, i) => expect(Math.abs(loss - wasm[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(wasm[i]))));
});

test('the training step leaves no tensors behind from one step to the next', async () => {
  await selectBackend('wasm');
  const runner = createTrainingStep(small, 3);
  runner.step();
  const afterFirst = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) runner.step();
  expect(tf.memory().numTensors).toBe(afterFirst);
  runner.dispose();
});

test('step FLOPs count forward, weight-gradient and (after the first layer) input-gradient products', () => {
  const rows = 2 * SEED_STEP.pairs_per_step;
  const macs = [784 * 1024, 1024 * 1024, 1024 * 2].map((m) => m * rows);
  expect(stepFlops(SEED_STEP)).toBe(2 * (2 * macs[0] + 3 * macs[1] + 3 * macs[2]));
});

test.skipIf(!(await availableBackends()).includes('blas'))(
  'timeTrainingStep runs exactly warm-up + steps steps, with the GEMM bound timed between slices of them',
  async () => {
    const timing = await timeTrainingStep('blas', { steps: 13, warmup: 2, shape: small });
    await selectBackend('blas');
    const runner = createTrainingStep(small);
    let loss = NaN;
    for (let i = 0; i < 15; i++) loss = runner.step();
    runner.dispose();
    expect(timing.final_loss).toBe(loss);
    expect(timing.gemm_bound!.best_ms).toBeLessThanOrEqual(timing.gemm_bound!.mean_ms);
  },
);
