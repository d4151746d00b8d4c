import { describe, expect, it } from 'vitest';
import { checkSeedMeans, compareWithBaseline, createBaseline, formatCheckResult, type ObservedRun } from '../src/index.ts';
import { numericsOf, observedRun } from './helpers.ts';

/** Three seeds of one adam setting with the given nn_accuracy values. */
function seeds(values: number[], numerics = numericsOf()): ObservedRun[] {
  return values.map((value, index) =>
    observedRun({
      configHash: `adam${index}`,
      label: `optimizer.name=adam, seed=${index + 1}`,
      params: { seed: index + 1, 'optimizer.name': 'adam' },
      numerics,
      metrics: { nn_accuracy: value },
    }),
  );
}

describe('means over seeds', () => {
  const baseline = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: seeds([0.8, 0.86, 0.83]) });
  const other = numericsOf({ kernel: 'Prescott' });

  it('band: z * pooled seed sd * sqrt(2 / n) around the baseline mean', () => {
    const checks = checkSeedMeans(baseline, seeds([0.8, 0.86, 0.83], other), () => 'same_backend');
    const accuracy = checks.find((check) => check.metric === 'nn_accuracy')!;
    expect(accuracy).toMatchObject({ setting: 'optimizer.name=adam', optimizer: 'adam', seeds: 3, passed: true });
    expect(accuracy.baseline_mean).toBeCloseTo(0.83, 12);
    expect(accuracy.seed_sd).toBeCloseTo(0.03, 12);
    expect(accuracy.high - accuracy.baseline_mean).toBeCloseTo(3 * 0.03 * Math.sqrt(2 / 3), 12);
  });

  it('passes when seeds trade places (a new trajectory each) and fails when the mean itself moves', () => {
    // Every run moved by up to 0.06 (a per-run band this wide would catch nothing), the mean did not.
    const reshuffled = compareWithBaseline(baseline, seeds([0.86, 0.8, 0.835], other), 'b.json');
    expect(reshuffled.seed_checks.find((check) => check.metric === 'nn_accuracy')?.passed).toBe(true);
    const shifted = compareWithBaseline(baseline, seeds([0.72, 0.78, 0.75], other), 'b.json');
    expect(shifted.passed).toBe(false);
    expect(shifted.seed_checks.find((check) => check.metric === 'nn_accuracy')?.passed).toBe(false);
    expect(formatCheckResult(shifted)).toMatch(
      /means over seeds: \d+ of \d+ within[\s\S]*optimizer\.name=adam\s+nn_accuracy\s+3\s+0\.83\s+0\.75\s+0\.03\s/,
    );
  });

  it('is skipped under identical numerics (the exact per-run checks are stronger) and for settings with too few seeds', () => {
    expect(checkSeedMeans(baseline, seeds([0.8, 0.86, 0.83]), () => 'identical')).toEqual([]);
    const two = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: seeds([0.8, 0.86]) });
    expect(checkSeedMeans(two, seeds([0.8, 0.86], other), () => 'same_backend')).toEqual([]);
    // A seed missing now: the mean would not be comparable.
    expect(checkSeedMeans(baseline, seeds([0.8, 0.86, 0.83], other).slice(0, 2), () => 'same_backend')).toEqual([]);
  });

  it('never holds a setting whose seeds happen to agree to zero: the floor is the class band of sgd', () => {
    const agreeing = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: seeds([0.8, 0.8, 0.8]) });
    const check = checkSeedMeans(agreeing, seeds([0.805, 0.8, 0.8], other), () => 'same_backend').find(
      (entry) => entry.metric === 'nn_accuracy',
    )!;
    expect(check.high - 0.8).toBeCloseTo(agreeing.bands.same_backend.sgd.nn_accuracy.absolute!, 12);
    expect(check.passed).toBe(true);
  });
});
