import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { BackendName } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import { parseQueueAddress, runExperimentOnQueue, startQueueWorker, type QueueAddress } from '@siamese-lab/queue';
import type { ExperimentOutcome, ExperimentSpec } from '@siamese-lab/runner';
import type { RunStore } from '@siamese-lab/store';
import type { Output } from './output.ts';
import { createParallelProgressPrinter } from './parallel-progress.ts';

/** Where the queue's URL may also come from, so that a password need not be on the command line. */
export const QUEUE_URL_VARIABLE = 'SIAMESE_LAB_QUEUE';

/** Options shared by `lab run --queue` and `lab worker`. */
export const queueOptions = {
  queue: {
    type: 'string',
    describe: `Redis URL of the queue, redis://[:PASSWORD@]HOST:PORT or rediss:// (TLS); default $${QUEUE_URL_VARIABLE}`,
  },
  insecure: { type: 'boolean', default: false, describe: 'allow a Redis on another machine without a password' },
} as const;

/** `lab run` options for a sweep over the queue. */
export const queueSweepOptions = {
  ...queueOptions,
  'allow-version-mismatch': { type: 'boolean', default: false, describe: 'with --queue: accept results from workers running other code' },
} as const;

export interface QueueArguments {
  address: QueueAddress;
  allowVersionMismatch: boolean;
}

function addressOf(args: { queue?: string; insecure?: boolean }, required: boolean): QueueAddress | undefined {
  const url = args.queue ?? process.env[QUEUE_URL_VARIABLE];
  if (url === undefined || url === '') {
    if (required)
      throw new LabError('lab worker needs the queue to take jobs from', {
        field: '--queue',
        hint: `pass --queue redis://HOST:PORT (or set ${QUEUE_URL_VARIABLE})`,
      });
    return undefined;
  }
  return parseQueueAddress(url, { insecure: args.insecure });
}

/** The checked queue arguments of `lab run`, or undefined for a sweep on this machine. */
export function queueArguments(args: {
  queue?: string;
  insecure?: boolean;
  'allow-version-mismatch'?: boolean;
  jobs?: number;
}): QueueArguments | undefined {
  const address = addressOf(args, false);
  if (!address) return undefined;
  if ((args.jobs ?? 1) > 1)
    throw new LabError('--jobs and --queue do not go together', {
      field: '--jobs',
      hint: 'with --queue, start `lab worker --concurrency N` on the machines that train',
    });
  return { address, allowVersionMismatch: args['allow-version-mismatch'] ?? false };
}

export function runOnQueue(
  experiment: ExperimentSpec,
  queue: QueueArguments,
  common: { store: RunStore; backend?: BackendName; force: boolean; shouldStop(): boolean },
  io: Output,
): Promise<ExperimentOutcome> {
  return runExperimentOnQueue(experiment, {
    ...common,
    address: queue.address,
    allowVersionMismatch: queue.allowVersionMismatch,
    onEvent: createParallelProgressPrinter(),
    log: (line) => io.err(line),
  });
}

/**
 * `lab worker`: trains jobs from the queue until stopped. With `--concurrency N` it starts N
 * worker processes (one run per process, cores / N BLAS threads each) and exits when they all
 * have. Ctrl-C or SIGTERM: take no new job, finish the one in hand, give Redis STOP_GRACE_SECONDS
 * (15 s, in @siamese-lab/queue's worker) to take its result, then exit whatever the state of the
 * queue; an idle worker exits within seconds, even with Redis down. Exit status 0, or 2 (the CLI's
 * status for a problem of the environment) when Redis did not take the last job's result: the job
 * goes back to the queue when its lock expires, once Redis is back, and is trained again, never
 * lost, but a service manager should see that this stop was not clean.
 * A second Ctrl-C exits at once (the job goes to another worker once its lock expires).
 */
export async function workerCommand(
  args: { queue?: string; insecure: boolean; concurrency: number; threads?: number; lockSeconds: number },
  io: Output,
  stop: { requested: boolean },
): Promise<number> {
  const address = addressOf(args, true)!;
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1) {
    throw new LabError(`--concurrency must be a whole number of at least 1, got ${args.concurrency}`, {
      field: '--concurrency',
      hint: 'e.g. --concurrency 2',
    });
  }
  process.on('SIGTERM', () => (stop.requested = true));
  if (args.concurrency > 1) return superviseWorkers(address, args, io, stop);
  const log = (line: string) => io.err(`${new Date().toISOString()} ${line}`);
  const worker = startQueueWorker({ address, threads: args.threads, lockSeconds: args.lockSeconds, log });
  log(`worker ${process.pid} waiting for jobs on ${address.display}`);
  while (!stop.requested) await new Promise((resolve) => setTimeout(resolve, 200));
  log('stop requested: taking no new job (Ctrl-C again to quit at once)');
  const stopped = await worker.stop();
  return stopped.leftJob === undefined ? 0 : 2;
}

function superviseWorkers(
  address: QueueAddress,
  args: { insecure: boolean; concurrency: number; threads?: number; lockSeconds: number },
  io: Output,
  stop: { requested: boolean },
): Promise<number> {
  const threads = args.threads ?? Math.max(1, Math.floor(availableParallelism() / args.concurrency));
  io.err(`starting ${args.concurrency} worker processes, ${threads} BLAS thread(s) each`);
  const children = Array.from({ length: args.concurrency }, () =>
    spawn(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1],
        'worker',
        '--concurrency',
        '1',
        '--threads',
        String(threads),
        '--lock-seconds',
        String(args.lockSeconds),
        ...(args.insecure ? ['--insecure'] : []),
      ],
      // The URL (and its password) goes by the environment, not on a command line others can read.
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, [QUEUE_URL_VARIABLE]: address.url, OMP_NUM_THREADS: String(threads) },
      },
    ),
  );
  // One SIGTERM each: the children stop within a bounded time (see workerCommand). Signalled again
  // while exiting, past the point where Node still catches it, a child would die of it instead.
  const watch = setInterval(() => {
    if (!stop.requested) return;
    clearInterval(watch);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }, 200);
  return Promise.all(children.map((child) => new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1))))).then(
    (codes) => {
      clearInterval(watch);
      return Math.max(...codes);
    },
  );
}
