import { describe, expect, it } from 'vitest';
import { anisotropy, classShapes, evaluateEmbedding } from '../src/index.ts';
import { symmetricEigenvalues, symmetricEigenvalues2x2 } from '../src/eigen.ts';
import { normalSampler } from './helpers.ts';

describe('symmetricEigenvalues (Jacobi)', () => {
  it('finds the eigenvalues of a known 3×3 matrix', () => {
    // [[2,1,0],[1,2,0],[0,0,5]]: the 2×2 block has eigenvalues 2 ± 1, plus 5 → 5, 3, 1
    const eigenvalues = symmetricEigenvalues([2, 1, 0, 1, 2, 0, 0, 0, 5], 3);
    [5, 3, 1].forEach((expected, i) => expect(eigenvalues[i]).toBeCloseTo(expected, 12));
    const [major, minor] = symmetricEigenvalues2x2(2, 1, 2);
    expect(major).toBeCloseTo(3, 12);
    expect(minor).toBeCloseTo(1, 12);
  });

  it('recovers the spectrum of Q·diag(7, 3, −2, 0.5)·Qᵀ for a Householder reflection Q', () => {
    // Q = I − 2vvᵀ/vᵀv is orthogonal, so the product has exactly the eigenvalues 7, 3, 0.5, −2.
    const v = [1, -2, 3, 0.5],
      vv = v.reduce((sum, x) => sum + x * x, 0),
      spectrum = [7, 3, -2, 0.5];
    const q = (i: number, j: number) => (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
    const matrix: number[] = [];
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) matrix.push(spectrum.reduce((sum, lambda, k) => sum + q(i, k) * lambda * q(j, k), 0));
    const eigenvalues = symmetricEigenvalues(matrix, 4);
    [7, 3, 0.5, -2].forEach((expected, i) => expect(eigenvalues[i]).toBeCloseTo(expected, 10));
  });
});

