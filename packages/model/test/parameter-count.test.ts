import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@siamese-lab/backend';
import { createSiameseModel, modelParameterCount, type CnnTowerSpec, type MlpTowerSpec, type ModelSpec } from '../src/index.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

const mlp: MlpTowerSpec = { kind: 'mlp', hidden: [16, 8], activation: 'relu', init_stddev: 0.1, bias_init: 0.01 };
const cnn: CnnTowerSpec = { kind: 'cnn', channels: [3, 4], kernel_size: 5, hidden: [8], activation: 'relu', bias_init: 0.01 };

describe('modelParameterCount', () => {
  const cases: Array<[string, ModelSpec]> = [
    ['shared MLP', { share_weights: true, embedding_dim: 2, tower_a: mlp }],
    ['MLP and CNN sisters', { share_weights: false, embedding_dim: 3, tower_a: mlp, tower_b: cnn }],
    ['CNN and its unshared copy', { share_weights: false, embedding_dim: 2, tower_a: cnn }],
  ];
  for (const [what, spec] of cases) {
    it(`counts exactly the weights the model builds: ${what}`, () => {
      const side = spec.share_weights ? 28 : 14;
      const inputs = {
        inputSizeA: 28 * 28,
        inputSizeB: side * side,
        imageShapeA: { rows: 28, cols: 28 },
        imageShapeB: { rows: side, cols: side },
      };
      const model = createSiameseModel(spec, { ...inputs, seed: 1 });
      const built = model.towers.map((tower) => tower.variables.reduce((sum, variable) => sum + variable.size, 0));
      model.dispose();
      const counted = modelParameterCount(spec, inputs);
      expect([counted.towerA, counted.towerB]).toEqual(spec.share_weights ? [built[0], 0] : built);
    });
  }

  it('counts a model far too large to build without allocating it', () => {
    const huge: ModelSpec = { share_weights: true, embedding_dim: 2, tower_a: { ...mlp, hidden: [2_000_000_000] } };
    // 784·2e9 + 2e9 weights and biases into the hidden layer, 2e9·2 + 2 out of it.
    expect(modelParameterCount(huge, { inputSizeA: 784, inputSizeB: 784 }).towerA).toBe(784 * 2e9 + 2e9 + 2e9 * 2 + 2);
  });
});
