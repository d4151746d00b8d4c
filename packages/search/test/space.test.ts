import { describe, expect, it } from 'vitest';
import { isLabError } from '@siamese-lab/core';
import { parameterOrder, validateSpace } from '../src/index.ts';

const objective = { metric: 'nn_accuracy', direction: 'maximize' };
const block = (extra: Record<string, unknown>) => ({
  space: { 'optimizer.learning_rate': { kind: 'log_uniform', low: 1e-4, high: 0.1 } },
  objective,
  budget: { trials: 20 },
  ...extra,
});

/** The field and message validateSpace reports for a bad block. */
function problem(input: unknown): { field?: string; message: string } {
  try {
    validateSpace(input);
  } catch (error) {
    if (!isLabError(error)) throw error;
    return { field: error.field, message: error.message };
  }
  throw new Error('the block was accepted');
}

describe('the search block', () => {
  it('fills the defaults: seed 1, tpe with Optuna-like settings, asha η = 3', () => {
    const search = validateSpace(block({ asha: { min_steps: 100, max_steps: 900 } }));
    expect(search.seed).toBe(1);
    expect(search.sampler).toEqual({ kind: 'tpe', startup_trials: 10, ei_candidates: 24, gamma: 0.1, max_good: 25, prior_weight: 1 });
    expect(search.asha).toEqual({ min_steps: 100, max_steps: 900, reduction_factor: 3 });
    expect(validateSpace(block({ sampler: { startup_trials: 5 } })).sampler).toMatchObject({ kind: 'tpe', startup_trials: 5 });
    expect(validateSpace(block({ space: { layers: { kind: 'int', low: 1, high: 4 } } })).space.layers).toEqual({
      kind: 'int',
      low: 1,
      high: 4,
      log: false,
    });
  });

  it('orders conditional parameters after the parameter their condition reads', () => {
    const search = validateSpace(
      block({
        space: {
          'optimizer.momentum': { kind: 'uniform', low: 0.5, high: 0.99, condition: { parameter: 'optimizer.name', in: ['momentum'] } },
          'optimizer.name': { kind: 'choice', values: ['sgd', 'momentum', 'adam'] },
        },
      }),
    );
    expect(parameterOrder(search.space)).toEqual(['optimizer.name', 'optimizer.momentum']);
  });
});

