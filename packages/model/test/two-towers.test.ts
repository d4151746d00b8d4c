import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import {
  createCnnTower,
  createSiameseModel,
  modelParameterCount,
  ModelInputError,
  type CnnTowerSpec,
  type MlpTowerSpec,
  type ModelSpec,
  type SiameseModel,
} from '../src/index.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

const mlp: MlpTowerSpec = { kind: 'mlp', hidden: [16], activation: 'relu', init_stddev: 0.1, bias_init: 0.01 };
const cnn: CnnTowerSpec = { kind: 'cnn', channels: [3, 4], kernel_size: 5, hidden: [8], activation: 'relu', bias_init: 0.01 };

function seededInputs(rows: number, features: number, seed: number): tf.Tensor2D {
  return tf.randomUniform<tf.Rank.R2>([rows, features], 0, 1, 'float32', seed);
}

/** A few SGD steps pulling the two sides' embeddings of the same rows together. */
function trainSteps(model: SiameseModel, left: tf.Tensor2D, right: tf.Tensor2D, steps: number): void {
  const optimizer = tf.train.sgd(0.05);
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const [a, b] = model.embedPair(left, right);
        return tf.mean<tf.Scalar>(tf.sum(tf.square(tf.sub(a, b)), 1));
      }, model.trainableVariables);
      optimizer.applyGradients(grads);
    });
  }
  optimizer.dispose();
}

const snapshot = (model: SiameseModel) => new Map(model.exportWeights().map((w) => [w.name, Float32Array.from(w.values)]));
const changed = (before: Float32Array, after: Float32Array) => before.some((value, i) => value !== after[i]);

describe('distinct and shared weights', () => {
  it('gives distinct sisters two sets of weights that change independently in training', () => {
    const model = createSiameseModel({ share_weights: false, embedding_dim: 2, tower_a: mlp }, { inputSizeA: 12, inputSizeB: 12, seed: 5 });
    const before = snapshot(model);
    expect([...before.keys()]).toEqual([
      'tower_a/dense_0/weights',
      'tower_a/dense_0/bias',
      'tower_a/dense_1/weights',
      'tower_a/dense_1/bias',
      'tower_b/dense_0/weights',
      'tower_b/dense_0/bias',
      'tower_b/dense_1/weights',
      'tower_b/dense_1/bias',
    ]);
    // Same architecture, separate initial draws.
    expect(before.get('tower_a/dense_0/weights')).not.toEqual(before.get('tower_b/dense_0/weights'));

    const x = seededInputs(6, 12, 1);
    const [a0, b0] = model.embedPair(x, x);
    expect(Array.from(a0.dataSync())).not.toEqual(Array.from(b0.dataSync()));
    trainSteps(model, x, seededInputs(6, 12, 2), 3);
    const after = snapshot(model);
    for (const name of ['tower_a/dense_0/weights', 'tower_a/dense_1/weights', 'tower_b/dense_0/weights', 'tower_b/dense_1/weights']) {
      expect(changed(before.get(name)!, after.get(name)!)).toBe(true);
    }
    // Each tower moved by its own gradient: the updates differ.
    const update = (name: string) => after.get(name)!.map((value, i) => value - before.get(name)![i]);
    expect(update('tower_a/dense_1/weights')).not.toEqual(update('tower_b/dense_1/weights'));
    model.dispose();
  });

  it('gives a shared-weights model one set of weights, trained from both sides', () => {
    const model = createSiameseModel({ share_weights: true, embedding_dim: 2, tower_a: mlp }, { inputSizeA: 12, inputSizeB: 12, seed: 5 });
    const before = snapshot(model);
    expect([...before.keys()].every((name) => name.startsWith('tower_a/'))).toBe(true);
    expect(before.size).toBe(4);
    trainSteps(model, seededInputs(6, 12, 1), seededInputs(6, 12, 2), 2);
    const after = snapshot(model);
    expect(changed(before.get('tower_a/dense_0/weights')!, after.get('tower_a/dense_0/weights')!)).toBe(true);
    const x = seededInputs(3, 12, 3);
    const [a, b] = model.embedPair(x, x);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    model.dispose();
  });

  it('combines different architectures: an MLP for 28x28 inputs and a CNN for 14x14 ones', () => {
    const model = createSiameseModel(
      { share_weights: false, embedding_dim: 3, tower_a: mlp, tower_b: cnn },
      { inputSizeA: 784, inputSizeB: 196, imageShapeB: { rows: 14, cols: 14 }, seed: 2 },
    );
    expect(model.towers.map((tower) => tower.kind)).toEqual(['mlp', 'cnn']);
    const names = model.exportWeights().map((w) => w.name);
    expect(names.filter((name) => name.startsWith('tower_b/conv_'))).toEqual([
      'tower_b/conv_0/kernel',
      'tower_b/conv_0/bias',
      'tower_b/conv_1/kernel',
      'tower_b/conv_1/bias',
    ]);
    const [a, b] = model.embedPair(seededInputs(4, 784, 1), seededInputs(4, 196, 2));
    expect(a.shape).toEqual([4, 3]);
    expect(b.shape).toEqual([4, 3]);
    const before = snapshot(model);
    trainSteps(model, seededInputs(4, 784, 1), seededInputs(4, 196, 2), 2);
    const after = snapshot(model);
    expect(changed(before.get('tower_a/dense_0/weights')!, after.get('tower_a/dense_0/weights')!)).toBe(true);
    expect(changed(before.get('tower_b/conv_0/kernel')!, after.get('tower_b/conv_0/kernel')!)).toBe(true);
    model.dispose();
  });
});

