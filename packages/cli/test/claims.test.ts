import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentFile } from '@siamese-lab/runner';
import { openRunStore } from '@siamese-lab/store';
import { lab, tempFolder, tinyBase, writeExperiment } from './helpers.ts';

// Anisotropy per seed of the optimizer sweep's baseline (blas, 2,000 steps), six seeds a group.
const anisotropy = { adam: [1.691, 1.598, 1.858, 1.555, 1.457, 1.555], sgd: [1.397, 1.367, 1.302, 1.398, 1.372, 1.306] };

/**
 * An experiment file with claims, and its runs written straight into a store as if they had
 * been trained (no training: the statistics are what is tested here). Adam's seed 6 ended as NaN.
 */
function recordedSweep(claims: string): { file: string; db: string } {
  const folder = tempFolder();
  const file = writeExperiment(
    folder,
    'claims.yaml',
    `name: claims-check\nbase:${tinyBase}sweep:\n  grid:\n    optimizer.name: [adam, sgd]\n  seeds: 6\nclaims:\n${claims}`,
  );
  const db = join(folder, 'runs.sqlite');
  const plan = parseExperimentFile(file);
  const store = openRunStore(db);
  try {
    const experiment = store.upsertExperiment({
      name: plan.name,
      description: '',
      filePath: file,
      spec: { base: plan.base, runs: plan.runs.map((run) => run.overrides), claims: plan.claims },
      sweepKeys: plan.sweepKeys,
    });
    for (const planned of plan.runs) {
      const run = store.planRun(experiment.id, {
        runIndex: planned.index,
        configHash: planned.configHash,
        label: planned.label,
        params: planned.params,
      });
      store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 });
      const optimizer = planned.params['optimizer.name'] as 'adam' | 'sgd';
      const seed = planned.params.seed as number;
      const nan = optimizer === 'adam' && seed === 6;
      store.finishRun(
        run.id,
        {
          status: nan ? 'nan' : 'completed',
          wallSeconds: 1,
          stepsDone: 40,
          nanSteps: nan ? 1 : 0,
          firstNanStep: nan ? 12 : null,
          metrics: nan
            ? { anisotropy: null, nn_accuracy: null }
            : { anisotropy: anisotropy[optimizer][seed - 1], nn_accuracy: 0.5 + seed / 100 },
        },
        planned.params,
      );
    }
  } finally {
    store.close();
  }
  return { file, db };
}

