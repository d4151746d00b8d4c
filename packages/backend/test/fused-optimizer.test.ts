// The fused optimizer step against tfjs' own optimizers: same updates over 100 steps, an exact
// finite check, and a dropped (non-finite) step that leaves variables and state untouched.
import { describe, expect, test } from 'vitest';
import { createTrainingOptimizer, selectBackend, tf, type TrainingOptimizer } from '../src/index.ts';
import { loadBlasAddon } from '../src/native-addon.ts';
import { OPTIMIZER_UPDATE_KERNEL } from '../src/blas-backend.ts';
import { randomTensor, relativeError } from './helpers.ts';

const hasBlas = loadBlasAddon().addon !== undefined;

const optimizers: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.05),
  momentum: () => tf.train.momentum(0.05, 0.9),
  nesterov: () => tf.train.momentum(0.05, 0.8, true),
  adam: () => tf.train.adam(0.01),
  'adam (beta, epsilon set)': () => tf.train.adam(0.003, 0.8, 0.95, 1e-6),
  adagrad: () => tf.train.adagrad(0.1, 0.2),
  rmsprop: () => tf.train.rmsprop(0.01),
};

/** A two-layer regression with a slowly changing target; `update` applies one step's gradients. */
function train(steps: number, update: (gradients: tf.NamedTensorMap) => void): Float32Array[] {
  const w1 = tf.variable(tf.mul(randomTensor([40, 33], 1), 0.3));
  const b1 = tf.variable(tf.fill([33], 0.01));
  const w2 = tf.variable(tf.mul(randomTensor([33, 3], 2), 0.3));
  const x = randomTensor([16, 40], 3);
  for (let step = 0; step < steps; step++) {
    tf.tidy(() => {
      const target = tf.mul(randomTensor([16, 3], 100 + step), 0.5);
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), target))));
      update(grads);
    });
  }
  const values = [w1, b1, w2].map((v) => v.dataSync() as Float32Array);
  tf.dispose([w1, b1, w2, x]);
  return values;
}

function stepWith(optimizer: TrainingOptimizer) {
  return (gradients: tf.NamedTensorMap) => {
    const update = optimizer.prepare(gradients);
    expect(update.gradientsFinite.dataSync()[0]).toBe(1);
    update.apply();
  };
}

describe.skipIf(!hasBlas)('fused optimizer step on blas', () => {
  for (const [name, make] of Object.entries(optimizers)) {
    test(`${name}: 100 steps match tfjs' optimizer bit for bit`, async () => {
      await selectBackend('blas');
      const reference = make();
      const expected = train(100, (gradients) => reference.applyGradients(gradients));
      reference.dispose();
      const fused = createTrainingOptimizer(make());
      const actual = train(100, stepWith(fused));
      expect(fused.fused).toBe(name !== 'rmsprop'); // rmsprop runs tfjs' own update
      fused.dispose();
      expected.forEach((values, i) => expect(Array.from(actual[i])).toEqual(Array.from(values)));
    });
  }

  test("adam: once the first moment is subnormal (which the update flushes to zero), the weights stay tfjs' bit for bit", async () => {
    await selectBackend('blas');
    // One step with a gradient, then none (a dead ReLU unit's weights): the first moment decays by
    // beta1 = 0.9 a step, from 1e-4 to ~1e-43 (subnormal) after 850 steps.
    const steps = 850;
    const train850 = (update: (gradients: tf.NamedTensorMap) => void) => {
      const w = tf.variable(tf.linspace(-0.5, 0.5, 64));
      for (let step = 0; step < steps; step++) {
        tf.tidy(() => update({ [w.name]: step === 0 ? tf.fill([64], 1e-3) : tf.zeros([64]) }));
      }
      const values = w.dataSync() as Float32Array;
      w.dispose();
      return values;
    };
    const reference: tf.Optimizer = tf.train.adam(0.01);
    const expected = train850((gradients) => reference.applyGradients(gradients));
    const firstMoment = (await reference.getWeights())[1].tensor.dataSync();
    expect(Math.abs(firstMoment[0])).toBeGreaterThan(0);
    expect(Math.abs(firstMoment[0])).toBeLessThan(2 ** -126); // subnormal in tfjs' own update
    reference.dispose();
    const fused = createTrainingOptimizer(tf.train.adam(0.01));
    const actual = train850(stepWith(fused));
    expect(fused.fused).toBe(true);
    fused.dispose();
    expect(actual).toEqual(expected);
  });

  test('the learning rate can change between steps, as with a schedule', async () => {
    await selectBackend('blas');
    for (const make of [optimizers.sgd, optimizers.adam]) {
      const reference = make();
      let step = 0;
      const expected = train(20, (gradients) => {
        (reference as unknown as { setLearningRate?: (r: number) => void; learningRate: number }).setLearningRate?.(0.05 / (1 + step));
        (reference as unknown as { learningRate: number }).learningRate = 0.05 / (1 + step++);
        reference.applyGradients(gradients);
      });
      const fused = createTrainingOptimizer(make());
      step = 0;
      const actual = train(20, (gradients) => {
        fused.setLearningRate(0.05 / (1 + step++));
        stepWith(fused)(gradients);
      });
      expected.forEach((values, i) => expect(relativeError(actual[i], values)).toBeLessThanOrEqual(1e-6));
      reference.dispose();
      fused.dispose();
    }
  });
});

