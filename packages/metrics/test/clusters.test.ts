import { describe, expect, it } from 'vitest';
import { interIntraDistanceRatio } from '../src/distance-ratio.ts';
import { silhouetteScore } from '../src/silhouette.ts';
import { subsampleRows } from '../src/subsample.ts';
import { euclidean, normalSampler, onLine } from './helpers.ts';

/** Naive silhouette straight from the definition, for cross-checking. */
function naiveSilhouette(embedding: Float32Array, labels: ArrayLike<number>, dim: number): number {
  const rows = labels.length;
  const classes = [...new Set(Array.from(labels))];
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const meanTo = (label: number) => {
      const members = Array.from(labels, (_, j) => j).filter((j) => labels[j] === label && j !== i);
      return members.reduce((sum, j) => sum + euclidean(embedding, i, j, dim), 0) / members.length;
    };
    if (Array.from(labels).filter((label) => label === labels[i]).length === 1) continue;
    const a = meanTo(labels[i]);
    const b = Math.min(...classes.filter((label) => label !== labels[i]).map(meanTo));
    total += (b - a) / Math.max(a, b);
  }
  return total / rows;
}

describe('silhouetteScore', () => {
  it('matches a hand computation with a singleton class', () => {
    // x: 0, 1 (L0) | 4, 6 (L1) | 20 (L2, alone → s = 0; too far to be anyone's nearest other class)
    // s(0) = (mean(4,6) − 1)/5 = (5−1)/5 = 0.8      s(1) = (mean(3,5) − 1)/4 = 0.75
    // s(4) = (mean(4,3) − 2)/3.5 = 3/7               s(6) = (mean(6,5) − 2)/5.5 = 7/11
    // silhouette = (0.8 + 0.75 + 3/7 + 7/11 + 0)/5
    const value = silhouetteScore(onLine([0, 1, 4, 6, 20]), Uint8Array.from([0, 0, 1, 1, 2]), 2);
    expect(value).toBeCloseTo((0.8 + 0.75 + 3 / 7 + 7 / 11) / 5, 12);
  });

  it('agrees with the definition on random 3-D data', () => {
    const normal = normalSampler(3);
    const embedding = Float32Array.from({ length: 90 * 3 }, normal);
    const labels = Int32Array.from({ length: 90 }, (_, i) => i % 4);
    expect(silhouetteScore(embedding, labels, 3)).toBeCloseTo(naiveSilhouette(embedding, labels, 3), 10);
  });

  it('subsamples deterministically from the seed', () => {
    const normal = normalSampler(4);
    const embedding = Float32Array.from({ length: 300 * 2 }, normal);
    const labels = Int32Array.from({ length: 300 }, (_, i) => i % 3);
    const options = { maxPoints: 50, seed: 9 };
    const chosen = subsampleRows(300, options);
    expect(chosen.length).toBe(50);
    expect(new Set(chosen).size).toBe(50);
    const subset = Float32Array.from(Array.from(chosen).flatMap((row) => [embedding[2 * row], embedding[2 * row + 1]]));
    const subsetLabels = Int32Array.from(chosen, (row) => labels[row]);
    expect(silhouetteScore(embedding, labels, 2, options)).toBeCloseTo(naiveSilhouette(subset, subsetLabels, 2), 10);
    expect(silhouetteScore(embedding, labels, 2, options)).toBe(silhouetteScore(embedding, labels, 2, options));
    expect(silhouetteScore(embedding, labels, 2, { maxPoints: 50, seed: 10 })).not.toBe(silhouetteScore(embedding, labels, 2, options));
  });

  it('is null with a reason for one class, all singletons, NaN and collapse', () => {
    const cases = [
      [onLine([0, 1, 2]), Uint8Array.from([1, 1, 1]), /at least two classes/],
      [onLine([0, 1, 2]), Uint8Array.from([0, 1, 2]), /only member of its class/],
      [onLine([0, 1, NaN]), Uint8Array.from([0, 1, 1]), /non-finite/],
      [onLine([2, 2, 2, 2]), Uint8Array.from([0, 0, 1, 1]), /collapsed/],
    ] as const;
    for (const [embedding, labels, reason] of cases) {
      const notes: string[] = [];
      expect(silhouetteScore(embedding, labels, 2, { notes })).toBeNull();
      expect(notes.join('\n')).toMatch(reason);
    }
  });
});

describe('interIntraDistanceRatio', () => {
  it('matches a hand computation', () => {
    // x: 0, 1 (L0) | 4, 6 (L1)
    // same-class pairs: |0−1| = 1, |4−6| = 2 → mean 1.5
    // different-class pairs: 4, 6, 3, 5 → mean 4.5           ratio = 4.5 / 1.5 = 3
    expect(interIntraDistanceRatio(onLine([0, 1, 4, 6]), Uint8Array.from([0, 0, 1, 1]), 2)).toBeCloseTo(3, 12);
  });

  it('is null with a reason for one class, all singletons, point-like classes and collapse', () => {
    const cases = [
      [onLine([0, 1, 2]), Uint8Array.from([1, 1, 1]), /only one class/],
      [onLine([0, 1, 2]), Uint8Array.from([0, 1, 2]), /no class has two points/],
      [onLine([0, 0, 5, 5]), Uint8Array.from([0, 0, 1, 1]), /shrunk to a single point/],
      [onLine([2, 2, 2, 2]), Uint8Array.from([0, 0, 1, 1]), /collapsed/],
    ] as const;
    for (const [embedding, labels, reason] of cases) {
      const notes: string[] = [];
      expect(interIntraDistanceRatio(embedding, labels, 2, { notes })).toBeNull();
      expect(notes.join('\n')).toMatch(reason);
    }
  });
});
