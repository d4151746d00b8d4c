// Inputs of any image shape: H x W x C, flattened row-major (HWC), as image folders and .npy arrays give them.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import { createSiameseModel, modelParameterCount, type CnnTowerSpec, type MlpTowerSpec } from '../src/index.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

const mlp: MlpTowerSpec = { kind: 'mlp', hidden: [8], activation: 'relu', init_stddev: 0.1, bias_init: 0.01 };
const cnn: CnnTowerSpec = { kind: 'cnn', channels: [4], kernel_size: 3, hidden: [8], activation: 'relu', bias_init: 0.01 };

describe('multi-channel inputs', () => {
  it('gives a CNN sister one kernel input per channel, and counts its weights exactly', () => {
    const image = { rows: 6, cols: 5, channels: 3 };
    const inputs = { inputSizeA: 90, inputSizeB: 90, imageShapeA: image, imageShapeB: image };
    const model = createSiameseModel({ share_weights: true, embedding_dim: 2, tower_a: cnn }, { ...inputs, seed: 1 });
    const kernel = model.exportWeights().find((weights) => weights.name.endsWith('conv_0/kernel'))!;
    expect(kernel.shape).toEqual([3, 3, 3, 4]);
    const built = model.towers[0].variables.reduce((sum, variable) => sum + variable.size, 0);
    expect(modelParameterCount(model.spec, inputs).towerA).toBe(built);
    const x = tf.randomUniform<tf.Rank.R2>([4, 90], 0, 1, 'float32', 3);
    const [a] = model.embedPair(x, x);
    expect(a.shape).toEqual([4, 2]);
    model.dispose();
  });

  it('reads HWC: a CNN on three identical channels equals one on a single channel with the kernel summed over channels', () => {
    const grey = { rows: 4, cols: 4, channels: 1 };
    const rgb = { rows: 4, cols: 4, channels: 3 };
    const single = createSiameseModel(
      { share_weights: true, embedding_dim: 2, tower_a: cnn },
      { inputSizeA: 16, inputSizeB: 16, imageShapeA: grey, imageShapeB: grey, seed: 2 },
    );
    const triple = createSiameseModel(
      { share_weights: true, embedding_dim: 2, tower_a: cnn },
      { inputSizeA: 48, inputSizeB: 48, imageShapeA: rgb, imageShapeB: rgb, seed: 2 },
    );
    // Make the 3-channel kernel k/3 per channel of the 1-channel kernel k, every other weight equal.
    const [kernelSingle, ...restSingle] = single.towers[0].variables;
    const [kernelTriple, ...restTriple] = triple.towers[0].variables;
    kernelTriple.assign(tf.tidy(() => tf.div(tf.concat([kernelSingle, kernelSingle, kernelSingle], 2), 3)));
    restTriple.forEach((variable, i) => variable.assign(restSingle[i]));
    const pixels = Float32Array.from({ length: 2 * 16 }, (_, i) => ((i * 7) % 11) / 10);
    const repeated = Float32Array.from({ length: 2 * 48 }, (_, i) => pixels[Math.floor(i / 3)]);
    const a = single.embedAll(pixels, 2, 'a');
    const b = triple.embedAll(repeated, 2, 'a');
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 5);
    single.dispose();
    triple.dispose();
  });

  it('flattens H x W x C for an MLP sister', () => {
    const model = createSiameseModel(
      { share_weights: true, embedding_dim: 2, tower_a: mlp },
      {
        inputSizeA: 2 * 3 * 3,
        inputSizeB: 18,
        imageShapeA: { rows: 2, cols: 3, channels: 3 },
        imageShapeB: { rows: 2, cols: 3, channels: 3 },
        seed: 1,
      },
    );
    expect(model.exportWeights()[0].shape).toEqual([18, 8]);
    model.dispose();
  });
});
