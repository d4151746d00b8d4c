import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { lab, labInBackground, tempFolder, writeExperiment } from './helpers.ts';

const sweep = (name: string, steps: number) => `name: ${name}
base:
  backend: cpu
  data: { train_limit: 300, validation_size: 100 }
  model: { tower_a: { hidden: [16] } }
  sampler: { batch_size: 16 }
  training: { steps: ${steps}, log_every: 5 }
  evaluation: { test_limit: 100, verification_pairs: 50, store_checkpoint: true }
sweep:
  grid:
    optimizer.name: [sgd, adam]
    loss.margin: [1, 2]
`;

/** Every run's metrics (except its speed) and weights, keyed by config hash. */
function results(db: string, experiment: string) {
  const store = openRunStore(db, { readonly: true });
  try {
    expect(store.integrityCheck()).toBe('ok');
    return Object.fromEntries(
      store.listRuns({ experiment }).map((run) => {
        const metrics = store.getFinalMetrics(run.id);
        delete metrics.steps_per_second; // a speed, not a result
        return [
          run.configHash,
          {
            status: run.status,
            metrics,
            steps: store.getStepMetrics(run.id),
            weights: store.getCheckpoint(run.id)?.tensors.map((tensor) => Array.from(tensor.values)),
          },
        ];
      }),
    );
  } finally {
    store.close();
  }
}

// Several `lab` processes training real (tiny) sweeps: minutes on a loaded machine.
describe('lab run --jobs', { timeout: 600_000 }, () => {
  it('trains the runs in worker processes with the same results as one process with the same threads per run', () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'sweep.yaml', sweep('jobs', 30));
    const parallel = lab(['run', file, '--db', join(folder, 'parallel.sqlite'), '--jobs', '2', '--no-report']);
    expect(parallel.status, parallel.stderr).toBe(0);
    expect(parallel.stderr).toMatch(/jobs: 4 completed, 0 nan, 0 failed, 0 already done/);
    const serial = lab(['run', file, '--db', join(folder, 'serial.sqlite'), '--threads', '1', '--no-report']);
    expect(serial.status, serial.stderr).toBe(0);

    const fromWorkers = results(join(folder, 'parallel.sqlite'), 'jobs');
    expect(Object.keys(fromWorkers)).toHaveLength(4);
    expect(Object.values(fromWorkers).every((run) => run.status === 'completed')).toBe(true);
    expect(fromWorkers).toEqual(results(join(folder, 'serial.sqlite'), 'jobs'));

    const again = lab(['run', file, '--db', join(folder, 'parallel.sqlite'), '--jobs', '2', '--no-report']);
    expect(again.stderr).toMatch(/0 to run, 4 already finished/);
  });

  it('rejects a --jobs that is not a whole number of at least 1', () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'sweep.yaml', sweep('bad-jobs', 5));
    const result = lab(['run', file, '--db', join(folder, 'runs.sqlite'), '--jobs', '0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--jobs must be a whole number of at least 1, got 0/);
  });

  it('Ctrl-C stops every active run, marks each interrupted and prints the resume command', async () => {
    const folder = tempFolder();
    const db = join(folder, 'runs.sqlite');
    const file = writeExperiment(folder, 'long.yaml', sweep('jobs-interrupt', 100000));
    const child = labInBackground(['run', file, '--db', db, '--jobs', '2']);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      while ((stderr.match(/^run \d\/4 \[/gm) ?? []).length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // Only the sweep gets the signal here (a terminal would signal the workers too): it must pass it on.
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stderr.match(/interrupted: run \d+ \[[^\]]+\] stopped at step \d+ and is marked interrupted/g)).toHaveLength(2);
    expect(stderr).toMatch(/Resume with: pnpm run exp .*long\.yaml --db .* --jobs 2/);
    const store = openRunStore(db, { readonly: true });
    const statuses = store
      .listRuns()
      .map((run) => run.status)
      .sort();
    store.close();
    expect(statuses).toEqual(['interrupted', 'interrupted', 'queued', 'queued']);
  });
});
