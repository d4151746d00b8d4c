// The training loop's pieces: the step (one read, exact check, the run's own distance), the NaN
// tracker and the step log; and the loop itself across backends.
import { describe, expect, test } from 'vitest';
import { createTrainingOptimizer, selectBackend, tf } from '@siamese-lab/backend';
import type { PairBatch } from '@siamese-lab/data';
import { buildDistance, buildPairLoss } from '@siamese-lab/losses';
import { createSiameseModel } from '@siamese-lab/model';
import { loadRunData, runSpecSchema, trainRun, type RunSpec } from '../src/index.ts';
import { buildOptimizer } from '../src/optimizers.ts';
import { trainingStep, type StepParts } from '../src/training/step.ts';
import { NanTracker } from '../src/training/nan-check.ts';
import { StepLog, meanDistances } from '../src/training/step-log.ts';
import { loadBlasAddon } from '../../backend/src/native-addon.ts';

const hasBlas = loadBlasAddon().addon !== undefined;

function spec(overrides: Record<string, unknown> = {}): RunSpec {
  return runSpecSchema.parse({
    data: { train_limit: 600 },
    model: { tower_a: { hidden: [24] } },
    sampler: { batch_size: 16 },
    training: { steps: 40, log_every: 1 },
    ...overrides,
  });
}

function syntheticBatch(pairs: number, features: number, seed: number): PairBatch {
  const values = (offset: number) =>
    Float32Array.from({ length: pairs * features }, (_, i) => ((i * 7919 + seed * 104729 + offset) % 997) / 997);
  return {
    left: values(0),
    right: values(13),
    similar: Float32Array.from({ length: pairs }, (_, i) => i % 2),
    leftIndices: Int32Array.from({ length: pairs }, (_, i) => i),
    rightIndices: Int32Array.from({ length: pairs }, (_, i) => i + pairs),
    batchSize: pairs,
    leftFeatures: features,
    rightFeatures: features,
  };
}

function parts(run: RunSpec, features: number): StepParts {
  const model = createSiameseModel(run.model, { inputSizeA: features, inputSizeB: features, seed: run.seed });
  return {
    model,
    loss: buildPairLoss(run.loss),
    distance: buildDistance(run.loss),
    optimizer: createTrainingOptimizer(buildOptimizer(run.optimizer)),
  };
}

describe('trainingStep', () => {
  test("logs the pair distances of the run's own distance (cosine here), from the embeddings the loss saw", async () => {
    await selectBackend('cpu');
    const run = spec({ loss: { distance: 'cosine', epsilon: 1e-6 }, model: { tower_a: { hidden: [24], init_stddev: 1 } } });
    const step = parts(run, 20);
    const batch = syntheticBatch(6, 20, 1);
    const [cosine, euclidean] = tf.tidy(() => {
      const [a, b] = step.model.embedPair(tf.tensor2d(batch.left, [6, 20]), tf.tensor2d(batch.right, [6, 20]));
      const cos = tf.div(tf.sum(tf.mul(a, b), 1), tf.mul(tf.norm(a, 2, 1), tf.norm(b, 2, 1)));
      return [tf.sub(1, cos).dataSync() as Float32Array, tf.norm(tf.sub(a, b), 2, 1).dataSync() as Float32Array];
    });
    const outcome = trainingStep(step, batch, { wantDistances: true, applyNonFinite: false });
    expect(outcome.finite).toBe(true);
    // Cosine distance up to epsilon's effect (at most sqrt(1e-6)), and not the euclidean one.
    outcome.distances!.forEach((d, i) => expect(Math.abs(d - cosine[i])).toBeLessThan(2e-3));
    expect(outcome.distances!.some((d, i) => Math.abs(d - euclidean[i]) > 0.05)).toBe(true);
    step.model.dispose();
    step.optimizer.dispose();
  });

  test('a non-finite step is not applied unless asked, and always brings its distances for the diagnosis', async () => {
    await selectBackend('cpu');
    const run = spec();
    const step = parts(run, 20);
    const batch = syntheticBatch(4, 20, 2);
    batch.left[5] = NaN;
    const before = step.model.trainableVariables.map((v) => Array.from(v.dataSync()));
    const outcome = trainingStep(step, batch, { wantDistances: false, applyNonFinite: false });
    expect(outcome.finite).toBe(false);
    expect(outcome.gradientsFinite).toBe(false);
    expect(outcome.distances).toHaveLength(4);
    expect(step.model.trainableVariables.map((v) => Array.from(v.dataSync()))).toEqual(before);
    trainingStep(step, batch, { wantDistances: false, applyNonFinite: true });
    expect(step.model.trainableVariables.some((v) => v.dataSync().some(Number.isNaN))).toBe(true);
    step.model.dispose();
    step.optimizer.dispose();
  });
});

