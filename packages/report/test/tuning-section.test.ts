import { describe, expect, it } from 'vitest';
import type { Claim } from '@siamese-lab/stats';
import { claimsSectionHtml } from '../src/claims-section.ts';
import { tuningSectionHtml } from '../src/tuning-section.ts';
import { makeInput, makeRun } from './helpers.ts';

/**
 * Two losses on one dataset, each at two margins, five seeds (the fewest with which a permutation test can decide). Validation prefers contrastive at
 * margin 2 and triplet at margin 1; on the test set triplet's chosen setting ranks first.
 */
function tunedInput(claims: Claim[] = []) {
  const cases: Array<[string, number, number[], number[]]> = [
    ['contrastive', 1, [0.5, 0.52, 0.51, 0.5, 0.52], [0.9, 0.91, 0.92, 0.9, 0.91]], // best test scores, but not chosen on validation
    ['contrastive', 2, [0.6, 0.61, 0.59, 0.6, 0.61], [0.4, 0.41, 0.42, 0.4, 0.41]],
    ['triplet', 1, [0.7, 0.71, 0.69, 0.7, 0.71], [0.5, 0.52, 0.51, 0.5, 0.52]],
    ['triplet', 2, [0.4, 0.41, 0.39, 0.4, 0.41], [0.1, 0.1, 0.1, 0.1, 0.1]],
  ];
  const runs = cases.flatMap(([kind, margin, validation, test]) =>
    validation.map((value, index) =>
      makeRun({
        runId: `${kind}-${margin}-${index + 1}`,
        params: { 'data.dataset': 'mnist', 'loss.kind': kind, 'loss.margin': margin, seed: index + 1 },
        metrics: { validation_map_at_r: value, map_at_r: test[index] },
      }),
    ),
  );
  return makeInput(runs, {
    sweepKeys: ['loss', 'seed'],
    claims,
    tuning: { metric: 'validation_map_at_r', direction: 'maximize', per: ['data.dataset', 'loss.kind'] },
  });
}

describe('the "Tuned ranking" section', () => {
  it('ranks the settings chosen on validation by their test metric, with intervals, per panel', () => {
    const html = tuningSectionHtml(tunedInput());
    expect(html).toContain('<h3>data.dataset = mnist</h3>');
    const rows = [...html.matchAll(/<tr><td>(\d)<\/td><td><b>(\w+)<\/b><\/td><td>([^<]*)<\/td>/g)].map((match) => match.slice(1));
    // Triplet (margin 1, test 0.51) above contrastive (margin 2, test 0.41): contrastive's margin 1 had better test scores, but validation chose 2.
    expect(rows).toEqual([
      ['1', 'triplet', 'loss.margin = 1'],
      ['2', 'contrastive', 'loss.margin = 2'],
    ]);
    expect(html).toMatch(/<b>0\.51<\/b> \[0\.4\d+, 0\.5\d+\] \(n = 5\)/);
  });

  it('decides the claims on the chosen settings only, and is absent without a tuning rule', () => {
    const claim: Claim = {
      metric: 'map_at_r',
      by: 'loss.kind',
      expect: 'triplet > contrastive',
      expectation: { kind: 'order', higher: 'triplet', lower: 'contrastive' },
    };
    // On every run, contrastive's margin-1 runs would make contrastive look better; on the chosen runs triplet is ahead.
    expect(claimsSectionHtml(tunedInput([claim]))).toContain('verdict-holds');
    expect(tuningSectionHtml(makeInput([]))).toBe('');
  });
});