describe('bad search blocks get a clear message with their field', () => {
  const space = (parameters: Record<string, unknown>) => block({ space: parameters });

  it('an empty or inverted range', () => {
    expect(problem(space({ x: { kind: 'uniform', low: 1, high: 1 } }))).toEqual({
      field: 'search.space.x.high',
      message: 'the range from 1 to 1 is empty: high must be greater than low (a fixed value belongs in base)',
    });
    expect(problem(space({ x: { kind: 'int', low: 8, high: 2 } }))).toEqual({
      field: 'search.space.x.high',
      message: 'the range from 8 to 2 is inverted: high must be greater than low',
    });
  });

  it('a log range touching 0', () => {
    expect(problem(space({ lr: { kind: 'log_uniform', low: 0, high: 0.1 } }))).toEqual({
      field: 'search.space.lr.low',
      message: 'a log-uniform range needs low and high greater than 0 (there is no logarithm of 0)',
    });
    expect(problem(space({ width: { kind: 'int', low: 0, high: 64, log: true } })).message).toBe(
      'an int range with log: true needs low of at least 1 (there is no logarithm of 0)',
    );
  });

  it('an unknown kind, an empty space, an empty choice', () => {
    expect(problem(space({ x: { kind: 'normal', low: 0, high: 1 } })).message).toBe('kind is one of: uniform, log_uniform, int, choice');
    expect(problem(space({}))).toEqual({ field: 'search.space', message: 'the space needs at least one parameter' });
    expect(problem(space({ x: { kind: 'choice', values: [] } })).message).toBe('a choice needs at least one value');
    expect(problem(space({ x: { kind: 'choice', values: ['sgd', 'adam', 'sgd'] } }))).toEqual({
      field: 'search.space.x.values.2',
      message: '`sgd` is listed twice',
    });
  });

  it('a condition on an unknown parameter, on an impossible value, on a continuous parameter, or in a cycle', () => {
    const name = { kind: 'choice', values: ['sgd', 'momentum', 'adam'] };
    const momentum = (condition: unknown) => ({ kind: 'uniform', low: 0.5, high: 0.99, condition });
    expect(problem(space({ 'optimizer.name': name, m: momentum({ parameter: 'optimizer.nam', in: ['momentum'] }) }))).toEqual({
      field: 'search.space.m.condition.parameter',
      message: '`optimizer.nam` is not a parameter of the space; expected one of: optimizer.name, m',
    });
    expect(problem(space({ 'optimizer.name': name, m: momentum({ parameter: 'optimizer.name', in: ['nesterov'] }) }))).toEqual({
      field: 'search.space.m.condition.in',
      message:
        '`nesterov` is never a value of `optimizer.name` (its values: sgd, momentum, adam), so the condition of `m` would never hold',
    });
    expect(problem(space({ layers: { kind: 'int', low: 1, high: 3 }, m: momentum({ parameter: 'layers', in: [4] }) })).message).toBe(
      '`4` is never a value of `layers` (its values: the whole numbers from 1 to 3), so the condition of `m` would never hold',
    );
    expect(problem(space({ x: { kind: 'uniform', low: 0, high: 1 }, m: momentum({ parameter: 'x', in: [0.5] }) })).message).toBe(
      '`x` is continuous (uniform), so it never takes one given value: a condition needs a choice or an int parameter',
    );
    expect(
      problem(
        space({
          a: { kind: 'choice', values: [1, 2], condition: { parameter: 'b', in: [1] } },
          b: { kind: 'choice', values: [1, 2], condition: { parameter: 'a', in: [1] } },
        }),
      ),
    ).toEqual({ field: 'search.space.a.condition.parameter', message: 'the conditions form a cycle: a -> b -> a' });
  });

  it('a budget of 0 or none at all', () => {
    expect(problem(block({ budget: { trials: 0 } }))).toEqual({
      field: 'search.budget.trials',
      message: 'budget.trials must be at least 1',
    });
    expect(problem(block({ budget: { steps: 0 } })).message).toBe('budget.steps must be at least 1');
    expect(problem(block({ budget: {} })).message).toBe('the budget needs trials, steps or both');
    expect(problem(block({ budget: { steps: 50 }, asha: { min_steps: 100, max_steps: 900 } }))).toEqual({
      field: 'search.budget.steps',
      message: 'budget.steps (50) is less than asha.min_steps (100): not one trial fits',
    });
  });

  it('asha with η < 2, min_steps above max_steps, or a single rung', () => {
    expect(problem(block({ asha: { min_steps: 1, max_steps: 9, reduction_factor: 1 } }))).toEqual({
      field: 'search.asha.reduction_factor',
      message: 'asha.reduction_factor (η) must be at least 2: each rung keeps about the best 1/η of its trials',
    });
    expect(problem(block({ asha: { min_steps: 900, max_steps: 100 } }))).toEqual({
      field: 'search.asha.min_steps',
      message: 'asha.min_steps (900) is more than asha.max_steps (100)',
    });
    expect(problem(block({ asha: { min_steps: 100, max_steps: 200 } })).message).toBe(
      'asha.max_steps must be at least min_steps × reduction_factor (300): with 200 there is one rung and nothing to stop early',
    );
  });

  it('a grid sampler, a missing direction', () => {
    expect(problem(block({ sampler: { kind: 'grid' } }))).toEqual({
      field: 'search.sampler.kind',
      message: 'a grid stays a sweep (sweep.grid); a search samples with random or tpe',
    });
    expect(problem(block({ objective: { metric: 'nn_accuracy' } })).message).toBe('objective.direction is minimize or maximize');
  });
});