describe('trainingStep on a stacked batch', () => {
  test.each([true, false])('one upload of both sides trains exactly as two uploads (share_weights %s)', async (share) => {
    await selectBackend('cpu');
    const run = spec({ model: { share_weights: share, tower_a: { hidden: [24], init_stddev: 0.5 } } });
    const separate = syntheticBatch(6, 20, 2);
    const stacked = new Float32Array([...separate.left, ...separate.right]);
    const joined: PairBatch = { ...separate, stacked, left: stacked.subarray(0, 120), right: stacked.subarray(120) };
    const trained = (batch: PairBatch) => {
      const step = parts(run, 20);
      const losses = Array.from({ length: 3 }, () => trainingStep(step, batch, { wantDistances: false, applyNonFinite: false }).loss);
      const weights = step.model.exportWeights().map((w) => Array.from(w.values));
      step.model.dispose();
      step.optimizer.dispose();
      return { losses, weights };
    };
    const viaStack = trained(joined);
    expect(viaStack).toEqual(trained(separate));
    // The steps did train: the loss moved.
    expect(viaStack.losses[2]).not.toBe(viaStack.losses[0]);
    expect(viaStack.losses.every(Number.isFinite)).toBe(true);
  });
});

describe('NanTracker and StepLog', () => {
  test('the tracker counts every non-finite step and describes only the first', () => {
    const tracker = new NanTracker();
    const batch = syntheticBatch(3, 2, 3);
    tracker.record(1, { loss: 1, gradientsFinite: true, finite: true }, batch);
    tracker.record(2, { loss: NaN, gradientsFinite: false, finite: false, distances: Float32Array.from([0, 0.5, 1]) }, batch);
    tracker.record(3, { loss: 2, gradientsFinite: false, finite: false, distances: Float32Array.from([1, 1, 1]) }, batch);
    expect(tracker.nanSteps).toBe(2);
    expect(tracker.firstNanStep).toBe(2);
    expect(tracker.detail?.reason).toContain('d = 0 for 1 pair');
    expect(tracker.detail?.pairDistances).toEqual([0, 0.5, 1]);
  });

  test('the log hands rows over 50 at a time and the rest on flush', () => {
    const written: number[] = [];
    const log = new StepLog((rows) => written.push(rows.length));
    for (let step = 1; step <= 120; step++)
      log.record(
        step,
        { loss: 1, gradientsFinite: true, finite: true, distances: Float32Array.from([1, 3]) },
        0.1,
        Float32Array.from([1, 0]),
      );
    log.flush();
    expect(written).toEqual([50, 50, 20]);
    expect(meanDistances(Float32Array.from([1, 3, 5]), Float32Array.from([1, 0, 0]))).toEqual([1, 4]);
  });
});

async function lossCurve(backend: 'blas' | 'wasm', run: RunSpec): Promise<number[]> {
  await selectBackend(backend);
  const losses: number[] = [];
  const result = await trainRun(run, loadRunData(run.data), {
    onStepMetrics: (rows) => losses.push(...rows.map((row) => row.loss ?? NaN)),
  });
  result.model.dispose();
  return losses;
}

describe.skipIf(!hasBlas)('blas and wasm train the same run', () => {
  for (const optimizer of ['sgd', 'adam'] as const) {
    test(`${optimizer}: the same seed gives the same loss curve within float tolerance`, async () => {
      const run = spec({ optimizer: { name: optimizer, learning_rate: optimizer === 'sgd' ? 0.01 : 0.001 } });
      const blas = await lossCurve('blas', run);
      const wasm = await lossCurve('wasm', run);
      expect(blas).toHaveLength(40);
      expect(wasm).toHaveLength(40);
      const worst = Math.max(...blas.map((loss, i) => Math.abs(loss - wasm[i]) / Math.abs(wasm[i])));
      expect(worst).toBeLessThan(1e-4);
    }, 120_000);
  }

  test('on_nan: continue counts the same non-finite steps on blas and wasm', async () => {
    const run = spec({ optimizer: { name: 'sgd', learning_rate: 1e9 }, training: { steps: 12, log_every: 1, on_nan: 'continue' } });
    const nanSteps = async (backend: 'blas' | 'wasm') => {
      await selectBackend(backend);
      const result = await trainRun(run, loadRunData(run.data));
      result.model.dispose();
      return [result.nanSteps, result.firstNanStep];
    };
    const blas = await nanSteps('blas');
    expect(blas[0]).toBeGreaterThan(0);
    expect(blas).toEqual(await nanSteps('wasm'));
  }, 120_000);
});

describe('the learning-rate schedule in the loop', () => {
  test('step 1 trains at the initial rate and the rate drops after step_size steps (no off-by-one)', async () => {
    await selectBackend('cpu');
    const run = spec({
      optimizer: { name: 'sgd', learning_rate: 0.1, schedule: { kind: 'step', step_size: 3, gamma: 0.5 } },
      training: { steps: 7, log_every: 1 },
    });
    const rates: Array<[number, number | null]> = [];
    const result = await trainRun(run, loadRunData(run.data), {
      onStepMetrics: (rows) => rates.push(...rows.map((row): [number, number | null] => [row.step, row.learningRate])),
    });
    result.model.dispose();
    expect(result.meanLearningRate).toBeCloseTo((3 * 0.1 + 3 * 0.05 + 0.025) / 7, 15);
    // Steps are counted from 1 in the log; the schedule's step k is the k-th update (0-based).
    expect(rates).toEqual([
      [1, 0.1],
      [2, 0.1],
      [3, 0.1],
      [4, 0.05],
      [5, 0.05],
      [6, 0.05],
      [7, 0.025],
    ]);
  });
});
