import { Queue, type Job } from 'bullmq';
import type { BackendName } from '@siamese-lab/backend';
import {
  collectProvenance,
  countRun,
  planExperiment,
  type ExperimentEvent,
  type ExperimentOutcome,
  type ExperimentSpec,
  type PlannedRun,
} from '@siamese-lab/runner';
import { QUEUE_PLACEHOLDER_BACKEND, type RunStore } from '@siamese-lab/store';
import { connectRedis, QUEUE_NAME, type QueueAddress } from './connection.ts';
import { jobIdOf, runJobOf } from './job.ts';
import { projectVersion } from './project-version.ts';
import { decodeRunResult } from './result.ts';
import type { JobProgress } from './worker.ts';

export interface QueueSweepOptions {
  store: RunStore;
  address: QueueAddress;
  backend?: BackendName;
  force?: boolean;
  /** Accept results from workers running other code than this coordinator. */
  allowVersionMismatch?: boolean;
  onEvent?(event: ExperimentEvent): void;
  shouldStop?(): boolean;
  log?(line: string): void;
  /** How often the queue is read (default 250 ms). */
  pollMilliseconds?: number;
}

interface PendingRun {
  run: PlannedRun;
  runId: number;
  position: number;
  started: boolean;
  stepsDone: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `lab run FILE --queue URL`: plans the sweep as a local run does, holds the lease of every run
 * still to do (so a local `lab run` does not train them too), puts each in the queue as a job
 * whose id is the experiment and config hash (a job already there, waiting, running or finished,
 * is not added again), then records each result as it comes back, in one transaction per run,
 * in this machine's store. Finished jobs left by an earlier coordinator are collected, not
 * retrained. A stop request takes the jobs no worker has started out of the queue; the running
 * ones finish on their workers and the next `lab run --queue` collects them.
 */
export async function runExperimentOnQueue(experiment: ExperimentSpec, options: QueueSweepOptions): Promise<ExperimentOutcome> {
  const { store } = options;
  const onEvent = (event: ExperimentEvent) => options.onEvent?.(event);
  const log = (line: string) => options.log?.(line);
  const leaseSeconds = 120;
  const { todo, outcome } = planExperiment(store, experiment, options);

  const pending = new Map<string, PendingRun>();
  for (const [index, { run, stored }] of todo.entries()) {
    if (
      !store.claimRun(stored.id, {
        backend: QUEUE_PLACEHOLDER_BACKEND,
        provenance: collectProvenance('queue: waiting for a worker'),
        leaseSeconds,
        force: options.force,
      })
    ) {
      outcome.busy++;
      onEvent({ kind: 'run-busy', run, runId: stored.id });
      continue;
    }
    pending.set(jobIdOf(experiment.name, run.configHash), { run, runId: stored.id, position: index + 1, started: false, stepsDone: 0 });
  }
  if (pending.size === 0) return outcome;

  const connection = connectRedis(options.address);
  const queue = new Queue(QUEUE_NAME, { connection });
  queue.on('error', () => {});
  const version = projectVersion();
  const enqueue = (jobId: string, item: PendingRun) =>
    queue.add(
      'run',
      runJobOf(experiment.name, item.run, {
        projectVersion: version,
        allowVersionMismatch: options.allowVersionMismatch ?? false,
        backend: options.backend,
      }),
      {
        jobId,
        removeOnComplete: false,
        removeOnFail: false,
      },
    );

  const finish = (
    jobId: string,
    item: PendingRun,
    status: 'completed' | 'nan' | 'failed' | 'pruned',
    wallSeconds: number,
    metrics: Record<string, number | null>,
    note?: string,
  ) => {
    pending.delete(jobId);
    countRun(outcome, { status }, item.runId, item.run);
    onEvent({
      kind: 'run-end',
      position: item.position,
      toRun: todo.length,
      run: item.run,
      runId: item.runId,
      status,
      wallSeconds,
      metrics,
      note,
    });
  };

  const recordFailure = (jobId: string, item: PendingRun, reason: string) => {
    const error = `queue job ${jobId} failed: ${reason}`;
    store.finishRun(
      item.runId,
      { status: 'failed', wallSeconds: 0, stepsDone: item.stepsDone, nanSteps: 0, firstNanStep: null, error, metrics: {} },
      item.run.params,
    );
    finish(jobId, item, 'failed', 0, {}, reason);
  };

  /** Writes a finished job's result into the store, then takes the job out of the queue. */
  const collect = async (job: Job, item: PendingRun) => {
    let result: ReturnType<typeof decodeRunResult>;
    try {
      result = decodeRunResult(job.returnvalue);
    } catch (error) {
      recordFailure(job.id!, item, (error as Error).message);
      await job.remove().catch(() => {});
      return;
    }
    if (!store.recordTrainedElsewhere(item.runId, result, item.run.params)) {
      // Our lease was taken over (this process was presumed dead): the run is someone else's now.
      pending.delete(job.id!);
      outcome.busy++;
      onEvent({ kind: 'run-busy', run: item.run, runId: item.runId });
    } else {
      finish(
        job.id!,
        item,
        result.outcome.status,
        result.outcome.wallSeconds,
        result.outcome.metrics,
        (result.outcome.nanDetail as { reason?: string } | null)?.reason,
      );
    }
    // Only after the result is committed: a crash before this leaves the job to collect again.
    await job.remove().catch(() => {});
  };

  const showProgress = (job: Job, item: PendingRun) => {
    const progress = job.progress as Partial<JobProgress> | number;
    const worker = typeof progress === 'object' ? progress.worker : undefined;
    if (!item.started) {
      item.started = true;
      onEvent({ kind: 'run-start', position: item.position, toRun: todo.length, run: item.run, runId: item.runId, worker });
    }
    if (typeof progress === 'object' && typeof progress.step === 'number' && typeof progress.steps === 'number') {
      item.stepsDone = progress.step;
      const { step, steps, loss = Number.NaN, stepsPerSecond = Number.NaN } = progress;
      onEvent({
        kind: 'progress',
        position: item.position,
        toRun: todo.length,
        run: item.run,
        runId: item.runId,
        progress: { step, steps, loss, stepsPerSecond },
        worker,
      });
    }
  };

  /** Jobs that vanished from the queue (a Redis restarted without its data, a job removed by hand) are added again. */
  const checkStillQueued = async () => {
    for (const [jobId, item] of pending) {
      if ((await queue.getJobState(jobId)) === 'unknown') {
        log(`job ${jobId} is no longer in the queue: adding it again`);
        await enqueue(jobId, item);
      }
    }
  };

  try {
    let enqueued = 0;
    for (const [jobId, item] of pending) {
      let state = await queue.getJobState(jobId);
      // A failed job, or with --force a finished or waiting one, is replaced by a fresh job.
      if (state === 'failed' || (options.force && state !== 'active' && state !== 'unknown')) {
        await (await queue.getJob(jobId))?.remove();
        state = 'unknown';
      }
      if (state === 'unknown') {
        await enqueue(jobId, item);
        enqueued++;
      }
    }
    log(
      `queue ${options.address.display}: ${enqueued} job(s) added, ${pending.size - enqueued} already there (finished ones are collected, not retrained)`,
    );

    let lastHousekeeping = Date.now();
    while (pending.size > 0) {
      if (options.shouldStop?.()) {
        await stopPending(queue, pending, store, outcome);
        break;
      }
      const [completed, failed, active] = await Promise.all([
        queue.getRanges(['completed']),
        queue.getRanges(['failed']),
        queue.getJobs(['active']),
      ]);
      for (const job of active) {
        const item = job.id === undefined ? undefined : pending.get(job.id);
        if (item) showProgress(job, item);
      }
      for (const jobId of completed) {
        const item = pending.get(jobId);
        const job = item && (await queue.getJob(jobId));
        if (item && job) await collect(job, item);
      }
      for (const jobId of failed) {
        const item = pending.get(jobId);
        const job = item && (await queue.getJob(jobId));
        if (!item || !job) continue;
        recordFailure(jobId, item, job.failedReason);
        await job.remove().catch(() => {});
      }
      if (Date.now() - lastHousekeeping > 5000) {
        lastHousekeeping = Date.now();
        for (const item of pending.values()) store.renewLease(item.runId, leaseSeconds, item.stepsDone);
        await checkStillQueued();
      }
      await sleep(options.pollMilliseconds ?? 250);
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
  return outcome;
}

/** Ctrl-C: jobs not started leave the queue; started ones finish on their workers (collected next time). */
async function stopPending(queue: Queue, pending: Map<string, PendingRun>, store: RunStore, outcome: ExperimentOutcome): Promise<void> {
  for (const [jobId, item] of pending) {
    const job = await queue.getJob(jobId);
    const state = job ? await job.getState() : 'unknown';
    if (job && state !== 'active' && state !== 'completed') await job.remove().catch(() => {});
    store.markInterrupted(item.runId, item.stepsDone);
    countRun(outcome, { status: 'interrupted', stepsDone: item.stepsDone }, item.runId, item.run);
  }
  pending.clear();
}
