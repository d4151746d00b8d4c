import { describe, expect, it } from 'vitest';
import { parseExperimentFile } from '../src/index.ts';
import { experimentFileWriter, parseErrorOf } from './helpers.ts';

const file = experimentFileWriter('lab-tuning-');

function withTuning(tuning: string, evaluation = '{ validation_limit: 500 }'): string {
  return file(`name: tuned
base:
  evaluation: ${evaluation}
sweep:
  grid:
    optimizer.name: [sgd, adam]
    loss.margin: [1, 2]
  seeds: 2
${tuning}`);
}

describe('tuning in experiment files', () => {
  it('parses a rule; the reported test metric defaults to the validation metric without its prefix', () => {
    const spec = parseExperimentFile(withTuning('tuning: { metric: validation_map_at_r, per: [optimizer.name] }'));
    expect(spec.tuning).toEqual({ metric: 'validation_map_at_r', direction: 'maximize', per: ['optimizer.name'], report: 'map_at_r' });
    expect(parseExperimentFile(withTuning('')).tuning).toBeUndefined();
  });

  const cases: Array<[string, string, string | undefined, RegExp, RegExp]> = [
    [
      'a test metric',
      'tuning: { metric: map_at_r, per: [optimizer.name] }',
      undefined,
      /:\d+:\d+, field `tuning.metric`: tuning.metric map_at_r is not a validation metric: .*never on the test set/s,
      /validation_map_at_r/,
    ],
    [
      'runs without validation scores',
      'tuning: { metric: validation_map_at_r, per: [optimizer.name] }',
      '{ test_limit: 500 }',
      /records no validation scores to tune on/,
      /evaluation.validation_limit/,
    ],
    [
      'an unknown parameter',
      'tuning: { metric: validation_map_at_r, per: [optimizer.nmae] }',
      undefined,
      /`optimizer.nmae` is not a parameter of these runs/,
      /did you mean `optimizer.name`/,
    ],
    ['no parameter', 'tuning: { metric: validation_map_at_r, per: [] }', undefined, /per needs at least one parameter/, /./],
  ];
  for (const [what, tuning, evaluation, message, hint] of cases) {
    it(`refuses ${what} at its line, before anything runs`, () => {
      const error = parseErrorOf(withTuning(tuning, evaluation));
      expect(error.describe()).toMatch(message);
      expect(error.describe()).toMatch(hint);
    });
  }
});
