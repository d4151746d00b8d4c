import { describe, expect, it } from 'vitest';
import { compareGroups, evaluateClaims, formatClaims, type Claim, type Observation } from '../src/index.ts';
import { evaluateClaim } from '../src/claims.ts';
import { reference, sample } from './reference.ts';

/** Runs of an optimizer sweep: one per seed, anisotropy from the reference samples. */
function sweep(): Observation[] {
  const runs: Observation[] = [];
  for (const [name, values] of [
    ['adam', sample('adam')],
    ['sgd', sample('sgd')],
  ] as const) {
    values.forEach((value, index) =>
      runs.push({
        status: 'completed',
        params: { 'optimizer.name': name, 'loss.epsilon': 1e-6, seed: index + 1 },
        metrics: { anisotropy: value },
      }),
    );
  }
  return runs;
}

const order = (higher: string | number, lower: string | number, metric = 'anisotropy', by = 'optimizer.name'): Claim => ({
  metric,
  by,
  expect: `${higher} > ${lower}`,
  expectation: { kind: 'order', higher, lower },
});

describe('comparing groups of runs', () => {
  it('summarises each group and compares the pair in one sentence (the numbers are the scipy-checked ones)', () => {
    const result = compareGroups(sweep(), { metric: 'anisotropy', by: 'optimizer.name', sweepKeys: ['optimizer.name', 'seed'] });
    expect(result.settings).toHaveLength(1);
    const [adam, sgd] = result.settings[0].groups;
    expect([adam.label, adam.n, sgd.label, sgd.n]).toEqual(['adam', 6, 'sgd', 6]);
    const pair = result.settings[0].pairs[0];
    expect(pair.welch!.p).toBeCloseTo(0.004680849765935979, 12);
    const interval = (name: string) =>
      reference.samples
        .find((entry) => entry.name === name)!
        .ci95.map((bound) => Number(bound.toPrecision(3)))
        .join(', ');
    expect(pair.sentence).toBe(
      `anisotropy: adam 1.62 [${interval('adam')}] vs sgd 1.36 [${interval('sgd')}]; difference +0.262 ` +
        `[${Number(pair.bootstrap!.low.toPrecision(3))}, ${Number(pair.bootstrap!.high.toPrecision(3))}] (95% bootstrap), g = 2.3, p = 0.0047 (Welch), 0.0022 (permutation, exact), n = 6 vs 6`,
    );
  });

  it('compares within each setting of the other swept parameters unless pooled', () => {
    const runs = sweep().flatMap((run) => [
      run,
      { ...run, params: { ...run.params, 'loss.epsilon': 0 }, metrics: { anisotropy: run.metrics.anisotropy! + 0.5 } },
    ]);
    const within = compareGroups(runs, {
      metric: 'anisotropy',
      by: 'optimizer.name',
      sweepKeys: ['optimizer.name', 'loss.epsilon', 'seed'],
    });
    expect(within.settings.map((setting) => setting.fixed)).toEqual([{ 'loss.epsilon': 1e-6 }, { 'loss.epsilon': 0 }]);
    expect(within.settings[0].groups[0].n).toBe(6);
    const pooled = compareGroups(runs, {
      metric: 'anisotropy',
      by: 'optimizer.name',
      sweepKeys: ['optimizer.name', 'loss.epsilon', 'seed'],
      pool: true,
    });
    expect(pooled.settings).toHaveLength(1);
    expect(pooled.settings[0].groups[0].n).toBe(12);
  });

  it('counts NaN runs per group and says that their values are missing, never dropping them silently', () => {
    const runs = sweep();
    runs[0] = { ...runs[0], status: 'nan', metrics: { anisotropy: null } };
    runs[1] = { ...runs[1], status: 'nan', metrics: {} };
    runs.push({ status: 'failed', params: { 'optimizer.name': 'sgd', seed: 9 }, metrics: {} });
    const [adam, sgd] = compareGroups(runs, { metric: 'anisotropy', by: 'optimizer.name', sweepKeys: ['optimizer.name', 'seed'] })
      .settings[0].groups;
    expect([adam.runs, adam.nanRuns, adam.withoutValue, adam.n]).toEqual([6, 2, 2, 4]);
    expect([sgd.runs, sgd.unfinished]).toEqual([6, 1]);
    const pair = compareGroups(runs, { metric: 'anisotropy', by: 'optimizer.name', sweepKeys: ['optimizer.name', 'seed'] }).settings[0]
      .pairs[0];
    expect(pair.sentence).toMatch(/n = 4 vs 6; 2 run\(s\) of adam without a value \(2 ended NaN\); 1 run\(s\) of sgd unfinished$/);
  });

  it('with one run a group, says that no interval can be given', () => {
    const runs = sweep().filter((run) => run.params.seed === 1);
    const pair = compareGroups(runs, { metric: 'anisotropy', by: 'optimizer.name', sweepKeys: ['optimizer.name', 'seed'] }).settings[0]
      .pairs[0];
    expect(pair.bootstrap).toBeNull();
    expect(pair.welch).toBeNull();
    expect(pair.sentence).toBe(
      'anisotropy: adam 1.69 (one run) vs sgd 1.4 (one run); difference +0.294; no interval can be given with one run in a group (n = 1 vs 1)',
    );
  });
});

