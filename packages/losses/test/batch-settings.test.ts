import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import {
  batchHardTripletMiner,
  buildBatchLoss,
  buildDistance,
  buildPairLoss,
  cosineDistance,
  euclideanDistance,
  isBatchLossKind,
  lossSettingsSchema,
  tripletMarginLoss,
} from '../src/index.ts';
import { labelsOf, seededMatrix } from './gradient-check.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

const issues = (input: object) =>
  lossSettingsSchema.safeParse(input).error?.issues.map((issue) => ({ path: issue.path, message: issue.message }));

describe('lossSettingsSchema with the batch kinds', () => {
  it('parses the seed kinds to the very objects it always gave: same keys, same order, same defaults (config hashes stay)', () => {
    expect(JSON.stringify(lossSettingsSchema.parse({}))).toBe(
      '{"kind":"contrastive","distance":"euclidean","margin":5,"epsilon":0.000001,"reducer":"mean"}',
    );
    expect(JSON.stringify(lossSettingsSchema.parse({ kind: 'squared_margin' }))).toBe(
      '{"kind":"squared_margin","distance":"euclidean","margin":5,"epsilon":0.000001,"reducer":"mean"}',
    );
    const written = { kind: 'contrastive', distance: 'cosine', margin: 2, epsilon: 0, reducer: 'mean_non_zero' } as const;
    expect(JSON.stringify(lossSettingsSchema.parse(written))).toBe(JSON.stringify(written));
  });

  it("fills each batch kind's own defaults, and only its fields", () => {
    expect(lossSettingsSchema.parse({ kind: 'contrastive_all_pairs' })).toEqual({
      kind: 'contrastive_all_pairs',
      distance: 'euclidean',
      pos_margin: 0,
      neg_margin: 1,
      normalize: true,
      miner: 'none',
      reducer: 'mean_non_zero',
      epsilon: 1e-6,
    });
    expect(lossSettingsSchema.parse({ kind: 'triplet' })).toEqual({
      kind: 'triplet',
      distance: 'euclidean',
      margin: 0.05,
      normalize: true,
      miner: 'none',
      reducer: 'mean_non_zero',
      epsilon: 1e-6,
    });
    expect(lossSettingsSchema.parse({ kind: 'multi_similarity' })).toEqual({
      kind: 'multi_similarity',
      alpha: 2,
      beta: 50,
      base: 0.5,
      miner: 'none',
      epsilon: 1e-6,
    });
    expect(lossSettingsSchema.parse({ kind: 'nt_xent' })).toEqual({ kind: 'nt_xent', temperature: 0.07, epsilon: 1e-6 });
    expect(lossSettingsSchema.parse({ kind: 'proxy_anchor' })).toEqual({ kind: 'proxy_anchor', margin: 0.1, alpha: 32, epsilon: 1e-6 });
  });

  it('keeps what a file writes, and gives the multi-similarity miner its epsilon 0.1', () => {
    expect(
      lossSettingsSchema.parse({ kind: 'triplet', margin: 0.2, miner: 'semi_hard', distance: 'cosine', normalize: false }),
    ).toMatchObject({
      margin: 0.2,
      miner: 'semi_hard',
      distance: 'cosine',
      normalize: false,
    });
    expect(lossSettingsSchema.parse({ kind: 'multi_similarity', miner: 'multi_similarity' })).toMatchObject({ miner_epsilon: 0.1 });
    expect(lossSettingsSchema.parse({ kind: 'contrastive_all_pairs', miner: 'multi_similarity', miner_epsilon: 0.2 })).toMatchObject({
      miner_epsilon: 0.2,
    });
  });

  it('refuses a field of another kind at that field, naming the kinds it belongs to', () => {
    expect(issues({ kind: 'nt_xent', margin: 1 })).toEqual([
      {
        path: ['margin'],
        message: '`margin` does not apply to loss kind nt_xent (it belongs to contrastive, squared_margin, triplet, proxy_anchor)',
      },
    ]);
    expect(issues({ temperature: 0.1 })).toEqual([
      { path: ['temperature'], message: '`temperature` does not apply to loss kind contrastive (it belongs to nt_xent)' },
    ]);
    expect(issues({ kind: 'proxy_anchor', distance: 'cosine', reducer: 'sum' })?.map((issue) => issue.path)).toEqual([
      ['distance'],
      ['reducer'],
    ]);
    expect(issues({ kind: 'triplet', alpha: 2 })?.[0].message).toMatch(
      /`alpha` does not apply to loss kind triplet \(it belongs to multi_similarity, proxy_anchor\)/,
    );
    expect(issues({ kind: 'contrastive', normalize: true })?.[0].path).toEqual(['normalize']);
    expect(issues({ kind: 'squared_margin', miner: 'none' })?.[0].path).toEqual(['miner']);
  });

  it('refuses a miner the kind cannot take, and a miner_epsilon without the multi-similarity miner', () => {
    expect(issues({ kind: 'triplet', miner: 'multi_similarity' })).toEqual([
      {
        path: ['miner'],
        message: 'miner multi_similarity does not apply to loss kind triplet; expected one of: none, batch_hard, semi_hard',
      },
    ]);
    expect(issues({ kind: 'multi_similarity', miner: 'batch_hard' })?.[0].path).toEqual(['miner']);
    expect(issues({ kind: 'multi_similarity', miner_epsilon: 0.2 })).toEqual([
      { path: ['miner_epsilon'], message: '`miner_epsilon` applies to miner multi_similarity, not none' },
    ]);
  });

  it('refuses epsilon 0 for the batch kinds (their diagonal has d = 0), and margins out of order', () => {
    const [epsilonIssue] = issues({ kind: 'triplet', epsilon: 0 }) ?? [];
    expect(epsilonIssue.path).toEqual(['epsilon']);
    expect(epsilonIssue.message).toMatch(/greater than 0 for loss kind triplet/);
    expect(issues({ kind: 'contrastive_all_pairs', pos_margin: 1 })).toEqual([
      { path: ['pos_margin'], message: 'neg_margin (1) must be greater than pos_margin (1)' },
    ]);
    expect(issues({ kind: 'contrastive_all_pairs', pos_margin: 0.5, neg_margin: 0.4 })?.[0].path).toEqual(['neg_margin']);
  });

  it('checks the values of the new fields', () => {
    expect(issues({ kind: 'nt_xent', temperature: 0 })?.[0].message).toBe('temperature must be greater than 0');
    expect(issues({ kind: 'multi_similarity', beta: -1 })?.[0].message).toBe('beta must be greater than 0');
    expect(issues({ kind: 'contrastive_all_pairs', pos_margin: -0.1 })?.[0].message).toBe('pos_margin must be 0 or more');
    expect(issues({ kind: 'triplet', normalize: 'yes' })?.[0].message).toBe('normalize must be true or false');
    expect(lossSettingsSchema.safeParse({ kind: 'arcface' }).success).toBe(false);
  });
});

