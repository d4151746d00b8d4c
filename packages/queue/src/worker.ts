import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { selectBackend, type ActiveBackend } from '@siamese-lab/backend';
import { isLabError } from '@siamese-lab/core';
import {
  collectProvenance,
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
export function startQueueWorker(options: QueueWorkerOptions): { worker: Worker; close(): Promise<void> } {
  const name = `${hostname()}:${process.pid}`;
  const version = projectVersion();
  const lockMs = (options.lockSeconds ?? 30) * 1000;
  let backend: ActiveBackend | undefined;
  let data: { key: string; value: RunData } | undefined;

  const processRun = async (job: Job): Promise<EncodedRunResult> => {
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
  return {
    worker,
    // BullMQ leaves a connection it was given open: without this the process would not end.
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}
