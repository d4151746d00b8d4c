import { describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { detectCollapse } from '../src/collapse.ts';
import { hasNonFinite } from '../src/validate.ts';
import { nearestNeighbourAccuracy } from '../src/neighbours.ts';

describe('detectCollapse', () => {
  it('flags coincident points far from the origin and at the origin', () => {
    expect(detectCollapse(Float32Array.from([1000, -5, 1000, -5, 1000, -5]), 2)).toEqual({ collapsed: true, spread: 0 });
    expect(detectCollapse(new Float32Array(8), 2)).toEqual({ collapsed: true, spread: 0 });
  });

  it('is relative to the magnitude of the points', () => {
    // 1000 vs 1000 + 1e-7: variance (5e-8)² = 2.5e-15, mean squared norm ≈ 1e6 → 2.5e-21 relative: collapsed
    const nearlyEqual = detectCollapse(Float64Array.from([1000, 1000 + 1e-7]), 1);
    expect(nearlyEqual.collapsed).toBe(true);
    expect(nearlyEqual.spread).toBeCloseTo(5e-8, 12);
    // A tiny but real spread: 1e-8 vs 2e-8 → variance 2.5e-17, mean squared norm 2.5e-16 → 0.1 relative
    expect(detectCollapse(Float64Array.from([1e-8, 2e-8]), 1).collapsed).toBe(false);
  });

  it('measures the spread as the RMS distance to the centroid', () => {
    // (0,0) and (6,8): centroid (3,4), each point 5 away → spread 5
    expect(detectCollapse([0, 0, 6, 8], 2)).toEqual({ collapsed: false, spread: 5 });
  });

  it('ignores non-finite rows and never collapses fewer than two points', () => {
    expect(detectCollapse([0, 0, NaN, 1, 0, 0], 2)).toEqual({ collapsed: true, spread: 0 });
    expect(detectCollapse([3, 4], 2)).toEqual({ collapsed: false, spread: 0 });
  });
});

describe('hasNonFinite', () => {
  it('detects NaN and infinities', () => {
    expect(hasNonFinite(Float32Array.from([0, 1, 2]))).toBe(false);
    expect(hasNonFinite(Float32Array.from([0, NaN]))).toBe(true);
    expect(hasNonFinite([-Infinity, 0])).toBe(true);
  });
});

describe('input validation', () => {
  it('throws LabError for shapes that do not fit', () => {
    expect(() => nearestNeighbourAccuracy(new Float32Array(5), new Uint8Array(2), 2)).toThrow(/not a multiple of the dimension 2/);
    expect(() => nearestNeighbourAccuracy(new Float32Array(4), new Uint8Array(3), 2)).toThrow(LabError);
    expect(() => nearestNeighbourAccuracy(new Float32Array(4), [0, 0.5], 2)).toThrow(/not an integer class label/);
    expect(() => detectCollapse(new Float32Array(4), 0)).toThrow(LabError);
  });
});
