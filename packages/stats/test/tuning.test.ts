import { describe, expect, it } from 'vitest';
import { selectTuned, tunedScores, type Observation } from '../src/index.ts';

/** Runs of two losses, each at two margins, three seeds; validation and test scores set by hand. */
function runs(): Observation[] {
  const out: Observation[] = [];
  const validation: Record<string, number[]> = {
    'contrastive|1': [0.5, 0.52, 0.51],
    'contrastive|2': [0.6, 0.61, 0.59], // contrastive's best margin: 2
    'triplet|1': [0.7, 0.71, 0.69], // triplet's best margin: 1
    'triplet|2': [0.4, 0.41, 0.39],
  };
  for (const [key, values] of Object.entries(validation)) {
    const [kind, margin] = key.split('|');
    values.forEach((value, index) =>
      out.push({
        status: 'completed',
        params: { 'loss.kind': kind, 'loss.margin': Number(margin), 'optimizer.name': 'adam', seed: index + 1 },
        // The test score runs the other way: selection must not read it.
        metrics: { validation_map_at_r: value, map_at_r: 1 - value },
      }),
    );
  }
  return out;
}

describe('selectTuned', () => {
  it('keeps, per group, the setting with the best mean validation metric, and names only what was tuned', () => {
    const rule = { metric: 'validation_map_at_r', direction: 'maximize' as const, per: ['loss.kind'] };
    const result = selectTuned(runs(), rule);
    expect(result.choices.map((choice) => [choice.group, choice.chosen, choice.n])).toEqual([
      [{ 'loss.kind': 'contrastive' }, { 'loss.margin': 2 }, 3],
      [{ 'loss.kind': 'triplet' }, { 'loss.margin': 1 }, 3],
    ]);
    expect(result.choices[0].value).toBeCloseTo(0.6, 12);
    expect(result.choices[0].candidates.map((candidate) => candidate.mean)).toEqual([expect.closeTo(0.51, 12), expect.closeTo(0.6, 12)]);
    expect(result.selected).toHaveLength(6);
    expect(new Set(result.selected.map((run) => `${run.params['loss.kind']}|${run.params['loss.margin']}`))).toEqual(
      new Set(['contrastive|2', 'triplet|1']),
    );
    // The chosen settings' test scores: contrastive 1 - 0.6, triplet 1 - 0.7, with t-intervals.
    const scores = tunedScores(result, rule, 'map_at_r');
    expect(scores.map((row) => row.scored.mean)).toEqual([expect.closeTo(0.4, 12), expect.closeTo(0.3, 12)]);
    expect(scores[0].scored.interval!.low).toBeLessThan(0.4);
    expect(scores[0].scored.interval!.high).toBeGreaterThan(0.4);
  });

  it('minimises when asked, and never prefers a setting whose runs all ended without a value', () => {
    const withNan = runs().map((run) =>
      run.params['loss.kind'] === 'triplet' && run.params['loss.margin'] === 2
        ? { ...run, status: 'nan', metrics: { validation_map_at_r: null } }
        : run,
    );
    const result = selectTuned(withNan, { metric: 'validation_map_at_r', direction: 'minimize', per: ['loss.kind'] });
    // Contrastive: the lower mean (margin 1). Triplet: margin 2 has no value, so margin 1 is kept.
    expect(result.choices.map((choice) => choice.chosen)).toEqual([{ 'loss.margin': 1 }, { 'loss.margin': 1 }]);
    expect(Number.isNaN(result.choices[1].candidates[1].mean)).toBe(true);
  });
});
