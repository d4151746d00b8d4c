import { describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { flattenParams, runSpecSchema, storedRunSpec } from '../src/index.ts';
import { runSisters, sisterLayers } from '../src/stored-model.ts';

describe('a stored run, away from training', () => {
  it('its stored parameters give back its RunSpec', () => {
    const spec = runSpecSchema.parse({
      model: {
        share_weights: false,
        tower_a: { hidden: [24, 12] },
        tower_b: { kind: 'cnn', channels: [4, 6], kernel_size: 3, hidden: [16] },
      },
      data: { train_limit: 600, right: { rotate90: true, downsample: 2 } },
      optimizer: { name: 'adam', learning_rate: 0.001, schedule: { kind: 'cosine' } },
    });
    expect(storedRunSpec(flattenParams(spec))).toEqual(spec);
    const seed = runSpecSchema.parse({});
    expect(storedRunSpec(flattenParams(seed))).toEqual(seed);
  });

  it('parameters this version cannot read are a LabError', () => {
    expect(() => storedRunSpec({ 'model.tower_a.kind': 'transformer' })).toThrow(LabError);
  });

  it("sister B takes domain A's images and renders them as the run did: rotated, inverted, halved", () => {
    const spec = runSpecSchema.parse({
      model: { share_weights: false, tower_b: { kind: 'cnn', channels: [2], kernel_size: 3, hidden: [] } },
      data: { right: { rotate90: true, invert: true, downsample: 2 } },
    });
    const sisters = runSisters(spec, null);
    // MNIST: raw pixels 0-255, scaled to [0, 1] (no per-channel normalisation).
    const pixelBytes = { kind: 'bytes', normalize: 'unit' };
    expect(sisters).toEqual([
      { side: 'a', input: { rows: 28, cols: 28, channels: 1 }, tower: { rows: 28, cols: 28, channels: 1 }, inputs: pixelBytes },
      { side: 'b', input: { rows: 28, cols: 28, channels: 1 }, tower: { rows: 14, cols: 14, channels: 1 }, inputs: pixelBytes },
    ]);
    const weights = (name: string, shape: number[]) => ({ name, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const checkpoint = {
      tensors: [
        weights('tower_b/conv_0/kernel', [3, 3, 1, 2]),
        weights('tower_b/conv_0/bias', [2]),
        weights('tower_b/dense_0/weights', [98, 2]),
        weights('tower_b/dense_0/bias', [2]),
      ],
    };
    expect(sisterLayers(spec, sisters[1], checkpoint, 1).map((layer) => layer.kind)).toEqual([
      'scale',
      'rotate90',
      'invert',
      'average_pool',
      'conv',
      'max_pool',
      'dense',
    ]);
    expect(() => sisterLayers(spec, sisters[0], checkpoint, 1)).toThrow(/the checkpoint of run 1 has no tensor tower_a\/dense_0\/weights/);
  });
});