for (const backend of ['blas', 'wasm'] as const) {
  describe.skipIf(backend === 'blas' && !hasBlas)(`finite check and dropped steps on ${backend}`, () => {
    test('one NaN or Inf element anywhere flags the step; huge finite gradients do not', async () => {
      await selectBackend(backend);
      const w = tf.variable(tf.zeros([3, 4]));
      const b = tf.variable(tf.zeros([4]));
      const optimizer = createTrainingOptimizer(tf.train.adam(0.1));
      const check = (wGrad: number[], bGrad: number[]) =>
        tf.tidy(() => {
          const update = optimizer.prepare({ [w.name]: tf.tensor2d(wGrad, [3, 4]), [b.name]: tf.tensor1d(bGrad) });
          return update.gradientsFinite.dataSync()[0];
        });
      const big = Array.from({ length: 12 }, () => 3e38); // sums to +Inf: a sum-based check would flag it
      expect(check(big, [3e38, 3e38, 3e38, 3e38])).toBe(1);
      expect(
        check(
          Array.from({ length: 12 }, (_, i) => (i === 7 ? NaN : 0)),
          [0, 0, 0, 0],
        ),
      ).toBe(0);
      expect(
        check(
          Array.from({ length: 12 }, () => 0),
          [0, 0, -Infinity, 0],
        ),
      ).toBe(0);
      optimizer.dispose();
      tf.dispose([w, b]);
    });

    test('a step not applied changes nothing: the next steps match an optimizer that never saw it', async () => {
      await selectBackend(backend);
      const run = (skipNaNStep: boolean) => {
        const w = tf.variable(tf.tensor1d([0.5, -0.25, 1]));
        const optimizer = createTrainingOptimizer(tf.train.adam(0.1));
        const gradientSteps = [
          [0.1, 0.2, 0.3],
          [NaN, 1, 1],
          [0.3, -0.1, 0.2],
          [0.05, 0.05, -0.4],
        ];
        for (const gradient of gradientSteps) {
          if (!skipNaNStep && gradient.some(Number.isNaN)) continue;
          tf.tidy(() => {
            const update = optimizer.prepare({ [w.name]: tf.tensor1d(gradient) });
            if (update.gradientsFinite.dataSync()[0] === 1) update.apply();
          });
        }
        const values = Array.from(w.dataSync());
        optimizer.dispose();
        w.dispose();
        return values;
      };
      expect(run(true)).toEqual(run(false));
    });
  });
}

