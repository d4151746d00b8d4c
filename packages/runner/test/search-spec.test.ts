import { describe, expect, it } from 'vitest';
import { parseExperimentFile } from '../src/index.ts';
import { trialRun } from '../src/spec/search.ts';
import { experimentFileWriter, parseErrorOf } from './helpers.ts';

const file = experimentFileWriter('lab-search-spec-');

const space = `    loss.margin: { kind: uniform, low: 1, high: 10 }
    optimizer.learning_rate: { kind: log_uniform, low: 1.0e-4, high: 0.1 }
    optimizer.name: { kind: choice, values: [sgd, adam] }`;

/** A search file; `replace` swaps one line of it (matched by its start) for another. */
function searchFile(edit: { from?: string; to?: string; extra?: string } = {}): string {
  let text = `name: searched
base:
  data: { train_limit: 1000, validation_size: 1000 }
  evaluation: { validation_limit: 500 }
search:
  seed: 3
  space:
${space}
  sampler: { kind: tpe, startup_trials: 4 }
  objective: { metric: validation_map_at_r, direction: maximize }
  budget: { trials: 8 }
  asha: { min_steps: 20, max_steps: 180, reduction_factor: 3 }
${edit.extra ?? ''}`;
  if (edit.from !== undefined) {
    if (!text.includes(edit.from)) throw new Error(`no line ${edit.from}`);
    text = text.replace(edit.from, edit.to ?? '');
  }
  return file(text);
}

describe('a search: block', () => {
  it('parses into a plan with no planned runs: trials train asha.max_steps and are judged at the rungs below it', () => {
    const spec = parseExperimentFile(searchFile());
    expect(spec.runs).toEqual([]);
    expect(spec.sweepKeys).toEqual(['loss.margin', 'optimizer.learning_rate', 'optimizer.name']);
    expect(spec.search?.metric).toBe('validation_map_at_r');
    expect(spec.search?.trialSteps).toBe(180);
    expect(spec.search?.rungs).toEqual([20, 60]);
    const run = trialRun(spec.search!, 7, { 'loss.margin': 2.5, 'optimizer.learning_rate': 0.003, 'optimizer.name': 'adam' });
    expect(run.label).toBe('trial 7');
    expect(run.spec.training.steps).toBe(180);
    expect(run.spec.loss.margin).toBe(2.5);
    expect(run.spec.optimizer).toMatchObject({ name: 'adam', learning_rate: 0.003 });
    expect(run.spec.data.train_limit).toBe(1000);
    // Two trials that drew the same values are two runs.
    expect(trialRun(spec.search!, 8, run.overrides as never).configHash).not.toBe(run.configHash);
  });

  const cases: Array<[string, { from?: string; to?: string; extra?: string }, RegExp]> = [
    [
      'an empty range',
      { from: 'low: 1, high: 10', to: 'low: 1, high: 1' },
      /:8:\d+, field `search.space.loss.margin.high`: the range from 1 to 1 is empty/,
    ],
    [
      'an inverted range',
      { from: 'low: 1, high: 10', to: 'low: 10, high: 1' },
      /:8:\d+, field `search.space.loss.margin.high`: the range from 10 to 1 is inverted/,
    ],
    [
      'a log-uniform range touching 0',
      { from: 'low: 1.0e-4, high: 0.1', to: 'low: 0, high: 0.1' },
      /:9:\d+, field `search.space.optimizer.learning_rate.low`: a log-uniform range needs low and high greater than 0/,
    ],
    [
      'a test metric as the objective',
      { from: 'metric: validation_map_at_r', to: 'metric: map_at_r' },
      /:12:\d+, field `search.objective.metric`: objective.metric map_at_r is not a validation metric.*never on the test set/s,
    ],
    [
      'an objective no run records',
      { from: 'metric: validation_map_at_r', to: 'metric: validation_map_at_5' },
      /:12:\d+, field `search.objective.metric`: objective.metric validation_map_at_5 is not a metric the runs record/,
    ],
    [
      'an objective without validation scores',
      { from: '  evaluation: { validation_limit: 500 }\n', to: '' },
      /:11:\d+, field `search.objective.metric`: the trials record no validation scores/,
    ],
    [
      'a budget of 0',
      { from: 'budget: { trials: 8 }', to: 'budget: { trials: 0 }' },
      /:13:\d+, field `search.budget.trials`: budget.trials must be at least 1/,
    ],
    [
      'a budget of fewer steps than one trial',
      { from: 'budget: { trials: 8 }', to: 'budget: { steps: 100 }' },
      /:13:\d+, field `search.budget.steps`: budget.steps \(100\) is less than the 180 steps of one trial/,
    ],
    [
      'a condition that never holds',
      {
        extra: '',
        from: 'values: [sgd, adam] }',
        to: 'values: [sgd, adam] }\n    optimizer.momentum: { kind: uniform, low: 0.5, high: 0.9, condition: { parameter: optimizer.name, in: [momentum] } }',
      },
      /:11:\d+, field `search.space.optimizer.momentum.condition.in`: `momentum` is never a value of `optimizer.name`.*would never hold/s,
    ],
    [
      'a space parameter that is not a run parameter',
      { from: 'loss.margin:', to: 'loss.margine:' },
      /:8:\d+, field `search.space.loss.margine`: `loss.margine` is not a run parameter.*did you mean `loss.margin`/s,
    ],
    [
      'a value that is not a valid run',
      { from: 'values: [sgd, adam]', to: 'values: [sgd, adamw]' },
      /:10:\d+, field `search.space.optimizer.name.values`: `optimizer.name` = adamw is not a valid run/,
    ],
    [
      'a sweep beside it',
      { extra: 'sweep:\n  seeds: 2\n' },
      /:16:\d+, field `sweep`: an experiment has either a sweep or a search, not both/,
    ],
    [
      'a grid sampler',
      { from: 'kind: tpe', to: 'kind: grid' },
      /:11:\d+, field `search.sampler.kind`: `grid` is not allowed; expected one of: random, tpe/,
    ],
  ];
  for (const [what, edit, message] of cases) {
    it(`refuses ${what} at its line`, () => {
      expect(parseErrorOf(searchFile(edit)).describe()).toMatch(message);
    });
  }
});
