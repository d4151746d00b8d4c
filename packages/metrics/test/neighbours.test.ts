import { describe, expect, it } from 'vitest';
import { nearestNeighbourAccuracy, nearestOtherIndices } from '../src/neighbours.ts';
import { euclidean, gridPoints, onLine } from './helpers.ts';

describe('nearestNeighbourAccuracy', () => {
  it('matches a hand computation', () => {
    // x:      0   1   3   3.5  1.8
    // label:  0   0   1   1    1
    // nn(0)=1 (d 1) hit; nn(1)=4 (d 0.8 < 1) miss; nn(2)=3 (d 0.5) hit; nn(3)=2 hit; nn(4)=1 (d 0.8 < 1.2) miss
    // accuracy = 3/5
    const embedding = onLine([0, 1, 3, 3.5, 1.8]);
    expect(nearestNeighbourAccuracy(embedding, Uint8Array.from([0, 0, 1, 1, 1]), 2)).toBeCloseTo(0.6, 12);
  });

  it('breaks distance ties by the lower index', () => {
    // x: 0 (label 0), 1 (label 1), -1 (label 0). Point 0 is 1 away from both others:
    // the tie goes to index 1 (label 1) → miss; nn(1)=0 miss; nn(2)=0 hit → 1/3 (2/3 if the tie went to index 2)
    const embedding = onLine([0, 1, -1]);
    expect(Array.from(nearestOtherIndices(embedding, 2))).toEqual([1, 0, 0]);
    expect(nearestNeighbourAccuracy(embedding, Int32Array.from([0, 1, 0]), 2)).toBeCloseTo(1 / 3, 12);
  });

  it('agrees with a naive search on tie-heavy grid data, in 2-D and 3-D', () => {
    for (const dim of [2, 3]) {
      const { embedding } = gridPoints(11 + dim, 150, dim, 3);
      const rows = 150;
      const expected = Array.from({ length: rows }, (_, i) => {
        let best = -1,
          bestDistance = Infinity;
        for (let j = 0; j < rows; j++)
          if (j !== i && euclidean(embedding, i, j, dim) < bestDistance) {
            best = j;
            bestDistance = euclidean(embedding, i, j, dim);
          }
        return best;
      });
      expect(Array.from(nearestOtherIndices(embedding, dim))).toEqual(expected);
    }
  });

  it('counts a singleton class as a miss and is trivially 1 for a single class', () => {
    // x: 0,1 (label 0), 10 (label 5, alone) → nn(2)=1 has label 0 → miss → 2/3
    expect(nearestNeighbourAccuracy(onLine([0, 1, 10]), Uint8Array.from([0, 0, 5]), 2)).toBeCloseTo(2 / 3, 12);
    expect(nearestNeighbourAccuracy(onLine([0, 1, 10]), Uint8Array.from([4, 4, 4]), 2)).toBe(1);
  });

  it('returns null with a reason for NaN, collapse and a single point', () => {
    for (const [embedding, labels, reason] of [
      [Float32Array.from([0, 0, NaN, 1, 2, 2]), Uint8Array.from([0, 1, 0]), /non-finite/],
      [Float32Array.from([3, 4, 3, 4, 3, 4]), Uint8Array.from([0, 1, 0]), /collapsed/],
      [Float32Array.from([3, 4]), Uint8Array.from([0]), /at least two/],
    ] as const) {
      const notes: string[] = [];
      expect(nearestNeighbourAccuracy(embedding, labels, 2, { notes })).toBeNull();
      expect(notes.join('\n')).toMatch(reason);
    }
  });
});