describe.skipIf(!hasBlas)('fused step memory', () => {
  test('no tensors leak over many fused steps', async () => {
    await selectBackend('blas');
    const optimizer = createTrainingOptimizer(tf.train.adam(0.01));
    const w = tf.variable(randomTensor([8, 8], 5));
    const stepOnce = () =>
      tf.tidy(() => {
        const update = optimizer.prepare({ [w.name]: tf.mul(w, 0.1) });
        update.apply();
      });
    stepOnce();
    const after = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) stepOnce();
    expect(tf.memory().numTensors).toBe(after);
    optimizer.dispose();
    w.dispose();
  });
});

describe.skipIf(!hasBlas)('consuming the gradients', () => {
  for (const name of ['sgd', 'adam', 'momentum'] as const) {
    test(`${name}: 50 steps that write the new values over the gradients give the same weights, bit for bit`, async () => {
      await selectBackend('blas');
      const trainWith = (consumeGradients: boolean) => {
        const optimizer = createTrainingOptimizer(optimizers[name]());
        const weights = train(50, (gradients) => {
          const update = optimizer.prepare(gradients, { consumeGradients });
          update.apply();
        });
        optimizer.dispose();
        return weights.map((values) => Array.from(values));
      };
      expect(trainWith(true)).toEqual(trainWith(false));
    });
  }

  test('a prepared step leaves gradients and variables alone until it is applied', async () => {
    await selectBackend('blas');
    const w = tf.variable(tf.tensor1d([0.5, -0.25, 1]));
    const optimizer = createTrainingOptimizer(tf.train.sgd(0.5));
    tf.tidy(() => {
      const gradient = tf.tensor1d([0.1, 0.2, 0.3]);
      const update = optimizer.prepare({ [w.name]: gradient }, { consumeGradients: true });
      expect(update.gradientsFinite.dataSync()[0]).toBe(1);
      // Not applied (as for a non-finite step): nothing changed.
      expect(Array.from(gradient.dataSync())).toEqual(Array.from(Float32Array.from([0.1, 0.2, 0.3])));
    });
    expect(Array.from(w.dataSync())).toEqual([0.5, -0.25, 1]);
    optimizer.dispose();
    w.dispose();
  });
});

/** The backend's record of a tensor's buffer: its data id and its offset in the wasm heap. */
function bufferOf(tensor: tf.Tensor): { dataId: object; offset: number } {
  const backend = tf.backend() as unknown as { getMemoryOffset(dataId: object): number };
  return { dataId: tensor.dataId, offset: backend.getMemoryOffset(tensor.dataId) };
}

/** The optimizer's state variables (Adam's moments, momentum's accumulation), from the slots it registered. */
function slotVariables(before: Set<string>): tf.Variable[] {
  return Object.values(tf.engine().registeredVariables).filter((v) => !v.trainable && !before.has(v.name));
}

