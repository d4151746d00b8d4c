import { LabError } from '@siamese-lab/core';

/** `lab run` options that spread a sweep over processes. */
export const sweepOptions = {
  jobs: { type: 'number', default: 1, describe: 'runs trained at once, each in its own worker process on this machine' },
  threads: { type: 'number', describe: 'BLAS threads per run (default: the cores, divided by --jobs)' },
} as const;

function positiveWhole(value: number | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1)
    throw new LabError(`--${option} must be a whole number of at least 1, got ${value}`, {
      field: `--${option}`,
      hint: `e.g. --${option} 2`,
    });
  return value;
}

/** The checked values of `sweepOptions`. */
export function sweepArguments(args: { jobs?: number; threads?: number }): { jobs?: number; threads?: number } {
  return { jobs: positiveWhole(args.jobs, 'jobs'), threads: positiveWhole(args.threads, 'threads') };
}