describe('configuration errors', () => {
  /** What `action` throws: a plain Error for what the settings schema rules out (a caller bug), not a LabError. */
  function bugOf(action: () => unknown): Error {
    try {
      action();
    } catch (error) {
      if (error instanceof Error && !(error instanceof LabError)) return error;
      throw error;
    }
    throw new Error('expected a plain Error');
  }

  it('asserts agreeing embedding sizes (the settings schema checks them)', () => {
    const spec: ModelSpec = { share_weights: false, embedding_dim: 2, tower_a: mlp, tower_b: { ...cnn, embedding_dim: 8 } };
    expect(bugOf(() => createSiameseModel(spec, { inputSizeA: 784, inputSizeB: 196, seed: 1 })).message).toMatch(
      /tower_b outputs 8-dimensional.*embedding_dim is 2/,
    );
    expect(
      bugOf(() =>
        createSiameseModel({ ...spec, tower_a: { ...mlp, embedding_dim: 3 }, tower_b: cnn }, { inputSizeA: 784, inputSizeB: 196, seed: 1 }),
      ).message,
    ).toMatch(/^tower_a outputs 3-dimensional/);
    // Agreeing sizes are fine.
    createSiameseModel({ ...spec, tower_b: { ...cnn, embedding_dim: 2 } }, { inputSizeA: 784, inputSizeB: 196, seed: 1 }).dispose();
  });

  it('asserts image inputs for a CNN without an image shape, and an odd kernel', () => {
    expect(
      bugOf(() => createSiameseModel({ share_weights: true, embedding_dim: 2, tower_a: cnn }, { inputSizeA: 50, inputSizeB: 50, seed: 1 }))
        .message,
    ).toMatch(/50 features are not a square image/);
    expect(bugOf(() => createCnnTower({ ...cnn, kernel_size: 4 }, { rows: 14, cols: 14 }, 2, 1, 'tower_b')).message).toMatch(
      /kernel_size must be an odd whole number, got 4/,
    );
  });

  it('rejects images too small for the convolutions as bad input, naming the model setting', () => {
    const deep: CnnTowerSpec = { ...cnn, channels: [2, 2, 2, 2] };
    const spec: ModelSpec = { share_weights: false, embedding_dim: 2, tower_a: mlp, tower_b: deep };
    const inputs = { inputSizeA: 784, inputSizeB: 196, imageShapeA: { rows: 28, cols: 28 }, imageShapeB: { rows: 14, cols: 14 } };
    let error: unknown;
    try {
      modelParameterCount(spec, inputs);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ModelInputError);
    expect((error as ModelInputError).setting).toBe('tower_b.channels');
    expect((error as ModelInputError).message).toMatch(/14x14 images are too small for 4 convolution/);
  });
});

