import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { lab, labInBackground, tempFolder, writeExperiment } from './helpers.ts';

describe('Ctrl-C (or SIGTERM) during a sweep', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s stops after the current step, marks the run interrupted, says how to resume, and the resume finishes it',
    async (signal) => {
      const folder = tempFolder();
      const db = join(folder, 'runs.sqlite');
      const file = writeExperiment(
        folder,
        'long.yaml',
        `name: interrupt-me
base:
  backend: cpu
  data: { train_limit: 1000 }
  model: { tower_a: { hidden: [32] } }
  sampler: { batch_size: 32 }
  training: { steps: 100000, log_every: 50 }
  evaluation: { test_limit: 200, verification_pairs: 100, store_checkpoint: false }
`,
      );
      const child = labInBackground(['run', file, '--db', db]);
      let stderr = '';
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      try {
        // Wait until training has started, then interrupt as a terminal's Ctrl-C would.
        while (!/run 1\/1 \[/.test(stderr)) await new Promise((resolve) => setTimeout(resolve, 100));
        await new Promise((resolve) => setTimeout(resolve, 1500));
        child.kill(signal);
        expect(await exited).toBe(130);
      } finally {
        // Never leave a 100,000-step run behind if an expectation above fails.
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      expect(stderr).toMatch(/stopping after the current step/);
      expect(stderr).toMatch(/interrupted: run \d+ \[base\] stopped at step \d+ and is marked interrupted/);
      expect(stderr).toMatch(/Resume with: pnpm run exp .*long\.yaml --db /);

      const store = openRunStore(db, { readonly: true });
      const [run] = store.listRuns();
      expect(run.status).toBe('interrupted');
      expect(run.stepsDone).toBeGreaterThan(0);
      expect(run.stepsDone).toBeLessThan(100000);
      expect(store.integrityCheck()).toBe('ok');
      store.close();

      // The resume redoes the interrupted run (here shortened by a child file that extends this one).
      const short = writeExperiment(folder, 'short.yaml', 'name: interrupt-me\nextends: long.yaml\nbase:\n  training: { steps: 20 }\n');
      const resumed = lab(['run', short, '--db', db, '--no-report']);
      expect(resumed.status).toBe(0);
      const after = openRunStore(db, { readonly: true });
      const runs = after.listRuns();
      expect(runs.find((r) => r.status === 'completed')?.stepsDone).toBe(20);
      after.close();
    },
  );
});
