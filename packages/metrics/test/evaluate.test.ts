import { describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { anisotropy, classShapes, evaluateEmbedding, meanAveragePrecisionAtR, pairDistances, verificationRocAuc } from '../src/index.ts';
import { interIntraDistanceRatio } from '../src/distance-ratio.ts';
import { METRIC_NAMES } from '../src/evaluate.ts';
import { nearestNeighbourAccuracy } from '../src/neighbours.ts';
import { precisionAtOne } from '../src/retrieval.ts';
import { silhouetteScore } from '../src/silhouette.ts';
import { normalSampler, onLine } from './helpers.ts';

function noNaN(metrics: Record<string, number | null>): void {
  for (const value of Object.values(metrics)) expect(value === null || Number.isFinite(value)).toBe(true);
}

describe('evaluateEmbedding', () => {
  const normal = normalSampler(21);
  const rows = 240,
    dim = 2;
  const labels = Int32Array.from({ length: rows }, (_, i) => i % 4);
  const embedding = Float32Array.from({ length: rows * dim }, (_, v) => normal() + 3 * labels[v >> 1] * (v % 2));

  it('collects every metric under its snake_case name, equal to the individual functions', () => {
    // Pair row k with row 100 + k + (k mod 2): same label for even k, different for odd k.
    const partner = (k: number) => 100 + k + (k % 2);
    const left = embedding.subarray(0, 100 * dim);
    const right = Float32Array.from({ length: 100 * dim }, (_, v) => embedding[partner(v >> 1) * dim + (v % 2)]);
    const similar = Int32Array.from({ length: 100 }, (_, k) => (labels[k] === labels[partner(k)] ? 1 : 0));
    expect(new Set(similar).size).toBe(2);
    const distances = pairDistances(left, right, dim);
    const result = evaluateEmbedding({ embedding, labels, dim, pairDistances: distances, pairSimilar: similar, seed: 3, maxPoints: 150 });
    expect(Object.keys(result.metrics).sort()).toEqual([...METRIC_NAMES].sort());
    expect(result.metrics).toEqual({
      nn_accuracy: nearestNeighbourAccuracy(embedding, labels, dim),
      precision_at_1: precisionAtOne(embedding, labels, dim),
      map_at_r: meanAveragePrecisionAtR(embedding, labels, dim),
      silhouette: silhouetteScore(embedding, labels, dim, { seed: 3, maxPoints: 150 }),
      inter_intra_ratio: interIntraDistanceRatio(embedding, labels, dim, { seed: 3, maxPoints: 150 }),
      roc_auc: verificationRocAuc(distances, similar),
      anisotropy: anisotropy(classShapes(embedding, labels, dim)),
      degenerate_classes: 0,
      collapsed: 0,
      non_finite: 0,
    });
    expect(result.metrics.silhouette).toBeGreaterThan(0);
    expect(result.classShapes).toHaveLength(4);
    expect(result.warnings).toEqual([]);
  });

  it('reports a collapsed embedding as flags and nulls, not NaN', () => {
    const result = evaluateEmbedding({ embedding: new Float32Array(rows * dim).fill(0.25), labels, dim });
    noNaN(result.metrics);
    expect(result.metrics).toMatchObject({
      collapsed: 1,
      non_finite: 0,
      nn_accuracy: null,
      map_at_r: null,
      silhouette: null,
      anisotropy: null,
    });
    expect(result.warnings.join('\n')).toMatch(/collapsed/);
  });

  it('reports non-finite values with every embedding metric null', () => {
    const broken = embedding.slice();
    broken[17] = NaN;
    const result = evaluateEmbedding({ embedding: broken, labels, dim, pairDistances: [1, 2], pairSimilar: [1, 0] });
    noNaN(result.metrics);
    expect(result.metrics).toEqual({
      nn_accuracy: null,
      precision_at_1: null,
      map_at_r: null,
      silhouette: null,
      inter_intra_ratio: null,
      roc_auc: 1,
      anisotropy: null,
      degenerate_classes: null,
      collapsed: null,
      non_finite: 1,
    });
    expect(result.classShapes).toEqual([]);
    expect(result.warnings).toEqual([
      'every embedding metric is undefined: the embedding contains 1 non-finite value(s) (NaN or Infinity)',
    ]);
  });

  it('handles a single class and singleton classes with nulls and warnings', () => {
    const single = evaluateEmbedding({ embedding: onLine([0, 1, 3]), labels: Uint8Array.from([2, 2, 2]), dim: 2 });
    noNaN(single.metrics);
    expect(single.metrics).toMatchObject({ nn_accuracy: 1, precision_at_1: 1, silhouette: null, inter_intra_ratio: null });
    expect(single.warnings.join('\n')).toMatch(/only one class/);

    const singletons = evaluateEmbedding({ embedding: onLine([0, 1, 3]), labels: Uint8Array.from([0, 1, 2]), dim: 2 });
    noNaN(singletons.metrics);
    expect(singletons.metrics).toMatchObject({
      nn_accuracy: 0,
      precision_at_1: null,
      map_at_r: null,
      silhouette: null,
      inter_intra_ratio: null,
      anisotropy: null,
    });
    expect(singletons.warnings.length).toBeGreaterThanOrEqual(3);
    expect(new Set(singletons.warnings).size).toBe(singletons.warnings.length);
  });

  it('handles an empty embedding and rejects half-given pairs', () => {
    const empty = evaluateEmbedding({ embedding: new Float32Array(0), labels: new Uint8Array(0), dim: 2 });
    expect(Object.values(empty.metrics).filter((value) => value !== null)).toEqual([0, 0]);
    expect(empty.warnings[0]).toMatch(/empty/);
    expect(() => evaluateEmbedding({ embedding, labels, dim, pairDistances: [1] })).toThrow(LabError);
  });
});