describe('CNN tower', () => {
  it('maps 28x28 and 14x14 images to embeddings, with odd sides cropped by pooling', () => {
    for (const [rows, flat] of [
      [28, 7 * 7 * 4],
      [14, 3 * 3 * 4],
    ]) {
      const tower = createCnnTower(cnn, { rows, cols: rows }, 2, 1, 'tower_b');
      expect(tower.variables.map((v) => v.shape)).toEqual([[5, 5, 1, 3], [3], [5, 5, 3, 4], [4], [flat, 8], [8], [8, 2], [2]]);
      const out = tower.apply(seededInputs(5, rows * rows, 4));
      expect(out.shape).toEqual([5, 2]);
      expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
      tower.dispose();
    }
  });

  it('passes gradients to every weight, equal to those of the reference tf.conv2d graph', () => {
    const tower = createCnnTower(cnn, { rows: 14, cols: 14 }, 2, 3, 'tower_b');
    const x = seededInputs(3, 196, 5);
    const target = tf.randomNormal([3, 2], 0, 1, 'float32', 6);
    const objective = (embed: () => tf.Tensor) => () => tf.sum<tf.Scalar>(tf.square(tf.sub(embed(), target)));
    // Through the tower, with the input as a trainable-graph value so the input gradient runs too.
    const ours = tf.variableGrads(
      objective(() => tower.apply(tf.mul<tf.Tensor2D>(x, 1), false)),
      tower.variables,
    );
    // Reference: the same network from tfjs' own conv2d and maxPool (and their gradients, on cpu).
    const [k0, b0, k1, b1, w0, c0, w1, c1] = tower.variables;
    const reference = tf.variableGrads(
      objective(() => {
        let h = tf.reshape<tf.Rank.R4>(tf.mul(x, 1), [3, 14, 14, 1]);
        h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, k0 as tf.Tensor4D, 1, 'same'), b0)) as tf.Tensor4D, 2, 2, 'valid');
        h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, k1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D, 2, 2, 'valid');
        const hidden = tf.relu(tf.add(tf.matMul(tf.reshape(h, [3, 36]), w0 as tf.Tensor2D), c0));
        return tf.add(tf.matMul(hidden, w1 as tf.Tensor2D), c1);
      }),
      tower.variables,
    );
    expect(ours.value.dataSync()[0]).toBeCloseTo(reference.value.dataSync()[0], 4);
    for (const variable of tower.variables) {
      const gradient = ours.grads[variable.name].dataSync();
      const expected = reference.grads[variable.name].dataSync();
      expect(gradient.some((g) => g !== 0)).toBe(true);
      for (let i = 0; i < expected.length; i++) expect(gradient[i]).toBeCloseTo(expected[i], 4);
    }
    tower.dispose();
  });

  it('leaves no tensor behind after a training step and dispose', () => {
    const [left, right] = [seededInputs(2, 196, 1), seededInputs(2, 196, 2)];
    const before = tf.memory().numTensors;
    const model = createSiameseModel(
      { share_weights: true, embedding_dim: 2, tower_a: cnn },
      { inputSizeA: 196, inputSizeB: 196, seed: 1 },
    );
    trainSteps(model, left, right, 1);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains on the wasm backend too (which has no conv2d kernel-gradient kernel), matching cpu', async () => {
    const gradientsOn = async (backend: 'cpu' | 'wasm') => {
      await selectBackend(backend);
      const tower = createCnnTower(cnn, { rows: 14, cols: 14 }, 2, 7, 'tower_b');
      const x = seededInputs(2, 196, 8);
      const { grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(tf.square(tower.apply(x))), tower.variables);
      const values = tower.variables.map((variable) => Array.from(grads[variable.name].dataSync()));
      tower.dispose();
      return values;
    };
    try {
      const wasm = await gradientsOn('wasm');
      const cpu = await gradientsOn('cpu');
      wasm.forEach((gradient, layer) => gradient.forEach((value, i) => expect(value).toBeCloseTo(cpu[layer][i], 4)));
    } finally {
      await selectBackend('cpu');
    }
  });
});

describe('embedStacked', () => {
  it.each([true, false])('gives exactly the embeddings of embedPair, stacked (share_weights %s)', (share) => {
    const model = createSiameseModel({ share_weights: share, embedding_dim: 2, tower_a: mlp }, { inputSizeA: 12, inputSizeB: 12, seed: 7 });
    const left = seededInputs(5, 12, 1);
    const right = seededInputs(5, 12, 2);
    const [pairA, pairB] = model.embedPair(left, right);
    const stacked = model.embedStacked(tf.concat2d([left, right], 0), 5);
    expect(stacked.shape).toEqual([10, 2]);
    expect(Array.from(stacked.dataSync())).toEqual([...pairA.dataSync(), ...pairB.dataSync()]);
    // The two halves are really the two sides: swapped inputs swap a shared tower's embeddings.
    if (share) {
      const swapped = model.embedStacked(tf.concat2d([right, left], 0), 5);
      expect(Array.from(swapped.dataSync())).toEqual([...pairB.dataSync(), ...pairA.dataSync()]);
    }
    model.dispose();
  });

  it('refuses a stack whose rows do not make two halves, or sides of different input sizes', () => {
    const model = createSiameseModel({ share_weights: true, embedding_dim: 2, tower_a: mlp }, { inputSizeA: 12, inputSizeB: 12, seed: 7 });
    expect(() => model.embedStacked(seededInputs(7, 12, 1), 4)).toThrow(/needs 8 rows of one input size; got 7 rows/);
    const twoSizes = createSiameseModel(
      { share_weights: false, embedding_dim: 2, tower_a: mlp },
      { inputSizeA: 12, inputSizeB: 8, seed: 7 },
    );
    expect(() => twoSizes.embedStacked(seededInputs(8, 12, 1), 4)).toThrow(/input sizes 12 and 8/);
    model.dispose();
    twoSizes.dispose();
  });
});
