import { describe, expect, it } from 'vitest';
import { allowedBand, compareWithBaseline, createBaseline, formatCheckResult, type Baseline } from '../src/index.ts';
import { observedRun } from './helpers.ts';

function baselineOf(...runs: ReturnType<typeof observedRun>[]): Baseline {
  const baseline = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs });
  baseline.tolerances.nn_accuracy = { absolute: 0.01 };
  baseline.tolerances.final_loss = { relative: 0.05 };
  return baseline;
}

describe('allowedBand', () => {
  it('is the wider of the absolute and the relative half-width', () => {
    expect(allowedBand(2, { absolute: 0.1 })).toEqual([1.9, 2.1]);
    expect(allowedBand(-4, { relative: 0.5 })).toEqual([-6, -2]);
    expect(allowedBand(10, { absolute: 0.5, relative: 0.1 })).toEqual([9, 11]);
    expect(allowedBand(3, { absolute: 0 })).toEqual([3, 3]);
  });
});

describe('compareWithBaseline', () => {
  const baseline = baselineOf(observedRun());

  it('passes metrics inside their band, at its edge included', () => {
    const result = compareWithBaseline(baseline, [observedRun({ metrics: { nn_accuracy: 0.81, final_loss: 2.1 } })], 'b.json');
    expect(result.passed).toBe(true);
    expect(result.counts).toEqual({ pass: 1, fail: 0, missing: 0, added: 0 });
    // Timing is recorded but never compared.
    expect(compareWithBaseline(baseline, [observedRun({ metrics: { steps_per_second: 1 } })], 'b.json').passed).toBe(true);
  });

  it('fails a metric outside its band and reports baseline, now and the band', () => {
    const result = compareWithBaseline(baseline, [observedRun({ metrics: { nn_accuracy: 0.75 } })], 'b.json');
    expect(result.passed).toBe(false);
    const failing = result.runs[0].checks.filter((check) => !check.passed);
    expect(failing).toEqual([{ metric: 'nn_accuracy', baseline: 0.8, now: 0.75, low: 0.79, high: 0.81, passed: false }]);
    const text = formatCheckResult(result);
    expect(text).toMatch(/^sweep: FAIL against b\.json \(1 run\(s\): 0 passed, 1 failed/);
    expect(text).toMatch(/run\s+metric\s+baseline\s+now\s+allowed/);
    expect(text).toMatch(/optimizer\.name=sgd, seed=1 \[aaaa0000\]\s+nn_accuracy\s+0\.8\s+0\.75\s+0\.79 \.\. 0\.81/);
  });

  it('fails when the status or step count changes, or a metric becomes null or goes missing', () => {
    const nan = compareWithBaseline(baseline, [observedRun({ status: 'nan', stepsDone: 12, metrics: { first_nan_step: 12, nan_steps: 1 } })], 'b.json');
    expect(nan.runs[0].checks.filter((check) => !check.passed).map((check) => check.metric)).toEqual(['status', 'steps_done', 'first_nan_step', 'nan_steps']);
    expect(formatCheckResult(nan)).toMatch(/status\s+completed\s+nan\s+must match/);
    const nullMetric = compareWithBaseline(baseline, [observedRun({ metrics: { anisotropy: null } })], 'b.json');
    expect(nullMetric.runs[0].checks.find((check) => check.metric === 'anisotropy')).toMatchObject({ passed: false, note: 'now undefined (null)' });
    const { nn_accuracy: _, ...withoutAccuracy } = observedRun().metrics;
    const missingMetric = compareWithBaseline(baseline, [{ ...observedRun(), metrics: withoutAccuracy }], 'b.json');
    expect(missingMetric.runs[0].checks.find((check) => check.metric === 'nn_accuracy')).toMatchObject({ passed: false, note: 'not recorded now' });
  });

  it('reports runs that disappeared and runs the baseline does not know, and fails on either', () => {
    const other = observedRun({ configHash: 'cccc000011112222', label: 'optimizer.name=adam, seed=1' });
    const result = compareWithBaseline(baseline, [other], 'b.json');
    expect(result.passed).toBe(false);
    expect(result.runs.map((run) => [run.config_hash, run.outcome])).toEqual([
      ['aaaa000011112222', 'missing'],
      ['cccc000011112222', 'added'],
    ]);
    const text = formatCheckResult(result);
    expect(text).toContain('in the baseline but not among the finished runs now');
    expect(text).toContain('  optimizer.name=adam, seed=1 [cccc000011112222]');
    expect(text).toContain('pnpm lab baseline');
  });

  it('uses the wider cross-backend tolerances when a run ran on another backend, and says so', () => {
    const moved = observedRun({ metrics: { nn_accuracy: 0.76 } });
    expect(compareWithBaseline(baseline, [moved], 'b.json').passed).toBe(false);
    const elsewhere = compareWithBaseline(baseline, [{ ...moved, backend: 'wasm' }], 'b.json');
    expect(elsewhere.passed).toBe(true);
    expect(elsewhere.cross_backend).toBe(true);
    expect(formatCheckResult(elsewhere)).toMatch(/compared across backends \(blas -> wasm\)/);
    // A gross change still fails across backends.
    expect(compareWithBaseline(baseline, [{ ...observedRun({ metrics: { nn_accuracy: 0.5 } }), backend: 'wasm' }], 'b.json').passed).toBe(false);
  });

  it('lets a run override a tolerance of the file', () => {
    const loose = baselineOf(observedRun());
    loose.runs[0].tolerances = { nn_accuracy: { absolute: 0.1 } };
    expect(compareWithBaseline(loose, [observedRun({ metrics: { nn_accuracy: 0.75 } })], 'b.json').passed).toBe(true);
  });
});
