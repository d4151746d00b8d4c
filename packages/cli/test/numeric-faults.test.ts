import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { labInProcess } from './corpus.ts';
import { tempFolder, writeExperiment } from './helpers.ts';

// Three runs: one diverges (learning rate 1e6), one collapses (every ReLU dead, so every image
// embeds to the output bias), one is healthy. Description and labels carry hostile HTML.
const faults = `name: numeric-faults
description: "<script>alert('pwned')</script> & <img src=x onerror=alert(1)>"
base:
  backend: cpu
  data: { train_limit: 200, validation_size: 100 }
  model: { tower_a: { hidden: [16] } }
  sampler: { batch_size: 16 }
  training: { steps: 40, log_every: 5 }
  evaluation: { test_limit: 100, verification_pairs: 50 }
sweep:
  zip:
    optimizer.learning_rate: [1000000, 0.01, 0.01]
    model.tower_a.bias_init: [0.01, -10, 0.01]
`;

describe('runs that diverge or collapse', () => {
  it('are recorded as such, with the step, and the metrics, ls, show, export and the report still work', async () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'faults.yaml', faults);
    const db = join(folder, 'runs.sqlite');
    const run = await labInProcess(['run', file, '--db', db]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/numeric-faults: 2 completed, 1 nan, 0 failed/);

    const store = openRunStore(db, { readonly: true });
    const [diverged, collapsed, healthy] = store.listRuns({ experiment: 'numeric-faults' });
    try {
      expect(diverged.status).toBe('nan');
      expect(diverged.firstNanStep).toBeGreaterThanOrEqual(1);
      expect(diverged.stepsDone).toBe(diverged.firstNanStep); // on_nan: stop ends the run at that step
      expect((diverged.nanDetail as { step: number; reason: string }).step).toBe(diverged.firstNanStep);
      expect((diverged.nanDetail as { reason: string }).reason).toMatch(/non-finite/);
      const divergedSteps = store.getStepMetrics(diverged.id);
      expect(divergedSteps.find((row) => row.nan)?.step).toBe(diverged.firstNanStep);
      expect(store.getFinalMetrics(diverged.id).first_nan_step).toBe(diverged.firstNanStep);

      expect(collapsed.status).toBe('completed');
      expect(store.getFinalMetrics(collapsed.id).collapsed).toBe(1);
      expect(collapsed.error).toMatch(/collapsed/);
      expect(collapsed.stepsDone).toBe(40);

      expect(healthy.status).toBe('completed');
      expect(store.getFinalMetrics(healthy.id).collapsed).toBe(0);
      expect(typeof store.getFinalMetrics(healthy.id).nn_accuracy).toBe('number');
    } finally {
      store.close();
    }

    for (const argv of [
      ['ls', 'numeric-faults'],
      ['show', String(diverged.id)],
      ['show', String(collapsed.id)],
      ['export', 'numeric-faults'],
      ['export', 'numeric-faults', '--format', 'csv'],
    ]) {
      const result = await labInProcess([...argv, '--db', db]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).not.toMatch(/internal error/);
    }
    const exported = JSON.parse((await labInProcess(['export', 'numeric-faults', '--db', db])).stdout) as Array<{
      status: string;
      first_nan_step: number | null;
    }>;
    expect(exported.map((row) => row.status)).toEqual(['nan', 'completed', 'completed']);

    const report = await labInProcess(['report', 'numeric-faults', '--db', db]);
    expect(report.status, report.stderr).toBe(0);
    const html = readFileSync(join(folder, 'numeric-faults', 'report.html'), 'utf8');
    // The hostile description is shown as text, never as markup.
    expect(html).not.toContain("<script>alert('pwned')</script>");
    expect(html).not.toContain('<img src=x');
    expect(html).toMatch(/&lt;script&gt;alert\(|\\u003cscript\\u003e/);
  });
});
