import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { greyscalePng } from '@siamese-lab/report';
import { nearestNeighbours, neighbourClassConfusion, projectTo2d } from '../src/embedding.ts';

describe('projectTo2d', () => {
  it('keeps a 2-D embedding as it is', () => {
    const points = Float32Array.from([1, 2, 3, 4]);
    expect(projectTo2d(points, 2, 2)).toEqual({ xy: points, method: 'identity', explainedVariance: null });
  });

  it('finds the principal axes of a 3-D embedding', () => {
    // Points on the plane spanned by (1, 1, 0)/√2 (spread 10) and (0, 0, 1) (spread 1).
    const count = 200;
    const points = new Float32Array(count * 3);
    for (let i = 0; i < count; i++) {
      const a = 10 * Math.sin(i * 0.7),
        b = Math.cos(i * 1.3);
      points.set([a / Math.SQRT2 + 5, a / Math.SQRT2 - 2, b], i * 3);
    }
    const projection = projectTo2d(points, count, 3);
    expect(projection.method).toBe('pca');
    expect(projection.explainedVariance![0] + projection.explainedVariance![1]).toBeCloseTo(1, 5);
    expect(projection.explainedVariance![0]).toBeGreaterThan(0.95);
    // The first axis is `a` up to sign and centring: perfectly correlated with it.
    const a = Array.from({ length: count }, (_, i) => 10 * Math.sin(i * 0.7));
    const x = Array.from({ length: count }, (_, i) => projection.xy[2 * i]);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const [meanA, meanX] = [mean(a), mean(x)];
    const covariance = mean(a.map((value, i) => (value - meanA) * (x[i] - meanX)));
    const correlation = covariance / Math.sqrt(mean(a.map((value) => (value - meanA) ** 2)) * mean(x.map((value) => (value - meanX) ** 2)));
    expect(Math.abs(correlation)).toBeGreaterThan(0.9999);
  });
});

describe('neighbours', () => {
  const points = Float32Array.from([0, 0, 1, 0, 3, 0, 3.5, 0, 10, 0, Number.NaN, 0]);
  const labels = Uint8Array.from([0, 0, 1, 1, 1, 0]);

  it('lists the k nearest other points, nearest first, skipping non-finite ones', () => {
    expect(nearestNeighbours(points, 6, 2, 2, 3)).toEqual([
      { index: 3, distance: 0.5 },
      { index: 1, distance: 2 },
      { index: 0, distance: 3 },
    ]);
    expect(nearestNeighbours(points, 6, 2, 4, 10).map((entry) => entry.index)).toEqual([3, 2, 1, 0]);
  });

  it("counts the classes of each class's neighbours", () => {
    // k = 1: 0→1 (class 0), 1→0 (0), 2→3 (1), 3→2 (1), 4→3 (1).
    expect(neighbourClassConfusion(points.subarray(0, 10), labels.subarray(0, 5), 2, 1, 2)).toEqual([
      [2, 0],
      [0, 3],
    ]);
  });
});

describe('greyscalePng', () => {
  it('encodes pixels in [0, 1] as an 8-bit greyscale PNG', () => {
    const png = greyscalePng([0, 0.5, 1, 2, -1, Number.NaN], 2, 3);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([3, 2, 8, 0]);
    const idatLength = png.readUInt32BE(33);
    expect(png.toString('latin1', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect([...raw]).toEqual([0, 0, 128, 255, 0, 255, 0, 0]);
  });
});
