import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, tempFolder, tinyBase, writeExperiment } from './helpers.ts';

describe('lab baseline and lab check', () => {
  it('records a finished experiment, passes the check, and fails it with a table when a metric leaves its band', () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'tiny.yaml', `name: tiny-check\nbase:${tinyBase}sweep:\n  seeds: [1, 2]\n`);
    const db = join(folder, 'runs.sqlite');
    const baselinePath = join(folder, 'baselines', 'tiny-check.json');

    // Nothing run yet: no baseline can be recorded.
    const early = lab(['baseline', file, '--db', db]);
    expect(early.status).toBe(2);

    expect(lab(['run', file, '--db', db, '--no-report']).status).toBe(0);
    const recorded = lab(['baseline', 'tiny-check', '--db', db, '--baseline', baselinePath]);
    expect(recorded.status).toBe(0);
    expect(recorded.stdout.trim()).toBe(baselinePath);
    const text = readFileSync(baselinePath, 'utf8');
    // Re-recording the same runs gives the same bytes (reviewable diffs); the file form finds it beside the YAML.
    expect(lab(['baseline', file, '--db', db]).status).toBe(0);
    expect(readFileSync(baselinePath, 'utf8')).toBe(text);

    const passing = lab(['check', file, '--db', db]);
    expect(passing.status).toBe(0);
    expect(passing.stdout).toMatch(/^tiny-check: PASS .*2 passed, 0 failed/);
    expect(passing.stderr).toMatch(/2 run\(s\) were already finished .* pass --fresh/);

    const baseline = JSON.parse(text) as { runs: Array<{ metrics: Record<string, number> }> };
    baseline.runs[1].metrics.nn_accuracy += 0.05;
    writeFileSync(baselinePath, JSON.stringify(baseline));
    const failing = lab(['check', 'tiny-check', '--db', db, '--baseline', baselinePath]);
    expect(failing.status).toBe(1);
    expect(failing.stdout).toMatch(/run\s+metric\s+baseline\s+now\s+allowed/);
    expect(failing.stdout).toMatch(/seed=2 \[[0-9a-f]{8}\]\s+nn_accuracy\s/);

    const json = lab(['check', 'tiny-check', '--db', db, '--baseline', baselinePath, '--json']);
    expect(json.status).toBe(1);
    const result = JSON.parse(json.stdout) as unknown;
    expect(result).toMatchObject({ experiment: 'tiny-check', passed: false, counts: { pass: 1, fail: 1, missing: 0, added: 0 } });
  });

  it('exits 2 with a hint for a missing baseline, and for --fresh without an experiment file', () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'tiny.yaml', `name: tiny-none\nbase:${tinyBase}`);
    const missing = lab(['check', file, '--db', join(folder, 'runs.sqlite')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no baseline file at .*baselines\/tiny-none\.json[\s\S]*lab baseline/);
    const fresh = lab(['check', 'tiny-none', '--fresh', '--db', join(folder, 'runs.sqlite')]);
    expect(fresh.status).toBe(2);
    expect(fresh.stderr).toMatch(/--fresh needs an experiment file/);
  });
});