describe('classShapes', () => {
  it('matches hand-computed centroids, covariances, ratios and ellipses', () => {
    // label 0: (0,0) (2,0) (0,2) (2,2): centroid (1,1); Σ(x−1)² = 4 → sxx = syy = 4/3, sxy = 0 → ratio 1
    // label 1: (0,0) (4,0) (0,1) (4,1): centroid (2,0.5); sxx = 16/3, syy = 1/3, sxy = 0 → ratio √16 = 4,
    //          ellipse angle 0, major std √(16/3), minor std √(1/3)
    // label 2: (0,0) (1,1) (2,2): sxx = syy = sxy = 2/2 = 1 → eigenvalues 2, 0 → on a line: degenerate; angle ½·atan2(2, 0) = π/4
    // label 9: one point → zero covariance, ratio null
    const points = [
      [0, 0],
      [2, 0],
      [0, 2],
      [2, 2],
      [0, 0],
      [4, 0],
      [0, 1],
      [4, 1],
      [0, 0],
      [1, 1],
      [2, 2],
      [5, 5],
    ];
    const labels = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 9]);
    const shapes = classShapes(Float32Array.from(points.flat()), labels, 2);
    expect(shapes.map((shape) => [shape.label, shape.count])).toEqual([
      [0, 4],
      [1, 4],
      [2, 3],
      [9, 1],
    ]);
    const [square, wide, line, single] = shapes;
    expect(square.centroid).toEqual([1, 1]);
    expect(square.covariance2d.map((x) => +x.toFixed(12))).toEqual([+(4 / 3).toFixed(12), 0, +(4 / 3).toFixed(12)]);
    expect(square.axisRatio).toBeCloseTo(1, 12);
    expect(wide.centroid).toEqual([2, 0.5]);
    expect(wide.eigenvalues[0]).toBeCloseTo(16 / 3, 12);
    expect(wide.eigenvalues[1]).toBeCloseTo(1 / 3, 12);
    expect(wide.axisRatio).toBeCloseTo(4, 12);
    expect(wide.ellipse.angleRadians).toBeCloseTo(0, 12);
    expect(wide.ellipse.majorStd).toBeCloseTo(Math.sqrt(16 / 3), 12);
    expect(wide.ellipse.minorStd).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(line).toMatchObject({ axisRatio: null, degenerate: true });
    expect(line.ellipse.angleRadians).toBeCloseTo(Math.PI / 4, 12);
    expect(line.ellipse.minorStd).toBeCloseTo(0, 6);
    expect(single).toMatchObject({ count: 1, centroid: [5, 5], covariance2d: [0, 0, 0], axisRatio: null, degenerate: false });
    // anisotropy = median of {1, 4, +∞ (the line)} = 4; the single point has no shape
    const notes: string[] = [];
    expect(anisotropy(shapes, { notes })).toBeCloseTo(4, 12);
    expect(notes).toEqual([
      '1 of 3 classes lie on a line or in a lower-dimensional subspace (λmin ≈ 0): anisotropy counts them as unbounded ratios in its median',
    ]);
  });

  it('counts classes lying on a line as unbounded, and says so when they are the median', () => {
    // Two classes along lines (one of them in float32 off the axes), one round square.
    const points = [
      [0, 0],
      [1, 2],
      [2, 4],
      [3, 6],
      [0, 1],
      [1, 1],
      [2, 1],
      [0, 0],
      [2, 0],
      [0, 2],
      [2, 2],
    ];
    const labels = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
    const shapes = classShapes(Float32Array.from(points.flat()), labels, 2);
    expect(shapes.map((shape) => shape.degenerate)).toEqual([true, true, false]);
    const notes: string[] = [];
    expect(anisotropy(shapes, { notes })).toBeNull();
    expect(notes).toEqual(['anisotropy is unbounded: 2 of 3 classes lie on a line or in a lower-dimensional subspace (λmin ≈ 0)']);
    const evaluation = evaluateEmbedding({ embedding: Float32Array.from(points.flat()), labels, dim: 2 });
    expect(evaluation.metrics).toMatchObject({ anisotropy: null, degenerate_classes: 2 });
  });

  it('uses the largest over the smallest of all eigenvalues in 3-D', () => {
    // ±(3,0,0), ±(0,2,0), ±(0,0,1): centroid 0, Σ = diag(18, 8, 2)/5 → eigenvalues 3.6, 1.6, 0.4; ratio √(3.6/0.4) = 3
    const points = [3, 0, 0, -3, 0, 0, 0, 2, 0, 0, -2, 0, 0, 0, 1, 0, 0, -1];
    const [shape] = classShapes(Float32Array.from(points), new Uint8Array(6), 3);
    expect(shape.eigenvalues).toHaveLength(3);
    expect(shape.eigenvalues[0]).toBeCloseTo(3.6, 10);
    expect(shape.eigenvalues[1]).toBeCloseTo(1.6, 10);
    expect(shape.eigenvalues[2]).toBeCloseTo(0.4, 10);
    expect(shape.axisRatio).toBeCloseTo(3, 10);
    expect(shape.covariance2d[0]).toBeCloseTo(3.6, 10);
    expect(shape.covariance2d[2]).toBeCloseTo(1.6, 10);
  });

  it('gives anisotropy ≈ 1 for round Gaussian clouds and ≈ the stretch for stretched ones', () => {
    const cloud = (seed: number, dim: number, stretch: number, angle: number) => {
      const normal = normalSampler(seed);
      const rows = 9000;
      const embedding = new Float32Array(rows * dim);
      const labels = Int32Array.from({ length: rows }, (_, i) => i % 3);
      for (let i = 0; i < rows; i++) {
        const u = stretch * normal(),
          w = normal();
        // Stretch along the direction `angle` in the first two dimensions, around a per-class centre.
        embedding[i * dim] = 10 * labels[i] + u * Math.cos(angle) - w * Math.sin(angle);
        embedding[i * dim + 1] = u * Math.sin(angle) + w * Math.cos(angle);
        for (let k = 2; k < dim; k++) embedding[i * dim + k] = 0.5 * normal();
      }
      return classShapes(embedding, labels, dim);
    };
    expect(anisotropy(cloud(1, 2, 1, 0))).toBeCloseTo(1, 1);
    const stretched = cloud(2, 2, 3, 0.6);
    expect(Math.abs(anisotropy(stretched)! - 3)).toBeLessThan(0.1);
    expect(Math.abs(stretched[0].ellipse.angleRadians - 0.6)).toBeLessThan(0.05);
    // In 5-D the three other axes have standard deviation 0.5: the ratio is 3 / 0.5 = 6.
    expect(Math.abs(anisotropy(cloud(3, 5, 3, 1.1))! - 6)).toBeLessThan(0.2);
  });

  it('returns no shapes for NaN embeddings and a null anisotropy when no ratio is defined', () => {
    const notes: string[] = [];
    expect(classShapes(Float32Array.from([0, 0, NaN, 1]), Uint8Array.from([0, 0]), 2, { notes })).toEqual([]);
    expect(anisotropy([], { notes })).toBeNull();
    expect(notes[0]).toMatch(/non-finite/);
    expect(notes[1]).toMatch(/no class has the points and spread to have a shape/);
    const collapsed = classShapes(Float32Array.from([1, 1, 1, 1, 1, 1]), Uint8Array.from([0, 0, 0]), 2);
    expect(collapsed[0]).toMatchObject({ axisRatio: null, degenerate: false, eigenvalues: [0, 0] });
    expect(anisotropy(collapsed)).toBeNull();
  });
});