describe.skipIf(!hasBlas)('the fused update writes in place', () => {
  for (const name of ['sgd', 'momentum', 'nesterov', 'adam', 'adagrad'] as const) {
    test(`${name}: every step writes the variables' and the state's own buffers, and allocates no tensor`, async () => {
      await selectBackend('blas');
      const before = new Set(Object.keys(tf.engine().registeredVariables));
      const w = tf.tidy(() => tf.variable(tf.mul(randomTensor([64, 48], 7), 0.3)));
      const b = tf.tidy(() => tf.variable(tf.fill([48], 0.01)));
      const x = randomTensor([16, 64], 8);
      const optimizer = createTrainingOptimizer(optimizers[name]());
      const step = (seed: number) =>
        tf.tidy(() => {
          const target = randomTensor([16, 48], seed);
          const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tf.relu(tf.add(tf.matMul(x, w), b)), target))), [w, b]);
          const update = optimizer.prepare(grads, { consumeGradients: true });
          expect(update.gradientsFinite.dataSync()[0]).toBe(1);
          update.apply();
        });
      step(100); // the first step creates the optimizer's state
      const state = slotVariables(before);
      expect(state.length).toBe({ sgd: 0, momentum: 2, nesterov: 2, adam: 4, adagrad: 2 }[name]);
      const buffers = [w, b, ...state].map(bufferOf);
      const memory = tf.memory();
      const dataIds = tf.engine().backend.numDataIds();
      const values: number[][] = [];
      for (let i = 1; i <= 5; i++) {
        step(100 + i);
        values.push(Array.from(w.dataSync().slice(0, 4)));
        // The same data ids at the same heap offsets: the values changed where they live.
        expect([w, b, ...state].map(bufferOf)).toEqual(buffers);
        expect(tf.memory().numTensors).toBe(memory.numTensors);
        expect(tf.memory().numBytes).toBe(memory.numBytes);
        expect(tf.engine().backend.numDataIds()).toBe(dataIds);
      }
      expect(values[4]).not.toEqual(values[0]); // it did train
      optimizer.dispose();
      tf.dispose([w, b, x]);
    });
  }

  test('a variable that shares its buffer gets one of its own first: the other tensors keep their values', async () => {
    await selectBackend('blas');
    const reference: tf.Optimizer = tf.train.adam(0.1);
    const fused = createTrainingOptimizer(tf.train.adam(0.1));
    const initial = tf.tensor1d([0.5, -0.25, 1]);
    const expectedW = tf.variable(tf.clone(initial));
    const w = tf.variable(initial); // shares initial's buffer
    const kept: tf.Tensor[] = [];
    for (const gradient of [
      [0.1, 0.2, 0.3],
      [0.3, -0.1, 0.2],
      [0.05, 0.05, -0.4],
    ]) {
      kept.push(tf.clone(w)); // shares w's buffer as it is before the step
      const wasOwned = w.dataId;
      tf.tidy(() => {
        const update = fused.prepare({ [w.name]: tf.tensor1d(gradient) });
        update.apply();
        reference.applyGradients({ [expectedW.name]: tf.tensor1d(gradient) });
      });
      expect(w.dataId).not.toBe(wasOwned); // copied, then updated
      expect(Array.from(w.dataSync())).toEqual(Array.from(expectedW.dataSync()));
    }
    expect(Array.from(initial.dataSync())).toEqual(Array.from(Float32Array.from([0.5, -0.25, 1])));
    // Each clone still reads the values of its own step; so does each kept value.
    const afterSteps: number[][] = [];
    {
      const replay = tf.variable(tf.tensor1d([0.5, -0.25, 1]));
      const replayOptimizer: tf.Optimizer = tf.train.adam(0.1);
      afterSteps.push(Array.from(replay.dataSync()));
      for (const gradient of [
        [0.1, 0.2, 0.3],
        [0.3, -0.1, 0.2],
      ]) {
        tf.tidy(() => replayOptimizer.applyGradients({ [replay.name]: tf.tensor1d(gradient) }));
        afterSteps.push(Array.from(replay.dataSync()));
      }
      replayOptimizer.dispose();
      replay.dispose();
    }
    expect(kept.map((t) => Array.from(t.dataSync()))).toEqual(afterSteps);
    fused.dispose();
    reference.dispose();
    tf.dispose([initial, w, expectedW, ...kept]);
  });

  test('the update kernel refuses to write a buffer another tensor shares', async () => {
    await selectBackend('blas');
    const w = tf.variable(tf.tensor1d([1, 2]));
    const alias = tf.clone(w);
    const gradient = tf.tensor1d([1, 1]);
    expect(() =>
      tf
        .engine()
        .runKernel(
          OPTIMIZER_UPDATE_KERNEL,
          { value0: w, gradient0: gradient },
          { kind: 0, constants: [-1, 0, 0, 0, 0, 0, 0, 0, 0], variables: 1, slots: 0 },
        ),
    ).toThrow(/shares its buffer/);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    tf.dispose([w, alias, gradient]);
  });
});
