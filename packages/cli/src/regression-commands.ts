import { existsSync, statSync } from 'node:fs';
import type { BackendName } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import { checkExperiment, defaultBaselinePath, formatCheckResult, readBaseline, recordBaseline } from '@siamese-lab/regression';
import { parseExperimentFile } from '@siamese-lab/runner';
import type { Output } from './output.ts';
import { createProgressPrinter } from './progress.ts';
import { baselineIsOptional, checkClaims, checkConfidenceLevel, storedClaims, storedTuning } from './claims-check.ts';

/** An argument that names an existing file, or ends like a YAML file, is an experiment file; anything else an experiment name. */
function isExperimentFile(target: string): boolean {
  return /\.ya?ml$/i.test(target) || (existsSync(target) && statSync(target).isFile());
}

export function baselineCommand(args: { db: string; experiment: string; baseline?: string }, io: Output): number {
  const plan = isExperimentFile(args.experiment) ? parseExperimentFile(args.experiment) : undefined;
  const name = plan?.name ?? args.experiment;
  const { path, baseline, runs, previous } = recordBaseline({ db: args.db, name, plan, baselinePath: args.baseline });
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
  const outcome = await checkExperiment({
    db: args.db,
    name,
    plan,
    baselinePath,
    // An experiment with claims needs no baseline file (a name's claims are known once its runs are read).
    withoutBaseline: baselineIsOptional(baselinePath, args.baseline, plan?.claims.length),
    fresh: args.fresh,
    backend: args.backend,
    yes: args.yes,
    onEvent: plan ? createProgressPrinter() : undefined,
    shouldStop: () => stop.requested,
  });
  if (outcome.interrupted) {
    io.err('interrupted: the check did not finish');
    return 130;
  }
  if (outcome.reusedRuns > 0) {
    io.err(
      `note: ${outcome.reusedRuns} run(s) were already finished in ${outcome.storePath} and were not re-run, so they show the code that recorded them; ` +
        `pass --fresh to train every run again with the current code`,
    );
  }
  const claims = checkClaims(
    plan?.claims ?? storedClaims(outcome.storedSpec),
    outcome.runs,
    outcome.sweepKeys,
    args.confidence ?? 0.95,
    plan ? plan.tuning : storedTuning(outcome.storedSpec),
  );
  if (!outcome.result && !claims) readBaseline(baselinePath); // neither a baseline nor claims: the usual "no baseline" error
  const result = outcome.result;
  if (args.json) io.out(JSON.stringify({ ...(result ?? { experiment: name, passed: true }), claims: claims?.summary }, null, 2));
  else
    io.out(
      [result ? formatCheckResult(result) : `${name}: no baseline at ${baselinePath}; checking its claims only`, claims?.text]
        .filter(Boolean)
        .join('\n\n'),
    );
  return (result?.passed ?? true) && (claims?.summary.passed ?? true) ? 0 : 1;
}