describe('building batch losses from settings', () => {
  it('tells batch kinds from pair kinds', () => {
    expect(['contrastive', 'squared_margin'].map(isBatchLossKind)).toEqual([false, false]);
    expect(['contrastive_all_pairs', 'triplet', 'multi_similarity', 'nt_xent', 'proxy_anchor'].every(isBatchLossKind)).toBe(true);
  });

  const context = { numClasses: 3, embeddingSize: 4, seed: 5 };

  it('buildBatchLoss gives undefined for the pair kinds; buildPairLoss refuses the batch kinds', () => {
    expect(buildBatchLoss(lossSettingsSchema.parse({}), context)).toBeUndefined();
    expect(buildBatchLoss(lossSettingsSchema.parse({ kind: 'squared_margin' }), context)).toBeUndefined();
    expect(() => buildPairLoss(lossSettingsSchema.parse({ kind: 'triplet' }))).toThrow(/triplet is a batch loss/);
  });

  it('builds the loss the spec names, with its distance, normalisation and miner', () => {
    const x = seededMatrix(8, 4, 3);
    const labels = labelsOf([0, 1, 2, 0, 1, 2, 0, 1]);
    const fromSpec = buildBatchLoss(
      lossSettingsSchema.parse({ kind: 'triplet', miner: 'batch_hard', margin: 0.3, normalize: false }),
      context,
    )!;
    const distance = euclideanDistance({ epsilon: 1e-6 });
    const direct = tripletMarginLoss({ margin: 0.3, distance, miner: batchHardTripletMiner({ distance }) });
    expect(fromSpec(x, labels).dataSync()[0]).toBe(direct(x, labels).dataSync()[0]);
    const proxy = buildBatchLoss(lossSettingsSchema.parse({ kind: 'proxy_anchor' }), context)!;
    expect(proxy.variables?.[0].shape).toEqual([3, 4]);
    for (const kind of ['contrastive_all_pairs', 'multi_similarity', 'nt_xent'] as const) {
      const value = buildBatchLoss(lossSettingsSchema.parse({ kind }), context)!(x, labels).dataSync()[0];
      expect(Number.isFinite(value) && value > 0, kind).toBe(true);
    }
  });

  it('gives each kind the distance it compares with (cosine for the similarity kinds)', () => {
    expect(buildDistance(lossSettingsSchema.parse({})).name).toBe(euclideanDistance({ epsilon: 1e-6 }).name);
    expect(buildDistance(lossSettingsSchema.parse({ kind: 'triplet', distance: 'cosine' })).name).toBe(
      cosineDistance({ epsilon: 1e-6 }).name,
    );
    expect(buildDistance(lossSettingsSchema.parse({ kind: 'nt_xent' })).name).toBe(cosineDistance({ epsilon: 1e-6 }).name);
  });

  it('returns tensors only: no tensor is left behind by a loss evaluation', () => {
    const x = seededMatrix(6, 4, 1);
    const labels = labelsOf([0, 1, 2, 0, 1, 2]);
    for (const spec of [
      { kind: 'triplet', miner: 'semi_hard' },
      { kind: 'multi_similarity', miner: 'multi_similarity' },
      { kind: 'nt_xent' },
      { kind: 'proxy_anchor' },
    ]) {
      const loss = buildBatchLoss(lossSettingsSchema.parse(spec), context)!;
      const before = tf.memory().numTensors;
      tf.dispose(loss(x, labels));
      expect(tf.memory().numTensors, JSON.stringify(spec)).toBe(before);
    }
  });
});
