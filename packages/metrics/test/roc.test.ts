import { describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { pairDistances, verificationRocAuc } from '../src/index.ts';

describe('verificationRocAuc', () => {
  it('matches a hand computation with tied distances', () => {
    // distances 1, 2, 2, 3; similar 1, 1, 0, 0
    // (similar, dissimilar) pairs: (1,2) 1, (1,3) 1, (2,2) tie ½, (2,3) 1 → 3.5 / 4 = 0.875
    // mid-ranks: 1 → 1, 2,2 → 2.5 each, 3 → 4; dissimilar rank sum 2.5 + 4 = 6.5; U = 6.5 − 3 = 3.5
    expect(verificationRocAuc([1, 2, 2, 3], [1, 1, 0, 0])).toBeCloseTo(0.875, 12);
    // Swapping which pairs are similar mirrors it: 1 − 0.875
    expect(verificationRocAuc(Float32Array.from([1, 2, 2, 3]), Float32Array.from([0, 0, 1, 1]))).toBeCloseTo(0.125, 12);
  });

  it('is 1 for perfect separation and 0.5 when all distances tie', () => {
    expect(verificationRocAuc([0.1, 0.4, 0.35, 0.8], [1, 0, 1, 0])).toBe(1);
    expect(verificationRocAuc([0, 0, 0, 0], [1, 0, 1, 0])).toBe(0.5);
  });

  it('is null with a reason when a kind of pair is missing or a distance is NaN', () => {
    const notes: string[] = [];
    expect(verificationRocAuc([1, 2], [1, 1], { notes })).toBeNull();
    expect(verificationRocAuc([1, NaN], [1, 0], { notes })).toBeNull();
    expect(notes[0]).toMatch(/2 similar and 0 dissimilar/);
    expect(notes[1]).toMatch(/non-finite/);
  });

  it('rejects mismatched lengths and labels that are not 0/1', () => {
    expect(() => verificationRocAuc([1, 2], [1])).toThrow(LabError);
    expect(() => verificationRocAuc([1, 2], [1, 2])).toThrow(/expected 0 \(dissimilar\) or 1/);
  });
});

describe('pairDistances', () => {
  it('gives the Euclidean distance of each row pair', () => {
    // (0,0)–(3,4) = 5; (1,1)–(1,1) = 0; (−1,2)–(2,−2) = √(9+16) = 5
    expect(Array.from(pairDistances([0, 0, 1, 1, -1, 2], [3, 4, 1, 1, 2, -2], 2))).toEqual([5, 0, 5]);
    expect(() => pairDistances([0, 0], [1, 1, 2, 2], 2)).toThrow(LabError);
  });
});
