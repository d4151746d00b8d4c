import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import { createSiameseModel, ModelInputError, type MlpTowerSpec, type ModelSpec } from '../src/index.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

const seedTower: MlpTowerSpec = { kind: 'mlp', hidden: [32, 16], activation: 'relu', init_stddev: 0.01, bias_init: 0.01 };
const shared: ModelSpec = { share_weights: true, embedding_dim: 2, tower_a: seedTower };

describe('createSiameseModel', () => {
  it('initialises like the seed: truncated normal within two standard deviations, bias 0.01', () => {
    const model = createSiameseModel(
      { ...shared, tower_a: { ...seedTower, hidden: [256] } },
      { inputSizeA: 784, inputSizeB: 784, seed: 1 },
    );
    const weights = model.exportWeights();
    expect(weights.map((w) => w.shape)).toEqual([[784, 256], [256], [256, 2], [2]]);
    const kernel = weights[0].values;
    let sum = 0,
      sumSquares = 0,
      maxAbs = 0;
    for (const value of kernel) {
      sum += value;
      sumSquares += value * value;
      maxAbs = Math.max(maxAbs, Math.abs(value));
    }
    const mean = sum / kernel.length;
    const std = Math.sqrt(sumSquares / kernel.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(2e-4);
    // A normal truncated at ±2σ has a standard deviation of 0.88σ.
    expect(std).toBeGreaterThan(0.0083);
    expect(std).toBeLessThan(0.0093);
    expect(maxAbs).toBeLessThanOrEqual(0.02 + 1e-7);
    expect(Array.from(weights[1].values).every((b) => Math.abs(b - 0.01) < 1e-9)).toBe(true);
    model.dispose();
  });

  it('gives the same initial weights for the same seed and different ones for another seed', () => {
    const first = createSiameseModel(shared, { inputSizeA: 8, inputSizeB: 8, seed: 3 });
    const second = createSiameseModel(shared, { inputSizeA: 8, inputSizeB: 8, seed: 3 });
    const third = createSiameseModel(shared, { inputSizeA: 8, inputSizeB: 8, seed: 4 });
    expect(first.exportWeights()[0].values).toEqual(second.exportWeights()[0].values);
    expect(first.exportWeights()[0].values).not.toEqual(third.exportWeights()[0].values);
    [first, second, third].forEach((model) => model.dispose());
  });

  it('shares one set of weights: an identical pair has identical embeddings', () => {
    const model = createSiameseModel(shared, { inputSizeA: 8, inputSizeB: 8, seed: 1 });
    expect(model.towers).toHaveLength(1);
    expect(model.trainableVariables).toHaveLength(6);
    const x = tf.randomUniform<tf.Rank.R2>([5, 8], 0, 1, 'float32', 9);
    const [left, right] = model.embedPair(x, x.clone());
    expect(left.shape).toEqual([5, 2]);
    expect(Array.from(left.dataSync())).toEqual(Array.from(right.dataSync()));
    model.dispose();
  });

  it('gives distinct sisters their own weights, even with different input sizes', () => {
    const model = createSiameseModel(
      { share_weights: false, embedding_dim: 3, tower_a: seedTower, tower_b: { ...seedTower, hidden: [10] } },
      { inputSizeA: 8, inputSizeB: 4, seed: 1 },
    );
    expect(model.towers).toHaveLength(2);
    expect(model.trainableVariables).toHaveLength(6 + 4);
    const [left, right] = model.embedPair(tf.ones<tf.Rank.R2>([2, 8]), tf.ones<tf.Rank.R2>([2, 4]));
    expect(left.shape).toEqual([2, 3]);
    expect(right.shape).toEqual([2, 3]);
    model.dispose();
  });

  it('rejects shared weights over inputs of different sizes with a clear error', () => {
    expect(() => createSiameseModel(shared, { inputSizeA: 8, inputSizeB: 4, seed: 1 })).toThrow(ModelInputError);
    try {
      createSiameseModel(shared, { inputSizeA: 8, inputSizeB: 4, seed: 1 });
    } catch (error) {
      expect((error as ModelInputError).setting).toBe('share_weights');
      expect((error as ModelInputError).describe()).toMatch(/same size.*share_weights: false/s);
    }
  });

  it('embeds a whole dataset in chunks, matching a single pass', () => {
    const model = createSiameseModel(shared, { inputSizeA: 8, inputSizeB: 8, seed: 2 });
    const data = Float32Array.from({ length: 7 * 8 }, (_, i) => (i % 11) / 11);
    const chunked = model.embedAll(data, 7, 'a', 3);
    const whole = model.embedAll(data, 7, 'a', 100);
    expect(Array.from(chunked)).toEqual(Array.from(whole));
    model.dispose();
  });
});

describe('memory', () => {
  it('leaves no tensor behind after dispose', () => {
    const before = tf.memory().numTensors;
    const model = createSiameseModel(shared, { inputSizeA: 8, inputSizeB: 8, seed: 1 });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
