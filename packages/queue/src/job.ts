import { z } from 'zod';
import { configHash, flattenParams, runSpecSchema, type PlannedRun } from '@siamese-lab/runner';
import { BACKEND_NAMES, type BackendName } from '@siamese-lab/backend';

/** Bumped when the job's shape changes; a worker refuses formats it does not know. */
export const JOB_FORMAT = 1;

/** What a coordinator puts in the queue for one run. */
export interface RunJob {
  format: typeof JOB_FORMAT;
  experiment: string;
  run: { index: number; label: string; configHash: string; spec: unknown };
  /** The coordinator's projectVersion(). */
  projectVersion: string;
  /** The coordinator accepts results of other code (`--allow-version-mismatch`). */
  allowVersionMismatch: boolean;
  /** `--backend` of the coordinator, overriding the run's. */
  backend?: BackendName;
}

/** A job's id: one per experiment and configuration, so enqueueing a run twice never duplicates it. */
export function jobIdOf(experiment: string, hash: string): string {
  // BullMQ ids may not contain ':'; experiment names are letters, digits and . _ -
  return `${experiment}__${hash}`;
}

export function runJobOf(
  experiment: string,
  run: PlannedRun,
  options: { projectVersion: string; allowVersionMismatch: boolean; backend?: RunJob['backend'] },
): RunJob {
  return {
    format: JOB_FORMAT,
    experiment,
    run: { index: run.index, label: run.label, configHash: run.configHash, spec: run.spec },
    projectVersion: options.projectVersion,
    allowVersionMismatch: options.allowVersionMismatch,
    ...(options.backend && { backend: options.backend }),
  };
}

const jobSchema = z.strictObject({
  format: z.literal(JOB_FORMAT),
  experiment: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
  run: z.strictObject({
    index: z.number().int().min(0),
    label: z.string().max(2000),
    configHash: z.string().regex(/^[0-9a-f]{16}$/),
    spec: z.unknown(),
  }),
  projectVersion: z.string().max(200),
  allowVersionMismatch: z.boolean(),
  backend: z.enum(BACKEND_NAMES).optional(),
});

/** Why a job is not executed: its content, or the code it was made for. */
export class RejectedJob extends Error {}

/**
 * Checks a job taken from the queue as strictly as an experiment file: the envelope, then the
 * run's parameters with the experiment schema, then that they hash to the job's config hash.
 * Anything else (malformed, hostile, from another version) is rejected before any work.
 */
export function validateRunJob(data: unknown, workerVersion: string): { job: RunJob; run: PlannedRun } {
  const envelope = jobSchema.safeParse(data);
  if (!envelope.success) {
    const issue = envelope.error.issues[0];
    throw new RejectedJob(`malformed job: ${issue.path.join('.') || 'the job'}: ${issue.message}`);
  }
  const job = envelope.data;
  if (job.projectVersion !== workerVersion && !job.allowVersionMismatch) {
    throw new RejectedJob(
      `version mismatch: the coordinator runs ${job.projectVersion}, this worker ${workerVersion}; results of different code are not mixed ` +
        '(update one side, or start the coordinator with --allow-version-mismatch)',
    );
  }
  const spec = runSpecSchema.safeParse(job.run.spec);
  if (!spec.success) {
    const issue = spec.error.issues[0];
    throw new RejectedJob(`invalid run parameters: field \`${issue.path.join('.')}\`: ${issue.message}`);
  }
  const hash = configHash(spec.data);
  if (hash !== job.run.configHash)
    throw new RejectedJob(`the run's parameters hash to ${hash}, not the job's config hash ${job.run.configHash}`);
  return {
    job,
    // A worker may run on another machine: a relative data.directory resolves against its own working directory.
    run: {
      index: job.run.index,
      spec: spec.data,
      params: flattenParams(spec.data),
      overrides: {},
      configHash: hash,
      label: job.run.label,
      dataFolder: process.cwd(),
    },
  };
}
