import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendName } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import {
  compareWithBaseline,
  createBaseline,
  defaultBaselinePath,
  formatCheckResult,
  observeRuns,
  readBaseline,
  writeBaseline,
  type Baseline,
  type ObservedRun,
} from '@siamese-lab/regression';
import { parseExperimentFile, preflightExperiment, runExperiment, type ExperimentSpec } from '@siamese-lab/runner';
import { isFinishedStatus } from '@siamese-lab/run-record';
import { openRunStore } from '@siamese-lab/store';
import type { Output } from './commands.ts';
import { createProgressPrinter } from './progress.ts';
import { baselineIsOptional, checkClaims, checkConfidenceLevel, storedClaims } from './claims-check.ts';

/** An argument that names an existing file, or ends like a YAML file, is an experiment file; anything else an experiment name. */
function isExperimentFile(target: string): boolean {
  return /\.ya?ml$/i.test(target) || (existsSync(target) && statSync(target).isFile());
}

export function baselineCommand(args: { db: string; experiment: string; baseline?: string }, io: Output): number {
  const plan: ExperimentSpec | undefined = isExperimentFile(args.experiment) ? parseExperimentFile(args.experiment) : undefined;
  const name = plan?.name ?? args.experiment;
  const path = args.baseline ?? defaultBaselinePath(name, plan?.filePath);
  const store = openRunStore(args.db, { readonly: true });
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
      hint: `run them first: pnpm run exp ${args.experiment}`,
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
  const previous: Baseline | undefined = existsSync(path) ? readBaseline(path) : undefined;
  const baseline = createBaseline({ experiment: name, sweepKeys, runs, previous });
  writeBaseline(path, baseline);
  const numerics = Object.keys(baseline.numerics);
  const unrecorded = baseline.runs.filter((run) => run.numerics === null).length;
  io.err(
    `${previous ? 'updated' : 'wrote'} the baseline of ${name}: ${runs.length} run(s) under ${numerics.length ? numerics.join(', ') : 'unrecorded numerics'}` +
      `${unrecorded && numerics.length ? ` (${unrecorded} run(s) without recorded numerics)` : ''}` +
      `${previous ? ', bands kept from the previous file' : ''}. Review it, then commit it.`,
  );
  io.out(path);
  return 0;
}

export async function checkCommand(
  args: {
    db: string;
    target: string;
    baseline?: string;
    fresh: boolean;
    backend?: BackendName;
    json: boolean;
    yes: boolean;
    confidence?: number;
  },
  io: Output,
  stop: { requested: boolean },
): Promise<number> {
  checkConfidenceLevel(args.confidence);
  const plan = isExperimentFile(args.target) ? parseExperimentFile(args.target) : undefined;
  if (!plan && (args.fresh || args.backend)) {
    throw new LabError(`${args.fresh ? '--fresh' : '--backend'} needs an experiment file, not the name \`${args.target}\``, {
      hint: `give the YAML file to re-run it, e.g. pnpm lab check experiments/${args.target}.yaml${args.fresh ? ' --fresh' : ''}`,
    });
  }
  const name = plan?.name ?? args.target;
  const baselinePath = args.baseline ?? defaultBaselinePath(name, plan?.filePath);
  // Read the baseline before training anything: a missing or broken file should not cost a sweep.
  // An experiment with claims needs none (a name's claims are known once the store is open).
  const baseline = baselineIsOptional(baselinePath, args.baseline, plan?.claims.length) ? undefined : readBaseline(baselinePath);
  if (baseline && baseline.experiment !== name) {
    throw new LabError(`the baseline ${baselinePath} is for experiment \`${baseline.experiment}\`, not \`${name}\``, {
      location: baselinePath,
      field: 'experiment',
      hint: 'pass the matching baseline with --baseline PATH',
    });
  }
  // Like lab run: a file that cannot run (data, batch sizes, max_runs) fails before the database is touched.
  if (plan) preflightExperiment(plan, { yes: args.yes });
  const temporary = args.fresh ? mkdtempSync(join(tmpdir(), 'lab-check-')) : undefined;
  const store = openRunStore(temporary ? join(temporary, 'runs.sqlite') : args.db, { readonly: !plan });
  try {
    let runs: ObservedRun[];
    if (plan) {
      const outcome = await runExperiment(plan, {
        store,
        backend: args.backend,
        yes: args.yes,
        preflighted: true,
        onEvent: createProgressPrinter(),
        shouldStop: () => stop.requested,
      });
      if (outcome.interrupted) {
        io.err('interrupted: the check did not finish');
        return 130;
      }
      if (outcome.skipped > 0) {
        io.err(
          `note: ${outcome.skipped} run(s) were already finished in ${store.path} and were not re-run, so they show the code that recorded them; ` +
            `pass --fresh to train every run again with the current code`,
        );
      }
      runs = observeRuns(
        store,
        name,
        plan.runs.map((run) => run.configHash),
      );
    } else {
      runs = observeRuns(store, name);
    }
    const claims = checkClaims(
      plan?.claims ?? storedClaims(store, name),
      runs,
      plan?.sweepKeys ?? store.getExperiment(name)!.sweepKeys,
      args.confidence ?? 0.95,
    );
    if (!baseline && !claims) readBaseline(baselinePath); // neither a baseline nor claims: the usual "no baseline" error
    const result = baseline && compareWithBaseline(baseline, runs, baselinePath);
    if (args.json) io.out(JSON.stringify({ ...(result ?? { experiment: name, passed: true }), claims: claims?.summary }, null, 2));
    else
      io.out(
        [result ? formatCheckResult(result) : `${name}: no baseline at ${baselinePath}; checking its claims only`, claims?.text]
          .filter(Boolean)
          .join('\n\n'),
      );
    return (result?.passed ?? true) && (claims?.summary.passed ?? true) ? 0 : 1;
  } finally {
    store.close();
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}
