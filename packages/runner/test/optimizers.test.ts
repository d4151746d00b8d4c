import { beforeAll, describe, expect, it } from 'vitest';
import { createTrainingOptimizer, selectBackend, tf } from '@siamese-lab/backend';
import { buildOptimizer, learningRateAt, optimizerAsBuilt } from '../src/optimizers.ts';
import { optimizerStateCopies } from '../src/optimizers.ts';
import { optimizerNames, runSpecSchema } from '../src/spec/schema.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

const optimizerSpec = (extra: Record<string, unknown>) => runSpecSchema.parse({ optimizer: extra }).optimizer;

describe('learningRateAt', () => {
  it('keeps a constant rate without a schedule', () => {
    expect(learningRateAt(optimizerSpec({ learning_rate: 0.1 }), 500, 1000)).toBe(0.1);
  });

  it('steps down by gamma every step_size steps', () => {
    const spec = optimizerSpec({ learning_rate: 0.1, schedule: { kind: 'step', step_size: 100, gamma: 0.5 } });
    expect(learningRateAt(spec, 0, 1000)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(spec, 99, 1000)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(spec, 100, 1000)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(spec, 250, 1000)).toBeCloseTo(0.025, 12);
  });

  it('follows a cosine from the rate down to min_learning_rate', () => {
    const spec = optimizerSpec({ learning_rate: 1, schedule: { kind: 'cosine', min_learning_rate: 0.1 } });
    expect(learningRateAt(spec, 0, 101)).toBeCloseTo(1, 12);
    expect(learningRateAt(spec, 50, 101)).toBeCloseTo(0.55, 12); // halfway: min + (max − min) / 2
    expect(learningRateAt(spec, 100, 101)).toBeCloseTo(0.1, 12);
  });
});

describe('optimizerAsBuilt', () => {
  it('reports the class and hyper-parameters tfjs built, so a dropped setting shows', async () => {
    await selectBackend('cpu');
    expect(optimizerAsBuilt(optimizerSpec({ name: 'adam', learning_rate: 0.01, beta2: 0.99 }))).toEqual({
      class: 'Adam',
      learningRate: 0.01,
      beta1: 0.9,
      beta2: 0.99,
      epsilon: 1e-7,
    });
    expect(optimizerAsBuilt(optimizerSpec({ name: 'sgd', learning_rate: 0.1 }))).toEqual({ class: 'SGD', learningRate: 0.1 });
  });
});

describe('buildOptimizer', () => {
  it('builds every optimizer the schema names, and each one moves a variable downhill', () => {
    for (const name of optimizerNames) {
      const optimizer = buildOptimizer(optimizerSpec({ name, learning_rate: 0.1 }));
      const x = tf.variable(tf.scalar(3));
      for (let i = 0; i < 5; i++) optimizer.minimize(() => tf.square(x), false, [x]);
      expect(Math.abs(x.dataSync()[0]), name).toBeLessThan(3);
      x.dispose();
      optimizer.dispose();
    }
  });

  it('applies a changed learning rate on the next update (SGD: x − rate · 2x)', () => {
    for (const name of ['sgd', 'adam'] as const) {
      const optimizer = createTrainingOptimizer(buildOptimizer(optimizerSpec({ name, learning_rate: 0.1 })));
      const x = tf.variable(tf.scalar(1));
      const step = () => tf.tidy(() => optimizer.prepare(tf.variableGrads(() => tf.square(x), [x]).grads).apply());
      optimizer.setLearningRate(0);
      step();
      expect(x.dataSync()[0], `${name} with rate 0`).toBe(1);
      optimizer.setLearningRate(0.25);
      step();
      expect(x.dataSync()[0], `${name} with rate 0.25`).toBeLessThan(1);
      if (name === 'sgd') expect(x.dataSync()[0]).toBeCloseTo(0.5, 6);
      x.dispose();
      optimizer.dispose();
    }
  });

  it('passes hyper-parameters through (momentum accumulates velocity)', () => {
    const plain = buildOptimizer(optimizerSpec({ name: 'momentum', learning_rate: 0.1, momentum: 0 }));
    const heavy = buildOptimizer(optimizerSpec({ name: 'momentum', learning_rate: 0.1, momentum: 0.9 }));
    const a = tf.variable(tf.scalar(1));
    const b = tf.variable(tf.scalar(1));
    for (let i = 0; i < 3; i++) {
      plain.minimize(() => tf.square(a), false, [a]);
      heavy.minimize(() => tf.square(b), false, [b]);
    }
    expect(b.dataSync()[0]).toBeLessThan(a.dataSync()[0]);
  });
});

describe('optimizerStateCopies', () => {
  for (const name of optimizerNames) {
    it(`counts the values ${name} keeps per weight, as tfjs allocates them`, () => {
      const optimizer = buildOptimizer(optimizerSpec({ name, learning_rate: 0.01 }));
      const weight = tf.variable(tf.ones([10, 100]));
      const before = tf.memory().numBytes;
      optimizer.minimize(() => tf.sum(tf.square(weight)), false, [weight]);
      // What stays allocated after the first update: the optimizer's per-weight state, plus a few
      // scalars (step counters, powers of beta), far smaller than one copy of the weight.
      const copies = (tf.memory().numBytes - before) / (weight.size * 4);
      expect(Math.floor(copies)).toBe(optimizerStateCopies[name]);
      optimizer.dispose();
      weight.dispose();
    });
  }
});