describe('claims', () => {
  it('a true claim holds, with its numbers', () => {
    const result = evaluateClaim(order('adam', 'sgd'), sweep(), { sweepKeys: ['optimizer.name', 'seed'] });
    expect(result.verdict).toBe('holds');
    expect(result.text).toMatch(/^HOLDS {5}anisotropy adam > sgd \(by optimizer.name\)/);
    expect(result.text).toContain('p = 0.0047 (Welch), 0.0022 (permutation, exact)');
  });

  it('a margin: "sgd > adam - m" holds when sgd is at most m below adam, and fails when it is clearly further below', () => {
    const options = { sweepKeys: ['optimizer.name', 'seed'] };
    // adam's mean is 0.262 above sgd's (the claim above); a margin of 0.6 covers it, one of 0.01 does not.
    const within = (margin: number): Claim => ({
      ...order('sgd', 'adam'),
      expect: `sgd > adam - ${margin}`,
      expectation: { kind: 'order', higher: 'sgd', lower: 'adam', margin },
    });
    const wide = evaluateClaim(within(0.6), sweep(), options);
    expect(wide.verdict).toBe('holds');
    // The difference is sgd's mean less (adam's less the margin): -0.262 + 0.6.
    expect(wide.settings[0].comparison!.difference).toBeCloseTo(0.6 - 0.262, 3);
    expect(wide.text).toContain('adam - 0.6');
    expect(evaluateClaim(within(0.01), sweep(), options).verdict).toBe('fails');
  });

  it('the reverse claim fails, and fails the check', () => {
    const summary = evaluateClaims([order('adam', 'sgd'), order('sgd', 'adam')], sweep(), { sweepKeys: ['optimizer.name', 'seed'] });
    expect(summary.results.map((result) => result.verdict)).toEqual(['holds', 'fails']);
    expect(summary.passed).toBe(false);
    expect(summary.results[1].settings[0].comparison!.difference).toBeCloseTo(-0.262, 3);
    expect(formatClaims(summary)).toMatch(/^claims: 1 hold, 1 fail, 0 undecided \(confidence 95%\)\n/);
  });

  it('a claim shipped with its measured verdict "fails" passes the check while it fails, and fails it once it holds or is undecided', () => {
    const options = { sweepKeys: ['optimizer.name', 'seed'] };
    const finding = { ...order('sgd', 'adam'), verdict: 'fails' as const };
    const stillFails = evaluateClaims([finding], sweep(), options);
    expect(stillFails.results[0].verdict).toBe('fails');
    expect(stillFails.passed).toBe(true);
    expect(stillFails.results[0].text).toMatch(/^FAILS {5}anisotropy sgd > adam \(by optimizer.name\) {2}\(shipped as measured: fails\)/);
    // Something changed: the data now say the opposite, or too little to decide.
    const reversed = sweep().map((run) => ({
      ...run,
      params: { ...run.params, 'optimizer.name': run.params['optimizer.name'] === 'sgd' ? 'adam' : 'sgd' },
    }));
    const nowHolds = evaluateClaims([finding], reversed, options);
    expect(nowHolds.results[0].verdict).toBe('holds');
    expect(nowHolds.passed).toBe(false);
    expect(nowHolds.results[0].text).toContain('(shipped as measured: fails; now holds, so the check fails)');
    const fewSeeds = evaluateClaims(
      [finding],
      sweep().filter((run) => Number(run.params.seed) <= 2),
      options,
    );
    expect(fewSeeds.results[0].verdict).toBe('undecided');
    expect(fewSeeds.passed).toBe(false);
    // A claim expected to hold (the default) still passes when undecided.
    expect(
      evaluateClaims(
        [order('adam', 'sgd')],
        sweep().filter((run) => Number(run.params.seed) <= 2),
        options,
      ).passed,
    ).toBe(true);
  });

  it('is undecided with too few seeds, even when every run agrees', () => {
    const three = sweep().filter((run) => Number(run.params.seed) <= 3);
    const result = evaluateClaim(order('adam', 'sgd'), three, { sweepKeys: ['optimizer.name', 'seed'] });
    // Welch's interval excludes 0, but 3 vs 3 runs can give no permutation p below 0.1.
    expect(result.verdict).toBe('undecided');
    expect(result.settings[0].reason).toMatch(/smallest possible p is 0.1, add seeds/);
    const one = evaluateClaim(
      order('adam', 'sgd'),
      sweep().filter((run) => run.params.seed === 1),
      { sweepKeys: ['optimizer.name', 'seed'] },
    );
    expect(one.verdict).toBe('undecided');
    expect(one.settings[0].reason).toMatch(/not enough seeds: 1 vs 1/);
  });

  it('is undecided when the interval crosses zero', () => {
    const runs = sweep().map((run) =>
      run.params['optimizer.name'] === 'sgd' ? { ...run, metrics: { anisotropy: run.metrics.anisotropy! + 0.25 } } : run,
    );
    const result = evaluateClaim(order('adam', 'sgd'), runs, { sweepKeys: ['optimizer.name', 'seed'] });
    expect(result.verdict).toBe('undecided');
    expect(result.settings[0].reason).toMatch(/crosses zero/);
  });

  it("NaN incidence by epsilon: Fisher's exact test on the share of NaN runs", () => {
    const runs: Observation[] = [];
    for (const epsilon of [0, 1e-6])
      for (let seed = 1; seed <= 5; seed++)
        runs.push({ status: epsilon === 0 ? 'nan' : 'completed', params: { 'loss.epsilon': epsilon, seed }, metrics: {} });
    const claim: Claim = {
      metric: 'nan_runs',
      by: 'loss.epsilon',
      expect: '0 > 1e-6',
      expectation: { kind: 'order', higher: 0, lower: 1e-6 },
    };
    const result = evaluateClaim(claim, runs, { sweepKeys: ['loss.epsilon', 'seed'] });
    expect(result.verdict).toBe('holds');
    expect(result.settings[0].comparison!.fisher!.p).toBeCloseTo(0.007936507936507938, 12);
    expect(result.text).toContain("nan_runs: 0 5/5 NaN vs 1e-6 0/5 NaN; difference +1, p = 0.0079 (Fisher's exact test), n = 5 vs 5 runs");
    const three = evaluateClaim(
      claim,
      runs.filter((run) => Number(run.params.seed) <= 3),
      { sweepKeys: ['loss.epsilon', 'seed'] },
    );
    expect(three.verdict).toBe('undecided');
  });

  it('threshold claims: the interval of the mean against a number, on the selected runs', () => {
    const runs = sweep();
    const above: Claim = {
      metric: 'anisotropy',
      expect: '> 1.3',
      expectation: { kind: 'threshold', direction: 'above', value: 1.3 },
      where: { 'optimizer.name': 'sgd' },
    };
    expect(evaluateClaim(above, runs, { sweepKeys: ['optimizer.name', 'seed'] }).verdict).toBe('holds');
    const tooHigh: Claim = { ...above, expect: '> 1.5', expectation: { kind: 'threshold', direction: 'above', value: 1.5 } };
    expect(evaluateClaim(tooHigh, runs, { sweepKeys: ['optimizer.name', 'seed'] }).verdict).toBe('fails');
    const near: Claim = { ...above, expect: '> 1.36', expectation: { kind: 'threshold', direction: 'above', value: 1.36 } };
    expect(evaluateClaim(near, runs, { sweepKeys: ['optimizer.name', 'seed'] }).verdict).toBe('undecided');
  });

  it('a stricter confidence level can leave a claim undecided', () => {
    const four = sweep().filter((run) => Number(run.params.seed) <= 4);
    expect(evaluateClaim(order('adam', 'sgd'), four, { sweepKeys: ['optimizer.name', 'seed'] }).verdict).toBe('holds');
    expect(evaluateClaim(order('adam', 'sgd'), four, { sweepKeys: ['optimizer.name', 'seed'], confidence: 0.99 }).verdict).toBe(
      'undecided',
    );
  });

  it('names the recorded metrics when the claimed one was never recorded', () => {
    const result = evaluateClaim(order('adam', 'sgd', 'anisotropi'), sweep(), { sweepKeys: ['optimizer.name', 'seed'] });
    expect(result.verdict).toBe('undecided');
    expect(result.settings[0].reason).toMatch(/no run recorded `anisotropi` \(recorded: anisotropy, or nan_runs\)/);
  });
});
