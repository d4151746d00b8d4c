import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import type { ExperimentEvent, ExperimentOutcome, RunExperimentOptions, RunTally } from './experiment-run.ts';
import { countRun } from './experiment-run.ts';
import type { ExperimentSpec } from './spec/parse.ts';
import type { PlannedRun } from './spec/sweep.ts';
import type { TrialContext } from './search/trial.ts';

/** Messages from a sweep to one of its worker processes. */
export type ToWorkerProcess =
  | { type: 'init'; db: string; filePath: string; backend?: BackendName; threads: number; force?: boolean; leaseSeconds?: number }
  | { type: 'run'; run: PlannedRun; runId: number; position: number; toRun: number; trial?: TrialContext }
  | { type: 'stop' };

/** Messages from a worker process back to its sweep. */
export type FromWorkerProcess =
  | { type: 'event'; event: ExperimentEvent }
  | { type: 'tally'; runId: number; tally: RunTally }
  | { type: 'input-error'; message: string; location?: string; field?: string; hint?: string };

const workerEntry = fileURLToPath(new URL('./parallel-worker.ts', import.meta.url));

/** BLAS threads of each of `jobs` runs at once: the cores shared out, unless the user chose. */
export function threadsPerJob(jobs: number, threads?: number): number {
  return threads ?? Math.max(1, Math.floor(availableParallelism() / jobs));
}

/**
 * The Node flags a worker process needs to load TypeScript as this process does. A bare
 * `--import tsx` would be resolved against the working directory, which the worker shares with
 * the user (relative paths in the experiment), so it is made absolute.
 */
export function workerExecArgv(): string[] {
  const tsx = import.meta.resolve('tsx');
  const argv = process.execArgv.map((arg, index, all) =>
    arg === 'tsx' && all[index - 1] === '--import' ? tsx : arg === '--import=tsx' ? `--import=${tsx}` : arg,
  );
  return argv.some((arg) => arg.includes('tsx')) ? argv : ['--import', tsx, ...argv];
}

/** A run for a worker process, with its place in the sweep (and its search context for a trial). */
export interface WorkItem {
  run: PlannedRun;
  runId: number;
  position: number;
  toRun: number;
  trial?: TrialContext;
}

/**
 * Where the workers' runs come from: the next one, `wait` when one may come once a running run
 * has ended (a search whose budget depends on how its running trials end), or undefined when
 * there is none left. `done` is called after each run's tally is counted.
 */
export interface WorkSource {
  take(): WorkItem | 'wait' | undefined;
  /** The most runs there may be at once (no more workers are started). */
  size: number;
  done?(item: WorkItem, tally: RunTally): void;
}

/** A sweep's fixed list of runs as a work source. */
function listSource(todo: Array<{ run: PlannedRun; stored: { id: number } }>): WorkSource {
  let next = 0;
  return {
    size: todo.length,
    take: () => {
      if (next >= todo.length) return undefined;
      const position = next++;
      return { run: todo[position].run, runId: todo[position].stored.id, position: position + 1, toRun: todo.length };
    },
  };
}

/**
 * Trains `todo` in up to `jobs` worker processes that share the store through its run leases,
 * each with cores / jobs BLAS threads (or `threads`). Each worker takes the next run when it
 * has finished one; every event reaches `onEvent` as if the runs were local. A stop request is
 * passed to every worker (each marks its run interrupted); a LabError in one run stops the
 * others from taking new runs and is thrown once they are done.
 */
export async function runInWorkerProcesses(
  experiment: ExperimentSpec,
  todo: Array<{ run: PlannedRun; stored: { id: number } }> | WorkSource,
  outcome: ExperimentOutcome,
  options: RunExperimentOptions & { jobs: number },
): Promise<void> {
  const threads = threadsPerJob(options.jobs, options.threads);
  const source = Array.isArray(todo) ? listSource(todo) : todo;
  /** Workers with nothing to do until a running run ends. */
  const waiting: Array<() => void> = [];
  const wakeWaiting = () => waiting.splice(0).forEach((takeNext) => takeNext());
  let stopping = false;
  let failure: Error | undefined;
  const children: ChildProcess[] = [];
  const announcedBackends = new Set<string>();
  const forward = (event: ExperimentEvent) => {
    // Every worker selects the same backend; say it once.
    if (event.kind === 'backend') {
      if (announcedBackends.has(event.backend.description)) return;
      announcedBackends.add(event.backend.description);
    }
    options.onEvent?.(event);
  };
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.connected) child.send({ type: 'stop' } satisfies ToWorkerProcess);
    wakeWaiting();
  };
  const stopWatch = setInterval(() => options.shouldStop?.() && stopAll(), 100);

  const driveWorker = (): Promise<void> =>
    new Promise((resolve) => {
      const child = fork(workerEntry, [], {
        execArgv: workerExecArgv(),
        serialization: 'advanced',
        // oneDNN (OpenMP) reads its thread count here; OpenBLAS is set through the addon.
        env: { ...process.env, OMP_NUM_THREADS: String(threads) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      let current: WorkItem | undefined;
      const send = (message: ToWorkerProcess) => child.connected && child.send(message);
      const takeNext = () => {
        const item = stopping || failure !== undefined ? undefined : source.take();
        if (item === 'wait') {
          current = undefined;
          waiting.push(takeNext);
          return;
        }
        current = item;
        if (item === undefined) {
          child.disconnect();
          // Nothing more for anyone: the waiting workers end too.
          wakeWaiting();
          return;
        }
        send({ type: 'run', ...item });
      };
      child.on('message', (message: FromWorkerProcess) => {
        if (message.type === 'event') forward(message.event);
        else if (message.type === 'tally') {
          countRun(outcome, message.tally, message.runId, current!.run);
          source.done?.(current!, message.tally);
          if (message.tally.status === 'interrupted') stopAll();
          takeNext();
          wakeWaiting();
        } else {
          failure ??= new LabError(message.message, { location: message.location, field: message.field, hint: message.hint });
          takeNext();
          wakeWaiting();
        }
      });
      child.on('exit', (code, signal) => {
        if (current)
          failure ??= new Error(
            `worker process ${child.pid} ended (${signal ?? `exit code ${code}`}) while training run ${current.runId} [${current.run.label}]`,
          );
        wakeWaiting();
        resolve();
      });
      send({
        type: 'init',
        db: options.store.path,
        filePath: experiment.filePath,
        backend: options.backend,
        threads,
        force: options.force,
        leaseSeconds: options.leaseSeconds,
      });
      takeNext();
    });

  try {
    await Promise.all(Array.from({ length: Math.min(options.jobs, source.size) }, driveWorker));
  } finally {
    clearInterval(stopWatch);
  }
  if (failure !== undefined) throw failure;
}
