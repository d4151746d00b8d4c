/**
 * What running an experiment takes and gives back: its options, its events, its outcome and how
 * each run's ending is counted in it. In their own module because both ways of running a sweep
 * need them, the in-process one (execute.ts) and the worker-process one (parallel.ts), and
 * execute.ts calls parallel.ts: shared here, parallel.ts need not import execute.ts back.
 */
import type { ActiveBackend, BackendName } from '@siamese-lab/backend';
import type { RunStore } from '@siamese-lab/store';
import type { PlannedRun } from './spec/sweep.ts';
import type { TrainingProgress } from './train.ts';

export type ExperimentEvent =
  | { kind: 'plan'; total: number; toRun: number; skipped: number }
  | { kind: 'backend'; backend: ActiveBackend }
  /** `worker` names the machine and process training the run when it is not this process. */
  | { kind: 'run-start'; position: number; toRun: number; run: PlannedRun; runId: number; worker?: string }
  | { kind: 'progress'; position: number; toRun: number; run: PlannedRun; runId: number; progress: TrainingProgress; worker?: string }
  | {
      kind: 'run-end';
      position: number;
      toRun: number;
      run: PlannedRun;
      runId: number;
      status: string;
      wallSeconds: number;
      metrics: Record<string, number | null>;
      note?: string;
    }
  | { kind: 'run-busy'; run: PlannedRun; runId: number };

export interface RunExperimentOptions {
  store: RunStore;
  /** Overrides every run's `backend` (the CLI's --backend). */
  backend?: BackendName;
  /** Re-run runs that already finished. */
  force?: boolean;
  /** Allow more runs than the experiment's max_runs. */
  yes?: boolean;
  onEvent?: (event: ExperimentEvent) => void;
  /** Checked after every training step; true stops after the current step. */
  shouldStop?: () => boolean;
  /** Lease length; a crashed process's runs are taken over once this passes (or at once on the same host). */
  leaseSeconds?: number;
  /** The caller already ran preflightExperiment (e.g. before creating the database). */
  preflighted?: boolean;
  /** Runs trained at once, each in its own worker process (default 1: in this process). */
  jobs?: number;
  /** BLAS threads per run (default: every core, or cores / jobs with --jobs). */
  threads?: number;
}

export interface ExperimentOutcome {
  experimentId: number;
  completed: number;
  nan: number;
  failed: number;
  /** Search trials stopped early at a rung. */
  pruned: number;
  skipped: number;
  busy: number;
  /** The first run stopped by Ctrl-C (`interruptedRuns` has them all: with --jobs, one per worker). */
  interrupted: { runId: number; run: PlannedRun; stepsDone: number } | null;
  interruptedRuns: Array<{ runId: number; run: PlannedRun; stepsDone: number }>;
}

/** How one run of a sweep ended, for the sweep's tally. */
export type RunTally = { status: 'completed' | 'nan' | 'failed' | 'pruned' | 'busy' } | { status: 'interrupted'; stepsDone: number };

/** Adds one run's ending to the sweep's outcome. */
export function countRun(outcome: ExperimentOutcome, tally: RunTally, runId: number, run: PlannedRun): void {
  if (tally.status === 'interrupted') {
    const interrupted = { runId, run, stepsDone: tally.stepsDone };
    outcome.interrupted ??= interrupted;
    outcome.interruptedRuns.push(interrupted);
  } else outcome[tally.status]++;
}
