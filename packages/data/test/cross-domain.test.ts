import { describe, expect, it } from 'vitest';
import { createPairSampler, loadMnist, sliceExamples, transformDataset } from '../src/index.ts';

describe('cross-domain pairs: MNIST digits against their rotated, inverted 14x14 rendering', () => {
  const domainA = sliceExamples(loadMnist().train, 0, 500, 'mnist-first-500');
  const domainB = transformDataset(domainA, { rotate90: true, invert: true, downsample: 2 });

  it('renders domain B with the same labels, a 14x14 shape and the transformed pixels', () => {
    expect(domainB).toMatchObject({ count: 500, rows: 14, cols: 14, classes: 10, name: 'mnist-first-500-rot90-inverted-14x14' });
    expect(Array.from(domainB.labels)).toEqual(Array.from(domainA.labels));
    // Pixel (r, c) of B averages the 2x2 block of A rotated a quarter turn clockwise, inverted.
    const image = 7,
      r = 3,
      c = 9;
    const a = (row: number, col: number) => domainA.images[image * 784 + row * 28 + col];
    const rotated = (row: number, col: number) => a(27 - col, row);
    const expected =
      1 - (rotated(2 * r, 2 * c) + rotated(2 * r, 2 * c + 1) + rotated(2 * r + 1, 2 * c) + rotated(2 * r + 1, 2 * c + 1)) / 4;
    expect(domainB.images[image * 196 + r * 14 + c]).toBeCloseTo(expected, 6);
  });

  it('pairs an A image on the left with a B image on the right, positive exactly when the digits match', () => {
    for (const kind of ['epoch', 'with_replacement', 'balanced'] as const) {
      const sampler = createPairSampler({ kind, dataset: domainA, right: domainB, batchSize: 64, seed: 3 });
      expect([sampler.leftFeatures, sampler.rightFeatures]).toEqual([784, 196]);
      for (let round = 0; round < 3; round++) {
        const batch = sampler.nextBatch();
        let positives = 0;
        for (let k = 0; k < 64; k++) {
          const i = batch.leftIndices[k],
            j = batch.rightIndices[k];
          expect(batch.similar[k]).toBe(domainA.labels[i] === domainB.labels[j] ? 1 : 0);
          expect(batch.left.subarray(k * 784, (k + 1) * 784)).toEqual(domainA.images.subarray(i * 784, (i + 1) * 784));
          expect(batch.right.subarray(k * 196, (k + 1) * 196)).toEqual(domainB.images.subarray(j * 196, (j + 1) * 196));
          positives += batch.similar[k];
        }
        if (kind === 'balanced') expect(positives).toBe(32);
      }
    }
  });

  it('can pair an image with its own rendering: cross-domain positives include the same index', () => {
    const sampler = createPairSampler({ kind: 'balanced', dataset: domainA, right: domainB, batchSize: 500, seed: 4 });
    const batch = sampler.nextBatch();
    // Across domains the same index is a legitimate positive (a digit and its rendering), unlike one-source pairs.
    let sameIndexPositives = 0;
    for (let k = 0; k < 500; k++) if (batch.similar[k] === 1 && batch.leftIndices[k] === batch.rightIndices[k]) sameIndexPositives++;
    expect(sameIndexPositives).toBeGreaterThan(0);
  });
});
