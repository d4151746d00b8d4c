/** The claims part of `lab check`: an experiment's claims decided on its runs (see @siamese-lab/stats). */
import { existsSync } from 'node:fs';
import {
  evaluateClaims,
  formatClaims,
  runsForClaims,
  type Claim,
  type ClaimsSummary,
  type Observation,
  type TuningRule,
} from '@siamese-lab/stats';
import { LabError } from '@siamese-lab/core';

/** --confidence, checked before anything runs. */
export function checkConfidenceLevel(confidence: number | undefined): void {
  if (confidence !== undefined && !(confidence > 0.5 && confidence < 1)) {
    throw new LabError(`--confidence ${confidence} is not a confidence level`, {
      field: '--confidence',
      hint: 'give a level between 0.5 and 1, such as 0.95 or 0.99',
    });
  }
}

/** The claims an experiment was run with, as its file stated them then (validated when it was parsed). */
export function storedClaims(storedSpec: unknown): Claim[] {
  const spec = storedSpec as { claims?: Claim[] } | undefined;
  return Array.isArray(spec?.claims) ? spec.claims : [];
}

/** The tuning rule an experiment was run with, as its file stated it then. */
export function storedTuning(storedSpec: unknown): TuningRule | undefined {
  return (storedSpec as { tuning?: TuningRule } | undefined)?.tuning;
}

/** An experiment with claims may be checked without a baseline file: then only its claims are. */
export function baselineIsOptional(baselinePath: string, explicitBaseline: string | undefined, claimCount: number | undefined): boolean {
  return explicitBaseline === undefined && !existsSync(baselinePath) && claimCount !== 0;
}

export function checkClaims(
  claims: readonly Claim[],
  runs: readonly Observation[],
  sweepKeys: readonly string[],
  confidence: number,
  tuning?: TuningRule,
): { summary: ClaimsSummary; text: string } | undefined {
  if (claims.length === 0) return undefined;
  // With a tuning rule, only the runs of each group's chosen setting (chosen on validation scores).
  const decided = runsForClaims(runs, sweepKeys, tuning);
  const summary = evaluateClaims(claims, decided.runs, { sweepKeys: decided.sweepKeys, confidence });
  const chosen = tuning
    ? `tuned: claims use the setting with the ${tuning.direction === 'maximize' ? 'highest' : 'lowest'} mean ${tuning.metric} per ${tuning.per.join(', ')}\n`
    : '';
  return { summary, text: `${chosen}${formatClaims(summary)}` };
}
