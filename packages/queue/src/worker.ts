import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { selectBackend, type ActiveBackend } from '@siamese-lab/backend';
import { isLabError } from '@siamese-lab/core';
import {
  collectProvenance,
  dataProvenance,
  loadRunData,
  optimizerAsBuilt,
  trainAndEvaluate,
  type RunData,
  type TrainingProgress,
} from '@siamese-lab/runner';
import type { StepMetricRow } from '@siamese-lab/store';
import { connectRedis, QUEUE_NAME, type QueueAddress } from './connection.ts';
import { RejectedJob, validateRunJob } from './job.ts';
import { projectVersion } from './project-version.ts';
import { encodeRunResult, type EncodedRunResult } from './result.ts';

/** A job's progress as the coordinator shows it. */
export interface JobProgress extends TrainingProgress {
  worker: string;
}

/**
 * How long a stopping worker gives Redis, once its last job's training is over, to take the
 * job's result (or its failure) and to close. Past it (Redis down or not answering), the worker
 * closes with force and exits: the job, still `active` in Redis with an expiring lock, goes back
 * to the queue when the lock expires (BullMQ's stalled-job check, on any worker, once Redis is
 * back) and is trained again; it is never lost. An idle worker does not wait for Redis. Long
 * enough for a 10 MB result on a slow link or a Redis restart, short beside a service manager's
 * stop timeout (systemd's default is 90 s).
 */
export const STOP_GRACE_SECONDS = 15;

/** How a worker stopped. */
export interface QueueWorkerStop {
  /** The job whose result Redis did not take within the grace: it goes back to the queue when its lock expires. */
  leftJob?: string;
}

export interface QueueWorkerOptions {
  address: QueueAddress;
  /** BLAS threads (default: every core). */
  threads?: number;
  /**
   * How long a job stays this worker's without a lock renewal: after a crash, the job goes to
   * another worker once this has passed (BullMQ's stalled-job check runs as often).
   */
  lockSeconds?: number;
  log(line: string): void;
}

/**
 * A `lab worker`: takes run jobs from the queue one at a time, validates each like an
 * experiment file, trains and evaluates it with the local runner's code, and returns the
 * result (the coordinator records it). Provenance is this machine's.
 */
