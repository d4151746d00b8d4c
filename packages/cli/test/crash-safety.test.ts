import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRandom } from '@siamese-lab/core';
import { openRunStore } from '@siamese-lab/store';
import { lab, labInBackground, tempFolder, writeExperiment } from './helpers.ts';

/** 30 tiny runs (about 0.2 s each on cpu), so that kills land before, inside and between runs. */
const sweep = `name: crash-sweep
base:
  backend: cpu
  data: { train_limit: 200, validation_size: 100 }
  model: { tower_a: { hidden: [16] } }
  sampler: { batch_size: 16 }
  training: { steps: 30, log_every: 5 }
  evaluation: { test_limit: 100, verification_pairs: 50 }
sweep:
  grid:
    optimizer.name: [sgd, adam, momentum]
    loss.margin: [1, 2, 3, 4, 5]
  seeds: 2
`;
const configurations = 30;

interface CompletedRun {
  status: string;
  metrics: string;
  finishedAt: string | null;
  stepsDone: number;
}

/** Opens the database as a reader would after the crash and checks it; returns its completed runs by config hash. */
function inspect(db: string, before: Map<string, CompletedRun>): Map<string, CompletedRun> {
  const completed = new Map<string, CompletedRun>();
  if (!existsSync(db)) {
    expect(before.size).toBe(0);
    return completed;
  }
  const store = openRunStore(db);
  try {
    expect(store.integrityCheck()).toBe('ok');
    const runs = store.listRuns({ experiment: 'crash-sweep' });
    expect(runs.length).toBeLessThanOrEqual(configurations);
    expect(new Set(runs.map((run) => run.configHash)).size).toBe(runs.length);
    for (const run of runs) {
      // A run that ended in NaN (possible with these learning rates) is as finished as a completed one.
      if (run.status !== 'completed' && run.status !== 'nan') continue;
      const metrics = store.getFinalMetrics(run.id);
      // finishRun is one transaction: a finished run always has its metrics, embedding and checkpoint.
      expect(Object.keys(metrics).length).toBeGreaterThan(0);
      if (run.status === 'completed') expect(typeof metrics.nn_accuracy).toBe('number');
      expect(store.getEmbedding(run.id)).toBeDefined();
      expect(store.getCheckpoint(run.id)).toBeDefined();
      completed.set(run.configHash, {
        status: run.status,
        metrics: JSON.stringify(metrics),
        finishedAt: run.finishedAt,
        stepsDone: run.stepsDone,
      });
    }
  } finally {
    store.close();
  }
  for (const [hash, run] of before) expect(completed.get(hash), `completed run ${hash} was lost`).toEqual(run);
  return completed;
}

/**
 * Starts `lab run` and SIGKILLs it: `early` at a random time from process start; otherwise once
 * `runsToWait` more runs have finished plus a random delay (so the kill lands in training,
 * evaluation, the commit of a finished run or right after it, whatever the machine's speed).
 */
function killAt(
  args: string[],
  plan: { early: boolean; delay: number; runsToWait: number },
): Promise<{ killed: boolean; duringSweep: boolean }> {
  return new Promise((resolve, reject) => {
    const child = labInBackground(args);
    let sweepStarted = false;
    let finishedRuns = 0;
    let timer: NodeJS.Timeout | undefined;
    const killLater = () => (timer = setTimeout(() => child.kill('SIGKILL'), plan.delay));
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (/^run \d+\/\d+ /m.test(text)) sweepStarted = true;
      if (plan.early || timer) return;
      finishedRuns += (text.match(/^ {2}-> /gm) ?? []).length;
      if (sweepStarted && finishedRuns >= plan.runsToWait) killLater();
    });
    child.stdout!.resume();
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`lab run exited with ${code}`));
      else resolve({ killed: signal === 'SIGKILL', duringSweep: sweepStarted });
    });
    if (plan.early) killLater();
  });
}

describe('SIGKILL at random points of a sweep', () => {
  it('never corrupts the database or loses a completed run, and the rerun finishes the sweep', async () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'crash.yaml', sweep);
    const db = join(folder, 'runs.sqlite');
    const random = createRandom(9);
    let completed = new Map<string, CompletedRun>();
    let kills = 0;
    let killsDuringSweep = 0;
    // Runs each killed process reported finished ("-> completed" is printed after the commit).
    let reportedFinished = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      // Every third kill anywhere from process start (startup, database creation, planning);
      // the others after 0-1 more finished runs and up to 0.4 s (training, evaluation, commit).
      const early = attempt % 3 === 0;
      const plan = { early, delay: early ? 200 + random.int(1500) : random.int(400), runsToWait: random.int(2) };
      const outcome = await killAt(['run', file, '--db', db, '--no-report'], plan);
      if (!early) reportedFinished += plan.runsToWait;
      if (outcome.killed) kills++;
      if (outcome.killed && outcome.duringSweep) killsDuringSweep++;
      completed = inspect(db, completed);
    }
    expect(kills).toBe(20);
    expect(killsDuringSweep).toBeGreaterThanOrEqual(12);
    // Kills landed both after some runs had finished (so there was something to lose) and before the end.
    expect(reportedFinished).toBeGreaterThan(0);
    expect(completed.size).toBeGreaterThanOrEqual(reportedFinished);
    expect(completed.size).toBeLessThan(configurations);

    const rerun = lab(['run', file, '--db', db, '--no-report']);
    expect(rerun.status, rerun.stderr).toBe(0);
    const final = inspect(db, completed);
    expect(final.size).toBe(configurations);
    const store = openRunStore(db, { readonly: true });
    expect(store.listRuns({ experiment: 'crash-sweep' })).toHaveLength(configurations);
    store.close();
    console.log(
      `crash safety: ${kills} SIGKILLs (${killsDuringSweep} during training), ${completed.size} runs completed before the final rerun, none lost`,
    );
  }, 240_000);
});
