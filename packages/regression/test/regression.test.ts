import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendName } from '@siamese-lab/backend';
import { parseExperimentFile, runExperiment, type ExperimentSpec } from '@siamese-lab/runner';
import { openRunStore } from '@siamese-lab/store';
import { compareWithBaseline, formatCheckResult, observeRuns, readBaseline, type CheckResult } from '../src/index.ts';
import { tempFolder } from './helpers.ts';

const fixtures = join(import.meta.dirname, 'fixtures');

/** Trains every run of the experiment in a fresh database and compares it with its committed baseline. */
async function checkFresh(experiment: ExperimentSpec, options: { backend?: BackendName } = {}): Promise<CheckResult> {
  const store = openRunStore(join(tempFolder(), 'runs.sqlite'));
  try {
    await runExperiment(experiment, { store, backend: options.backend });
    const path = join(fixtures, 'baselines', `${experiment.name}.json`);
    return compareWithBaseline(readBaseline(path), observeRuns(store, experiment.name, experiment.runs.map((run) => run.configHash)), path);
  } finally {
    store.close();
  }
}

const experimentFiles = readdirSync(fixtures).filter((name) => name.endsWith('.yaml'));

describe('committed baselines', () => {
  it('has at least one fixture experiment', () => {
    expect(experimentFiles.length).toBeGreaterThan(0);
  });

  for (const file of experimentFiles) {
    it(`${file}: retrained now, every run matches its baseline`, async () => {
      const result = await checkFresh(parseExperimentFile(join(fixtures, file)));
      // The message is the readable table of what moved, shown when the check fails.
      expect(result.passed, formatCheckResult(result)).toBe(true);
      expect(result.counts.pass).toBe(result.runs.length);
    });
  }

  it('tiny-regression.yaml on the cpu backend matches the blas baseline within the cross-backend tolerances', async () => {
    const result = await checkFresh(parseExperimentFile(join(fixtures, 'tiny-regression.yaml')), { backend: 'cpu' });
    expect(result.cross_backend).toBe(true);
    expect(result.passed, formatCheckResult(result)).toBe(true);
  });

  it('catches a change in what the model learns: the same runs (same config hashes) trained with margin 4 instead of 5', async () => {
    const experiment = parseExperimentFile(join(fixtures, 'tiny-regression.yaml'));
    // Stands in for a code change: the hashes say "same configuration", the training differs.
    const changed: ExperimentSpec = {
      ...experiment,
      runs: experiment.runs.map((run) => ({ ...run, spec: { ...run.spec, loss: { ...run.spec.loss, margin: 4 } } })),
    };
    const result = await checkFresh(changed);
    expect(result.passed).toBe(false);
    // On the baseline's backend every run is caught (measured: all four, on final_loss among others).
    if (!result.cross_backend) expect(result.counts.fail).toBe(experiment.runs.length);
    else expect(result.counts.fail).toBeGreaterThan(0);
    expect(formatCheckResult(result)).toMatch(/\n\S.* \[[0-9a-f]{8}\]\s+[a-z_0-9]+\s+-?[\d.]+\s+-?[\d.]+\s+-?[\d.]+ \.\. -?[\d.]+/);
  });
});
