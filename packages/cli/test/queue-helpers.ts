import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { openRunStore } from '@siamese-lab/store';

const main = resolve(import.meta.dirname, '../src/bin.ts');

/** A `lab` process in the background whose stderr is kept, to wait for its lines. */
export interface LabProcess {
  child: ChildProcess;
  stderr(): string;
  waitFor(pattern: RegExp, count?: number): Promise<void>;
  exited: Promise<number | null>;
  /** Ends it if still running (SIGKILL), for cleanup after a failed expectation. */
  kill(): void;
}

export function startLab(args: string[], options: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {}): LabProcess {
  const [command, ...commandArgs] = [...(options.prefix ?? []), process.execPath, '--import', 'tsx', main, ...args];
  const child = spawn(command, commandArgs, { env: { ...process.env, INIT_CWD: '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    async waitFor(pattern, count = 1) {
      const global = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
      while ((stderr.match(global) ?? []).length < count) {
        if (child.exitCode !== null) throw new Error(`lab ${args[0]} exited (${child.exitCode}) before printing ${pattern}:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A sweep of `runs` tiny runs (784-16-2 MLP, a few steps, small test set) on one backend. */
export function tinySweep(name: string, options: { seeds: number; steps: number; backend?: string }): string {
  return `name: ${name}
base:
  backend: ${options.backend ?? 'blas'}
  data: { train_limit: 300, validation_size: 100 }
  model: { tower_a: { hidden: [16] } }
  sampler: { batch_size: 16 }
  training: { steps: ${options.steps}, log_every: 10 }
  evaluation: { test_limit: 100, verification_pairs: 50, store_checkpoint: true }
sweep:
  grid:
    optimizer.name: [sgd, adam]
  seeds: ${options.seeds}
`;
}

/** How many times workers started training (their logs' "training ..." lines), per job id. */
export function trainingsPerJob(...workers: LabProcess[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const worker of workers) {
    for (const match of worker.stderr().matchAll(/ training \S+ \[[^\]]*\] \(job (\S+)\)/g))
      counts.set(match[1], (counts.get(match[1]) ?? 0) + 1);
  }
  return counts;
}

/**
 * Every run of the experiment recorded exactly once and completely: status completed, one step
 * row per logged step, its embedding and checkpoint, a clean database. Returns each run's
 * metrics (without the speed) and weights by config hash, to compare with a local sweep.
 */
export function expectRecordedOnce(db: string, experiment: string, runs: number, steps: number) {
  const store = openRunStore(db, { readonly: true });
  try {
    expect(store.integrityCheck()).toBe('ok');
    const recorded = store.listRuns({ experiment });
    expect(recorded).toHaveLength(runs);
    expect(new Set(recorded.map((run) => run.configHash)).size).toBe(runs);
    const loggedSteps = [1, ...Array.from({ length: Math.floor(steps / 10) }, (_, i) => (i + 1) * 10)];
    if (steps % 10 !== 0) loggedSteps.push(steps);
    return Object.fromEntries(
      recorded.map((run) => {
        expect(run.status, `${run.label}: ${run.error}`).toBe('completed');
        expect(run.stepsDone).toBe(steps);
        expect(store.getStepMetrics(run.id).map((row) => row.step)).toEqual(loggedSteps);
        const metrics = store.getFinalMetrics(run.id);
        delete metrics.steps_per_second; // a speed, not a result
        return [
          run.configHash,
          {
            metrics,
            points: Array.from(store.getEmbedding(run.id)!.points),
            weights: store.getCheckpoint(run.id)!.tensors.map((tensor) => Array.from(tensor.values)),
          },
        ];
      }),
    );
  } finally {
    store.close();
  }
}

/** The worker (host:pid) that trained each run, by job id, from the provenance the worker recorded. */
export function workerOfJobs(db: string, experiment: string): Map<string, string> {
  const store = openRunStore(db, { readonly: true });
  try {
    return new Map(
      store.listRuns({ experiment }).map((run) => {
        const worker = (run.provenance as { worker?: { name: string; jobId: string } }).worker;
        return [worker?.jobId ?? `run ${run.id}`, worker?.name ?? 'none'];
      }),
    );
  } finally {
    store.close();
  }
}

/** The pid a `lab worker` printed when it started. */
export const workerPid = (worker: LabProcess): string => worker.stderr().match(/worker (\d+) waiting for jobs/)![1];
