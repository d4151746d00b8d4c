import { describe, expect, it } from 'vitest';
import { suggestRandom } from '../src/index.ts';
import { optimizerSpace, searchOver } from './helpers.ts';

const { space } = searchOver(optimizerSpace);
const sequence = (seed: number, trials: number) => Array.from({ length: trials }, (_, trial) => suggestRandom(space, seed, trial));

describe('random search', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    expect(sequence(7, 30)).toEqual(sequence(7, 30));
    const other = sequence(8, 30);
    sequence(7, 30).forEach((params, trial) => expect(params['optimizer.learning_rate']).not.toBe(other[trial]['optimizer.learning_rate']));
  });

  it('draws trial i from (seed, i) alone: asked in any order, or resumed, a trial gets the same parameters', () => {
    const inOrder = sequence(3, 12);
    const backwards = Array.from({ length: 12 }, (_, k) => 11 - k).map((trial) => [trial, suggestRandom(space, 3, trial)] as const);
    for (const [trial, params] of backwards) expect(params).toEqual(inOrder[trial]);
  });

  it('keeps every value in its range, ints whole, log ranges spread over the decades', () => {
    const draws = sequence(1, 2000);
    const rates = draws.map((p) => p['optimizer.learning_rate'] as number);
    const dims = draws.map((p) => p['model.embedding_dim'] as number);
    const layers = draws.map((p) => p['training.layers'] as number);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...rates)).toBeLessThanOrEqual(0.1);
    // Log-uniform over three decades: about a third of the draws in each (binomial sd ≈ 21 for 2,000 draws).
    for (const [low, high] of [
      [1e-4, 1e-3],
      [1e-3, 1e-2],
      [1e-2, 1e-1],
    ])
      expect(Math.abs(rates.filter((r) => r >= low && r < high).length - 2000 / 3)).toBeLessThan(100);
    expect(dims.every((d) => Number.isInteger(d) && d >= 2 && d <= 64)).toBe(true);
    expect(new Set(layers)).toEqual(new Set([1, 2, 3, 4]));
    // Every integer of 1..4 about equally often (500 each; sd ≈ 19).
    for (const value of [1, 2, 3, 4]) expect(Math.abs(layers.filter((l) => l === value).length - 500)).toBeLessThan(80);
  });

  it('leaves a conditional parameter out when its condition fails, and draws it when it holds', () => {
    const draws = sequence(5, 300);
    for (const params of draws) {
      if (params['optimizer.name'] === 'momentum') expect(params['optimizer.momentum']).toBeGreaterThanOrEqual(0.5);
      else expect(params).not.toHaveProperty('optimizer.momentum');
    }
    expect(draws.filter((p) => p['optimizer.name'] === 'momentum').length).toBeGreaterThan(50);
  });

  it('a parameter added to the space leaves the others’ draws as they were', () => {
    const wider = searchOver({ ...optimizerSpace, 'loss.margin': { kind: 'uniform', low: 1, high: 10 } }).space;
    for (let trial = 0; trial < 10; trial++) {
      const { 'loss.margin': margin, ...rest } = suggestRandom(wider, 2, trial);
      expect(margin).toBeTypeOf('number');
      expect(rest).toEqual(suggestRandom(space, 2, trial));
    }
  });
});
