import { describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { openRunStore } from '@siamese-lab/store';
import { parseExperimentFile, runExperiment } from '../src/index.ts';
import { tinyBase, tinyExperiment } from './helpers.ts';

/**
 * `evaluation.validation_limit`: the run also scores held-out training images (what tuning and
 * search choose by), recorded as validation_<metric>; files without it keep their config hashes.
 */
describe('validation scores', () => {
  it('records validation_<metric> from the validation images, apart from the test scores', async () => {
    const { file, db } = tinyExperiment(`name: validated
base:${tinyBase.replace('evaluation: { test_limit: 300, verification_pairs: 200 }', 'evaluation: { test_limit: 300, verification_pairs: 200, validation_limit: 250 }')}
`);
    const experiment = parseExperimentFile(file);
    expect(experiment.runs[0].spec.evaluation.validation_limit).toBe(250);
    const store = openRunStore(db);
    expect(await runExperiment(experiment, { store })).toMatchObject({ completed: 1 });
    const [run] = store.listRuns({ experiment: 'validated' });
    const metrics = store.getFinalMetrics(run.id);
    for (const name of ['map_at_r', 'nn_accuracy', 'roc_auc']) {
      expect(metrics[`validation_${name}`], name).toBeGreaterThan(0);
      expect(metrics[`validation_${name}`], name).toBeLessThanOrEqual(1);
    }
    // Other images, other scores: the validation set is not the test set.
    expect(metrics.validation_map_at_r).not.toBe(metrics.map_at_r);
    store.close();
  }, 120_000);

  it('leaves files without it as they were: no validation metric, no new key in the hashed parameters', () => {
    const { file } = tinyExperiment(`name: plain\nbase:${tinyBase}`);
    const [run] = parseExperimentFile(file).runs;
    expect(Object.keys(run.params).some((key) => key.includes('validation_limit'))).toBe(false);
  });

  it('refuses validation scores without validation images, naming data.validation_size', async () => {
    const { file, db } = tinyExperiment(`name: no-validation
base:
  backend: cpu
  data: { train_limit: 500, validation_size: 0 }
  model: { tower_a: { hidden: [8] } }
  training: { steps: 2 }
  evaluation: { test_limit: 100, verification_pairs: 50, validation_limit: 100 }
`);
    const store = openRunStore(db);
    const error = await runExperiment(parseExperimentFile(file), { store }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).describe()).toMatch(/validation_size 0 holds none: scoring needs at least 2/);
    expect((error as LabError).describe()).toMatch(/validation_size/);
    expect(store.listRuns({ experiment: 'no-validation' })).toHaveLength(0);
    store.close();
  });
});
