import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '@siamese-lab/core';
import { preflightExperiment, runExperiment, type ExperimentSpec, type RunExperimentOptions } from '@siamese-lab/runner';
import { openRunStore } from '@siamese-lab/store';
import { defaultBaselinePath, readBaseline, type Baseline, type ObservedRun } from './baseline.ts';
import { compareWithBaseline, type CheckResult } from './compare.ts';
import { observeRuns } from './observe.ts';

export interface CheckExperimentOptions extends Pick<RunExperimentOptions, 'backend' | 'yes' | 'onEvent' | 'shouldStop'> {
  /** The run database: read, and written when `plan` has runs still to do (unless `fresh`). */
  db: string;
  /** The experiment, by name (its stored runs), or `plan`. */
  name: string;
  /** The parsed experiment file: its missing runs are trained first and only its current runs are checked. */
  plan?: ExperimentSpec;
  /** Default: baselines/<name>.json beside the experiment file (else experiments/baselines/). */
  baselinePath?: string;
  /** Re-train every run of `plan` in a temporary database, with the current code. */
  fresh?: boolean;
  /** Check without a baseline (e.g. an experiment whose claims are checked instead): then `result` is undefined. */
  withoutBaseline?: boolean;
}

export type CheckExperimentOutcome =
  | { interrupted: true }
  | {
      interrupted: false;
      /** The comparison with the baseline (undefined `withoutBaseline`). */
      result: CheckResult | undefined;
      /** The runs checked, with their metrics. */
      runs: ObservedRun[];
      /** The experiment's sweep keys (the plan's, else as stored). */
      sweepKeys: string[];
      /** The experiment as stored: its spec as the file stated it when it ran. */
      storedSpec: unknown;
      /** Runs of `plan` that were already finished and so were not re-trained. */
      reusedRuns: number;
      storePath: string;
    };

/** Reads a baseline file and checks that it is the named experiment's. */
export function readBaselineOf(name: string, baselinePath: string): Baseline {
  const baseline = readBaseline(baselinePath);
  if (baseline.experiment !== name) {
    throw new LabError(`the baseline ${baselinePath} is for experiment \`${baseline.experiment}\`, not \`${name}\``, {
      location: baselinePath,
      field: 'experiment',
      hint: 'pass the matching baseline with --baseline PATH',
    });
  }
  return baseline;
}

/**
 * "Re-train and check against a baseline": trains what the plan still needs (everything, in a
 * temporary database, when `fresh`), then compares each run's metrics with the baseline.
 */
export async function checkExperiment(options: CheckExperimentOptions): Promise<CheckExperimentOutcome> {
  const { plan, name } = options;
  if (!plan && (options.fresh || options.backend)) throw new Error('checkExperiment: fresh and backend need a plan to train');
  const baselinePath = options.baselinePath ?? defaultBaselinePath(name, plan?.filePath);
  // Read the baseline before training anything: a missing or broken file should not cost a sweep.
  const baseline = options.withoutBaseline ? undefined : readBaselineOf(name, baselinePath);
  // Like lab run: a file that cannot run (data, batch sizes, max_runs) fails before the database is touched.
  if (plan) preflightExperiment(plan, { yes: options.yes });
  const temporary = options.fresh ? mkdtempSync(join(tmpdir(), 'lab-check-')) : undefined;
  const store = openRunStore(temporary ? join(temporary, 'runs.sqlite') : options.db, { readonly: !plan });
  try {
    let runs: ObservedRun[];
    let reusedRuns = 0;
    if (plan) {
      const outcome = await runExperiment(plan, {
        store,
        backend: options.backend,
        yes: options.yes,
        preflighted: true,
        onEvent: options.onEvent,
        shouldStop: options.shouldStop,
      });
      if (outcome.interrupted) return { interrupted: true };
      reusedRuns = outcome.skipped;
      runs = observeRuns(
        store,
        name,
        plan.runs.map((run) => run.configHash),
      );
    } else {
      runs = observeRuns(store, name);
    }
    const stored = store.getExperiment(name);
    return {
      interrupted: false,
      result: baseline && compareWithBaseline(baseline, runs, baselinePath),
      runs,
      sweepKeys: plan?.sweepKeys ?? stored?.sweepKeys ?? [],
      storedSpec: stored?.spec,
      reusedRuns,
      storePath: store.path,
    };
  } finally {
    store.close();
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}