export function startQueueWorker(options: QueueWorkerOptions): { worker: Worker; stop(): Promise<QueueWorkerStop> } {
  const name = `${hostname()}:${process.pid}`;
  const version = projectVersion();
  const lockMs = (options.lockSeconds ?? 30) * 1000;
  let backend: ActiveBackend | undefined;
  let data: { key: string; value: RunData } | undefined;
  /** The job in hand: in training, then (trainedAt set) until Redis has taken its result. */
  let inHand: { id: string; trainedAt?: number } | undefined;
  let closed = false;

  const processRun = async (job: Job): Promise<EncodedRunResult> => {
    if (closed) {
      // Taken from the queue in the instant the worker closed: not trained here; it goes back
      // to the queue when its lock expires (the lock is no longer renewed).
      options.log(`job ${job.id} arrived as the worker stopped: left to be handed back when its lock expires`);
      return new Promise<never>(() => {});
    }
    const held: { id: string; trainedAt?: number } = { id: String(job.id) };
    inHand = held;
    try {
      return await trainRun(job);
    } finally {
      held.trainedAt = Date.now();
    }
  };

  const trainRun = async (job: Job): Promise<EncodedRunResult> => {
    let validated: ReturnType<typeof validateRunJob>;
    try {
      validated = validateRunJob(job.data, version);
    } catch (error) {
      if (!(error instanceof RejectedJob)) throw error;
      options.log(`job ${job.id} rejected: ${error.message}`);
      throw new UnrecoverableError(`rejected by worker ${name}: ${error.message}`);
    }
    const { job: runJob, run } = validated;
    try {
      const backendName = runJob.backend ?? run.spec.backend;
      if (!backend || backend.requested !== backendName) {
        backend = await selectBackend(backendName, options.threads === undefined ? {} : { blasThreads: options.threads });
        options.log(`backend: ${backend.description}`);
      }
      const dataKey = JSON.stringify(run.spec.data);
      if (!data || data.key !== dataKey) data = { key: dataKey, value: loadRunData(run.spec.data) };
    } catch (error) {
      // This machine cannot run it (no dataset here, no such backend): say so, do not retry here.
      if (isLabError(error)) throw new UnrecoverableError(`worker ${name}: ${error.describe()}`);
      throw error;
    }
    options.log(`training ${runJob.experiment} [${run.label}] (job ${job.id})`);
    const startedAt = new Date().toISOString();
    const stepMetrics: StepMetricRow[] = [];
    let lastReport = 0;
    const result = await trainAndEvaluate(run, data.value, {
      onStepMetrics: (rows) => stepMetrics.push(...rows),
      onProgress: (progress) => {
        if (Date.now() - lastReport < 1000 && progress.step !== progress.steps) return;
        lastReport = Date.now();
        // Progress is for display: a lost update (Redis restarting) does not matter.
        job.updateProgress({ ...progress, worker: name } satisfies JobProgress).catch(() => {});
      },
    });
    if (result.kind === 'interrupted') throw new Error('training stopped without a stop request');
    if (result.inputError) throw new UnrecoverableError(`worker ${name}: ${result.inputError.describe()}`);
    options.log(
      `${result.outcome.status} ${runJob.experiment} [${run.label}] in ${result.outcome.wallSeconds.toFixed(1)}s (job ${job.id})`,
    );
    return encodeRunResult({
      backend: backend.name,
      provenance: {
        ...collectProvenance(backend.description),
        optimizer: optimizerAsBuilt(run.spec.optimizer),
        data: dataProvenance(data.value),
        worker: { name, projectVersion: version, jobId: job.id, threads: options.threads ?? null },
      },
      startedAt,
      stepMetrics,
      outcome: result.outcome,
    });
  };

  const connection = connectRedis(options.address);
  const worker = new Worker(QUEUE_NAME, processRun, {
    connection,
    concurrency: 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job whose worker died twice is failed rather than handed out forever.
    maxStalledCount: 2,
  });
  // Connection problems: ioredis reconnects and the worker resumes by itself; say what is wrong
  // (Redis down, a wrong password) once per kind of problem, not once per retry.
  let lastProblem = { text: '', at: 0 };
  worker.on('error', (error) => {
    if (error.message === lastProblem.text && Date.now() - lastProblem.at < 60_000) return;
    lastProblem = { text: error.message, at: Date.now() };
    options.log(`queue problem (retrying): ${error.message}`);
  });
  // Redis took the job's result (or its failure): nothing is in hand any more.
  const handedOver = (job: Job | undefined) => {
    if (job && inHand && String(job.id) === inHand.id) inHand = undefined;
  };
  worker.on('completed', handedOver);
  worker.on('failed', handedOver);

  /**
   * Stops taking jobs, lets the job in hand finish training (its lock still renewed), gives Redis
   * STOP_GRACE_SECONDS to take its result, then closes with force and says what happened. Never
   * waits for Redis longer than the grace: BullMQ's graceful `close()` can wait for ever on a
   * connection that is reconnecting, so it is not used; with nothing in hand, forcing loses nothing.
   */
  const stop = async (): Promise<QueueWorkerStop> => {
    await worker.pause(true); // no new job: the one in hand goes on, and handing it over fetches no other
    if (inHand)
      options.log(
        `finishing job ${inHand.id}, then stopping (Redis gets ${STOP_GRACE_SECONDS} s to take its result once training is over)`,
      );
    const outcome: QueueWorkerStop = {};
    while (inHand) {
      const trainedAt = inHand.trainedAt;
      // BullMQ's main loop is over once it is done with the job, even when no event said so.
      if (trainedAt !== undefined && !worker.isRunning()) break;
      if (trainedAt !== undefined && Date.now() - trainedAt > STOP_GRACE_SECONDS * 1000) {
        outcome.leftJob = inHand.id;
        const why = connection.status === 'ready' ? `Redis did not take its result in ${STOP_GRACE_SECONDS} s` : 'Redis unreachable';
        options.log(`${why}; leaving job ${inHand.id} to be handed back when its lock expires, exiting`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    closed = true;
    // Force: nothing is in hand, or Redis had its grace. BullMQ leaves open a connection it was
    // given (with its commands queued while Redis is away): without the disconnect the process would not end.
    await worker.close(true);
    connection.disconnect();
    if (!outcome.leftJob) options.log('stopped');
    return outcome;
  };
  return { worker, stop };
}
