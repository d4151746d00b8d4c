import { existsSync } from 'node:fs';
import { LabError } from '@siamese-lab/core';
import { isFinishedStatus } from '@siamese-lab/run-record';
import type { ExperimentSpec } from '@siamese-lab/runner';
import { openRunStore } from '@siamese-lab/store';
import { createBaseline, defaultBaselinePath, readBaseline, writeBaseline, type Baseline, type ObservedRun } from './baseline.ts';
import { observeRuns } from './observe.ts';

export interface RecordBaselineOptions {
  db: string;
  /** The experiment, by name (all its stored runs), or `plan`. */
  name: string;
  /** The parsed experiment file: only its current runs are recorded, and all of them must have run. */
  plan?: ExperimentSpec;
  /** Default: baselines/<name>.json beside the experiment file (else experiments/baselines/). */
  baselinePath?: string;
}

export interface RecordedBaseline {
  path: string;
  baseline: Baseline;
  runs: ObservedRun[];
  /** The file this one replaced (its tolerances were kept). */
  previous: Baseline | undefined;
}

/** Records a finished experiment's metrics as its baseline file (`lab baseline`). */
export function recordBaseline(options: RecordBaselineOptions): RecordedBaseline {
  const { plan, name } = options;
  const path = options.baselinePath ?? defaultBaselinePath(name, plan?.filePath);
  const store = openRunStore(options.db, { readonly: true });
  let runs: ObservedRun[];
  let sweepKeys: string[];
  try {
    runs = observeRuns(
      store,
      name,
      plan?.runs.map((run) => run.configHash),
    );
    sweepKeys = plan?.sweepKeys ?? store.getExperiment(name)!.sweepKeys;
  } finally {
    store.close();
  }
  const unfinished = runs.filter((run) => !isFinishedStatus(run.status));
  if (plan && runs.length < plan.runs.length) {
    throw new LabError(`${plan.runs.length - runs.length} of the ${plan.runs.length} runs of ${name} have never been run`, {
      location: plan.filePath,
      hint: `run them first: pnpm run exp ${plan.filePath}`,
    });
  }
  if (runs.length === 0 || unfinished.length > 0) {
    throw new LabError(
      `${name} is not finished: ${unfinished.length} of ${runs.length} run(s) are ${[...new Set(unfinished.map((run) => run.status))].join('/') || 'missing'}`,
      {
        hint: 'a baseline records finished runs only (completed or nan): finish the experiment with pnpm run exp FILE, or remove stale runs with lab rm --run ID',
      },
    );
  }
  const previous = existsSync(path) ? readBaseline(path) : undefined;
  const baseline = createBaseline({ experiment: name, sweepKeys, runs, previous });
  writeBaseline(path, baseline);
  return { path, baseline, runs, previous };
}
