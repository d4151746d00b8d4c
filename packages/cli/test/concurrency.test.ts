import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { labInProcess } from './corpus.ts';
import { lab, labInBackground, tempFolder, writeExperiment } from './helpers.ts';

const sweepOf = (name: string, steps: number) => `name: ${name}
base:
  backend: cpu
  data: { train_limit: 200, validation_size: 100 }
  model: { tower_a: { hidden: [16] } }
  sampler: { batch_size: 16 }
  training: { steps: ${steps}, log_every: 5 }
  evaluation: { test_limit: 100, verification_pairs: 50, store_checkpoint: false }
sweep:
  grid:
    optimizer.name: [sgd, adam]
    loss.margin: [1, 2, 3, 4]
`;

function finished(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdout!.resume();
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

/** The run ids a process started training ("run i/n [label] (id N, ...)" lines). */
const startedRunIds = (stderr: string) => [...stderr.matchAll(/^run \d+\/\d+ \[[^\]]*\] \(id (\d+),/gm)].map((match) => Number(match[1]));

describe('two `lab run` of the same experiment at once', () => {
  it('train every run exactly once between them (the lease on the run row)', async () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'twice.yaml', sweepOf('twice', 100));
    const db = join(folder, 'runs.sqlite');
    // Both start on a database that does not exist yet: creating it is part of the race.
    const [first, second] = await Promise.all([
      finished(labInBackground(['run', file, '--db', db, '--no-report'])),
      finished(labInBackground(['run', file, '--db', db, '--no-report'])),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const startedByFirst = startedRunIds(first.stderr);
    const startedBySecond = startedRunIds(second.stderr);
    const all = [...startedByFirst, ...startedBySecond].sort((a, b) => a - b);
    expect(new Set(all).size).toBe(all.length); // no run trained twice
    const store = openRunStore(db, { readonly: true });
    try {
      const runs = store.listRuns({ experiment: 'twice' });
      expect(runs).toHaveLength(8);
      expect(all).toEqual(runs.map((run) => run.id).sort((a, b) => a - b)); // and every run trained once
      expect(runs.every((run) => run.status === 'completed')).toBe(true);
    } finally {
      store.close();
    }
    // Both processes did share the work (otherwise the lease was never contended).
    expect(startedByFirst.length).toBeGreaterThan(0);
    expect(startedBySecond.length).toBeGreaterThan(0);
    expect(`${first.stderr}${second.stderr}`).toMatch(/busy in another process|being trained by another process/);
  });
});

describe('reading while a sweep writes', () => {
  it('ls, export and report see consistent snapshots: a completed run always has its metrics', async () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'live.yaml', sweepOf('live', 60));
    const db = join(folder, 'runs.sqlite');
    const writer = labInBackground(['run', file, '--db', db, '--no-report']);
    const done = finished(writer);
    let running = true;
    void done.then(() => (running = false));
    let snapshots = 0;
    let reports = 0;
    let lastCompleted = 0;
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (!existsSync(db)) continue;
      const exported = await labInProcess(['export', 'live', '--db', db]);
      if (exported.status !== 0) {
        // Only "not there yet" is acceptable, before the writer has recorded the experiment.
        expect(exported.stderr).toMatch(/no experiment named `live`/);
        continue;
      }
      expect((await labInProcess(['ls', 'live', '--db', db])).status).toBe(0);
      const rows = JSON.parse(exported.stdout) as Array<{ status: string; metrics: Record<string, number | null> }>;
      const completed = rows.filter((row) => row.status === 'completed');
      for (const row of completed) expect(typeof row.metrics.nn_accuracy).toBe('number');
      for (const row of rows.filter((candidate) => candidate.status !== 'completed')) expect(row.metrics).toEqual({});
      expect(completed.length).toBeGreaterThanOrEqual(lastCompleted);
      lastCompleted = completed.length;
      snapshots++;
      if (snapshots % 8 === 0 && completed.length > 0 && reports < 3) {
        const report = await labInProcess(['report', 'live', '--db', db]);
        expect(report.status, report.stderr).toBe(0);
        const html = readFileSync(join(folder, 'live', 'report.html'), 'utf8');
        expect(html).toContain('</html>');
        reports++;
      }
    }
    const outcome = await done;
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(snapshots).toBeGreaterThan(3);
    expect(reports).toBeGreaterThan(0);
    // The real CLI after the fact agrees.
    expect(lab(['ls', '--db', db]).stdout).toMatch(/live\s+8\s+8/);
  });
});
