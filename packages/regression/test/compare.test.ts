import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  allowedBand,
  compareWithBaseline,
  createBaseline,
  formatCheckResult,
  readBaseline,
  serializeBaseline,
  type Baseline,
} from '../src/index.ts';
import { numericsOf, observedRun, tempFolder } from './helpers.ts';

/** A baseline written to a file and read back, as lab check reads it. */
function readBaselineBack(baseline: Baseline): Baseline {
  const path = join(tempFolder(), 'baseline.json');
  writeFileSync(path, serializeBaseline(baseline));
  return readBaseline(path);
}

function baselineOf(...runs: ReturnType<typeof observedRun>[]): Baseline {
  const baseline = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs });
  for (const optimizer of ['sgd', 'adam']) {
    baseline.bands.same_backend[optimizer].nn_accuracy = { absolute: 0.01 };
    baseline.bands.same_backend[optimizer].final_loss = { relative: 0.05 };
  }
  return baseline;
}

/** The same run under other numerics: another OpenBLAS kernel. */
const otherKernel = numericsOf({ kernel: 'Prescott' });

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

  it('identical numerics: the same numbers pass, any difference fails', () => {
    expect(compareWithBaseline(baseline, [observedRun()], 'b.json')).toMatchObject({
      passed: true,
      classes: { identical: 1, same_backend: 0, different_backend: 0 },
    });
    const result = compareWithBaseline(baseline, [observedRun({ metrics: { nn_accuracy: 0.8000001 } })], 'b.json');
    expect(result.passed).toBe(false);
    expect(result.runs[0]).toMatchObject({
      numerics_class: 'identical',
      reason: expect.stringMatching(/identical numerics: bit-identical results expected/) as unknown,
    });
    expect(result.runs[0].checks.find((check) => check.metric === 'nn_accuracy')).toMatchObject({ low: 0.8, high: 0.8, passed: false });
    expect(formatCheckResult(result)).toMatch(/optimizer\.name=sgd, seed=1 \[aaaa0000\]\s+identical\s+identical numerics/);
  });

  it("same backend, other numerics: the measured same_backend bands of the run's optimizer, at their edge included, and says what differs", () => {
    const result = compareWithBaseline(
      baseline,
      [observedRun({ numerics: otherKernel, metrics: { nn_accuracy: 0.81, final_loss: 2.1 } })],
      'b.json',
    );
    expect(result.runs[0]).toMatchObject({
      numerics_class: 'same_backend',
      reason: 'gemm.kernel: Haswell -> Prescott; the same_backend bands of sgd',
    });
    const text = formatCheckResult(result);
    expect(text).toMatch(/numerics of the baseline: blas: OpenBLAS 0\.3\.21 \(Haswell kernel\), 2 OpenBLAS threads/);
    expect(text).toMatch(/numerics now: +blas: OpenBLAS 0\.3\.21 \(Prescott kernel\)/);
    expect(text).toMatch(/\[aaaa0000\]\s+same_backend\s+gemm\.kernel: Haswell -> Prescott; the same_backend bands of sgd/);
    expect(result.passed).toBe(true);
    expect(result.counts).toEqual({ pass: 1, fail: 0, missing: 0, added: 0 });
    // Timing is recorded but never compared.
    expect(compareWithBaseline(baseline, [observedRun({ metrics: { steps_per_second: 1 } })], 'b.json').passed).toBe(true);
  });

  it('fails a metric outside its band and reports baseline, now and the band', () => {
    const result = compareWithBaseline(baseline, [observedRun({ numerics: otherKernel, metrics: { nn_accuracy: 0.75 } })], 'b.json');
    expect(result.passed).toBe(false);
    const failing = result.runs[0].checks.filter((check) => !check.passed);
    expect(failing).toEqual([{ metric: 'nn_accuracy', baseline: 0.8, now: 0.75, low: 0.79, high: 0.81, passed: false }]);
    const text = formatCheckResult(result);
    expect(text).toMatch(/^sweep: FAIL against b\.json \(1 run\(s\): 0 passed, 1 failed/);
    expect(text).toMatch(/run\s+metric\s+baseline\s+now\s+allowed/);
    expect(text).toMatch(/optimizer\.name=sgd, seed=1 \[aaaa0000\]\s+nn_accuracy\s+0\.8\s+0\.75\s+0\.79 \.\. 0\.81/);
  });

  it('a run that ended NaN both times is judged by its status alone under other numerics, exactly under identical ones', () => {
    // Under OpenBLAS's Haswell kernel an image paired with itself can get other bits in another row
    // of the batch, so d = 0 exactly (the NaN) comes at step 13 instead of 1: measured on seed-claims.
    const nanRun = (stepsDone: number, numerics = numericsOf()) =>
      observedRun({
        numerics,
        status: 'nan',
        stepsDone,
        metrics: { first_nan_step: stepsDone, nan_steps: 1, nn_accuracy: 0.1 * stepsDone },
      });
    const nanBaseline = baselineOf(nanRun(1));
    const later = compareWithBaseline(nanBaseline, [nanRun(13, otherKernel)], 'b.json');
    expect(later.passed, formatCheckResult(later)).toBe(true);
    expect(later.runs[0].checks.map((check) => check.metric).filter((metric) => !metric.startsWith('optimizer.'))).toEqual(['status']);
    expect(later.runs[0].reason).toMatch(/NaN both times: only the status is judged/);
    const identical = compareWithBaseline(nanBaseline, [nanRun(13)], 'b.json');
    expect(identical.runs[0].checks.filter((check) => !check.passed).map((check) => check.metric)).toEqual([
      'steps_done',
      'first_nan_step',
      'nn_accuracy',
    ]);
    // A run that completed in the baseline and ends NaN now still fails on any machine.
    const broken = compareWithBaseline(baselineOf(observedRun()), [nanRun(13, otherKernel)], 'b.json');
    expect(broken.runs[0].checks.find((check) => check.metric === 'status')).toMatchObject({
      baseline: 'completed',
      now: 'nan',
      passed: false,
    });
  });

  it('fails when the status or step count changes, or a metric becomes null or goes missing', () => {
    const nan = compareWithBaseline(
      baseline,
      [observedRun({ numerics: otherKernel, status: 'nan', stepsDone: 12, metrics: { first_nan_step: 12, nan_steps: 1 } })],
      'b.json',
    );
    expect(nan.runs[0].checks.filter((check) => !check.passed).map((check) => check.metric)).toEqual([
      'status',
      'steps_done',
      'first_nan_step',
      'nan_steps',
    ]);
    expect(formatCheckResult(nan)).toMatch(/status\s+completed\s+nan\s+must match/);
    const nullMetric = compareWithBaseline(baseline, [observedRun({ numerics: otherKernel, metrics: { anisotropy: null } })], 'b.json');
    expect(nullMetric.runs[0].checks.find((check) => check.metric === 'anisotropy')).toMatchObject({
      passed: false,
      note: 'now undefined (null)',
    });
    const { nn_accuracy: _, ...withoutAccuracy } = observedRun().metrics;
    const missingMetric = compareWithBaseline(baseline, [{ ...observedRun(), metrics: withoutAccuracy }], 'b.json');
    expect(missingMetric.runs[0].checks.find((check) => check.metric === 'nn_accuracy')).toMatchObject({
      passed: false,
      note: 'not recorded now',
    });
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

  it("another backend: the different_backend bands; an unmeasured optimizer gets adam's, and the reason says so", () => {
    const moved = observedRun({ numerics: otherKernel, metrics: { nn_accuracy: 0.785 } });
    expect(compareWithBaseline(baseline, [moved], 'b.json').passed).toBe(false);
    const wasm = numericsOf({ backend: 'wasm', provider: 'xnnpack', kernel: 'wasm-simd128' });
    const elsewhere = compareWithBaseline(baseline, [{ ...moved, backend: 'wasm', numerics: wasm }], 'b.json');
    expect(elsewhere.passed, formatCheckResult(elsewhere)).toBe(true);
    expect(elsewhere.runs[0]).toMatchObject({
      numerics_class: 'different_backend',
      reason: 'backend blas -> wasm; the different_backend bands of sgd',
    });
    // A gross change still fails across backends.
    expect(
      compareWithBaseline(baseline, [{ ...observedRun({ metrics: { nn_accuracy: 0.5 } }), backend: 'wasm', numerics: wasm }], 'b.json')
        .passed,
    ).toBe(false);

    const rmsprop = { 'optimizer.name': 'rmsprop', seed: 1 };
    const unmeasured = baselineOf(observedRun({ params: rmsprop }));
    const result = compareWithBaseline(unmeasured, [observedRun({ params: rmsprop, numerics: otherKernel })], 'b.json');
    expect(result.runs[0].reason).toBe('gemm.kernel: Haswell -> Prescott; the same_backend bands of adam (none measured for rmsprop)');
  });

  it('never assumes identical numerics when the baseline or the run does not record them', () => {
    const old = baselineOf(observedRun({ numerics: null }));
    const result = compareWithBaseline(old, [observedRun()], 'b.json');
    expect(result.runs[0].numerics_class).toBe('same_backend');
    expect(result.runs[0].reason).toMatch(/^the baseline does not record its numerics \(re-record it with lab baseline\)/);
    expect(compareWithBaseline(baseline, [observedRun({ numerics: null })], 'b.json').runs[0].reason).toMatch(
      /^this run does not record its numerics/,
    );
  });

  it('compares the optimizer as built exactly in every class (a hyper-parameter the code dropped fails anywhere)', () => {
    const adam = { class: 'Adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const params = { 'optimizer.name': 'adam', seed: 1 };
    const baseline = baselineOf(observedRun({ params, optimizer: adam }));
    const wasm = numericsOf({ backend: 'wasm', provider: 'xnnpack', kernel: 'wasm-simd128' });
    const same = compareWithBaseline(
      baseline,
      [{ ...observedRun({ params, optimizer: adam }), backend: 'wasm', numerics: wasm }],
      'b.json',
    );
    expect(same.passed, formatCheckResult(same)).toBe(true);
    const changed = compareWithBaseline(
      baseline,
      [{ ...observedRun({ params, optimizer: { ...adam, beta2: 0.99 } }), backend: 'wasm', numerics: wasm }],
      'b.json',
    );
    expect(changed.passed).toBe(false);
    expect(changed.runs[0].checks.filter((check) => !check.passed)).toEqual([
      { metric: 'optimizer.beta2', baseline: '0.999', now: '0.99', low: null, high: null, passed: false },
    ]);
    // A run or a baseline recorded before optimizers were recorded is not held to it.
    const older = compareWithBaseline(baseline, [observedRun({ params, optimizer: null })], 'b.json');
    expect(older.runs[0].checks.some((check) => check.metric.startsWith('optimizer.'))).toBe(false);
  });

  it("says when a run's data differ from the baseline's (another fingerprint of the files read), in every class", () => {
    const data = 'a'.repeat(64);
    const baseline = baselineOf(observedRun({ data }));
    expect(serializeBaseline(baseline)).toContain(`"data": "${data}"`);
    expect(readBaselineBack(baseline).runs[0].data).toBe(data);
    expect(compareWithBaseline(baseline, [observedRun({ data })], 'b.json').passed).toBe(true);
    const other = compareWithBaseline(baseline, [observedRun({ data: 'b'.repeat(64), numerics: otherKernel })], 'b.json');
    expect(other.passed).toBe(false);
    expect(other.runs[0].checks.filter((check) => !check.passed)).toEqual([
      {
        metric: 'data',
        baseline: 'a'.repeat(16),
        now: 'b'.repeat(16),
        low: null,
        high: null,
        passed: false,
        note: "the data differ from the baseline's: another content hash of the files read",
      },
    ]);
    expect(formatCheckResult(other)).toMatch(/data\s+aaaaaaaaaaaaaaaa\s+bbbbbbbbbbbbbbbb\s+the data differ from the baseline's/);
    // Runs and baselines recorded before data were fingerprinted are not held to it.
    expect(compareWithBaseline(baselineOf(observedRun()), [observedRun({ data })], 'b.json').passed).toBe(true);
  });

  it('lets a run override a tolerance of the file', () => {
    const loose = baselineOf(observedRun());
    loose.runs[0].tolerances = { nn_accuracy: { absolute: 0.1 } };
    expect(compareWithBaseline(loose, [observedRun({ numerics: otherKernel, metrics: { nn_accuracy: 0.75 } })], 'b.json').passed).toBe(
      true,
    );
    // Identical numerics stay exact whatever the overrides say.
    expect(compareWithBaseline(loose, [observedRun({ metrics: { nn_accuracy: 0.75 } })], 'b.json').passed).toBe(false);
  });
});