describe('lab check decides the claims of an experiment file', () => {
  let sweep: { file: string; db: string };
  beforeAll(() => {
    sweep = recordedSweep(
      `  - { metric: anisotropy, by: optimizer.name, expect: "adam > sgd" }\n  - { metric: anisotropy, by: optimizer.name, expect: "sgd > adam" }\n  - { metric: nan_runs, by: optimizer.name, expect: "adam > sgd" }\n`,
    );
  });

  it('a false claim exits 1 with the numbers; a true one holds; a small NaN difference stays undecided', () => {
    const result = lab(['check', sweep.file, '--db', sweep.db]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('claims-check: no baseline at');
    expect(result.stdout).toMatch(/claims: 1 hold, 1 fail, 1 undecided \(confidence 95%\)/);
    expect(result.stdout).toMatch(/HOLDS\s+anisotropy adam > sgd \(by optimizer.name\)\s+\[.*claims\.yaml:\d+:\d+\]/);
    expect(result.stdout).toMatch(/FAILS\s+anisotropy sgd > adam/);
    // The numbers: group means with intervals, the difference, effect size and both tests; adam's NaN run is counted.
    expect(result.stdout).toMatch(
      /anisotropy: sgd 1.36 \[1.31, 1.4\] vs adam 1.63 \[1.44, 1.82\]; difference -0.275 \[[-\d.]+, [-\d.]+\] \(95% bootstrap\), g = -2.\d, p = [\d.]+ \(Welch\), [\d.]+ \(permutation, exact\), n = 6 vs 5; 1 run\(s\) of adam without a value \(1 ended NaN\)/,
    );
    expect(result.stdout).toMatch(/UNDECIDED nan_runs adam > sgd[^\n]*\n\s+undecided: Fisher's p = 1 is not below 0.05/);
  });

  it('exits 0 when every claim holds, and --json carries the verdicts', () => {
    const holding = recordedSweep('  - { metric: anisotropy, by: optimizer.name, expect: "adam > sgd" }\n');
    const result = lab(['check', holding.file, '--db', holding.db, '--json']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as {
      passed: boolean;
      claims: {
        counts: Record<string, number>;
        results: Array<{ verdict: string; settings: Array<{ comparison: { welch: { p: number } } }> }>;
      };
    };
    expect(json.claims.counts).toEqual({ holds: 1, fails: 0, undecided: 0 });
    expect(json.claims.results[0].settings[0].comparison.welch.p).toBeLessThan(0.05);
  });

  it('by experiment name, the claims stored with the runs are decided; a stricter level is a flag', () => {
    const byName = lab(['check', 'claims-check', '--db', sweep.db]);
    expect(byName.status).toBe(1);
    expect(byName.stdout).toMatch(/claims: 1 hold, 1 fail, 1 undecided/);
    // At 99.9% neither interval excludes zero: undecided is not a failure.
    const strict = lab(['check', 'claims-check', '--db', sweep.db, '--confidence', '0.999']);
    expect(strict.status).toBe(0);
    expect(strict.stdout).toMatch(/claims: 0 hold, 0 fail, 3 undecided \(confidence 99.9%\)/);
    const bad = lab(['check', 'claims-check', '--db', sweep.db, '--confidence', '95']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--confidence 95 is not a confidence level/);
  });
});

describe('lab compare EXPERIMENT --by', () => {
  let sweep: { file: string; db: string };
  beforeAll(() => {
    sweep = recordedSweep('  - { metric: anisotropy, by: optimizer.name, expect: "adam > sgd" }\n');
  });

  it('prints each group with n, NaN runs, mean, sd and interval, and the pair as a sentence', () => {
    const result = lab(['compare', 'claims-check', '--by', 'optimizer.name', '--metric', 'anisotropy', '--db', sweep.db]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^anisotropy by optimizer.name\noptimizer.name\s+runs\s+NaN runs\s+n\s+mean\s+sd\s+95% CI/);
    expect(result.stdout).toMatch(/\nadam\s+6\s+1\s+5\s+1.63\s+0.\d+\s+\[[\d.]+, [\d.]+\]\n/);
    expect(result.stdout).toMatch(/\nsgd\s+6\s+0\s+6\s+1.36\s+0.0\d+\s+\[1.31, 1.4\]\n/);
    expect(result.stdout).toContain(
      '  anisotropy: adam 1.63 [1.44, 1.82] vs sgd 1.36 [1.31, 1.4]; difference +0.275 [0.122, 0.527] (95% bootstrap), g = 2.4, p = 0.014 (Welch), 0.0043 (permutation, exact), n = 5 vs 6; 1 run(s) of adam without a value (1 ended NaN)',
    );
  });

  it("the share of NaN runs, with Fisher's test, and JSON output", () => {
    const result = lab(['compare', sweep.file, '--by', 'optimizer.name', '--metric', 'nan_runs', '--json', '--db', sweep.db]);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as {
      comparisons: Array<{
        settings: Array<{ groups: Array<{ nanRuns: number; runs: number }>; pairs: Array<{ fisher: { p: number } }> }>;
      }>;
    };
    expect(json.comparisons[0].settings[0].groups.map((group) => [group.nanRuns, group.runs])).toEqual([
      [1, 6],
      [0, 6],
    ]);
    expect(json.comparisons[0].settings[0].pairs[0].fisher.p).toBe(1);
  });

  it('says that no interval can be given with one run a group', () => {
    const result = lab(['compare', 'claims-check', '--by', 'seed', '--metric', 'anisotropy', '--db', sweep.db]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/anisotropy by seed at optimizer.name = adam/);
    expect(result.stdout).toContain('no interval can be given with one run in a group');
  });

  it('rejects an unknown parameter or metric with a hint, and the old form still compares runs', () => {
    const parameter = lab(['compare', 'claims-check', '--by', 'optimizer.nme', '--db', sweep.db]);
    expect(parameter.status).toBe(2);
    expect(parameter.stderr).toMatch(/`optimizer.nme` is not a parameter[\s\S]*swept here: optimizer.name, seed/);
    const metric = lab(['compare', 'claims-check', '--by', 'optimizer.name', '--metric', 'anisotropi', '--db', sweep.db]);
    expect(metric.status).toBe(2);
    expect(metric.stderr).toMatch(/recorded: anisotropy, nn_accuracy; or nan_runs/);
    const runs = lab(['compare', '1', '2', '--db', sweep.db]);
    expect(runs.status).toBe(0);
    expect(runs.stdout).toMatch(/parameters that differ/);
  });
});
