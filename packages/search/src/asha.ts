/**
 * Early stopping by asynchronous successive halving, in its stopping variant: Ray Tune's
 * AsyncHyperBandScheduler and Optuna's SuccessiveHalvingPruner, after Li, Jamieson, Rostamizadeh,
 * Gonina, Ben-tzur, Hardt, Recht and Talwalkar, "A System for Massively Parallel Hyperparameter
 * Tuning" (MLSys 2020).
 *
 * Rungs: r_k = min_steps · η^k for k = 0 … K − 1, and the top rung r_K = max_steps, where K is the
 * largest k with min_steps · η^k ≤ max_steps (`ashaRungs`). Every trial trains towards max_steps
 * (its learning-rate schedule sees that length) and is judged each time it reaches a rung below
 * the top (`rungDecision`):
 *
 *   with v its objective at rung k and n_k the number of values recorded at rung k so far, its
 *   own included, the trial continues iff v is finite and fewer than ⌈n_k / η⌉ of those values
 *   are strictly better than v (it ranks within the top ⌈n_k / η⌉, ties with the cutoff kept);
 *   otherwise it ends, pruned at rung k.
 *
 * So the first trial to reach a rung always continues, the second only if it beats the first
 * (⌈2/3⌉ = 1 with η = 3), and as a rung fills up about 1/η of its trials go on. A decision is a
 * function of the values recorded at the rung before it, in the order they came: replaying a
 * study's log in that order gives the same decisions, however the workers interleaved.
 *
 * Where this differs from Li et al.'s promotion variant (Algorithm 2), and why:
 * - A trial is never paused and resumed: it is judged when it gets to a rung, against whatever
 *   reached the rung before it, and either goes on at once or ends. The promotion variant pauses
 *   every trial at every rung and may resume it later, which needs its weights and optimizer
 *   state kept: about 22 MB for the seed's network (1.86 M weights and two Adam moments). The cost
 *   is that early trials are judged against few values (the first ones at a rung always go on),
 *   where a promotion is only ever made from the top 1/η of a rung; with many trials both keep
 *   about 1/η of each rung.
 * - The cutoff is the top ⌈n_k / η⌉ of the values so far (Ray Tune's percentile rule, 1 − 1/η,
 *   gives the same count), not ⌊n_k / η⌋ as the paper's promotions: with ⌊·⌋ nobody at a rung
 *   of fewer than η values could go on, and with stopping no later promotion makes up for it.
 * - The top rung is max_steps, not min_steps · η^K when max_steps is not such a power (e.g. η = 3,
 *   min 1, max 20: rungs 1, 3, 20): the steps a trial trains are the user's max_steps.
 * - No early-stopping rate s: the first rung is min_steps (the paper's s raises it to r · η^s; a
 *   larger min_steps does the same).
 * - A non-finite value (a diverged run, a degenerate embedding) never continues.
 * - The paper runs until stopped; here the budget ends it (`nextTrial`).
 */
import type { AshaSettings, Budget, Direction, Parameters } from './space.ts';
import type { Observation } from './tpe-sampler.ts';

/** The steps of each rung: min_steps · η^k below the top, max_steps at the top. */
export function ashaRungs(settings: AshaSettings): number[] {
  const { min_steps: min, max_steps: max, reduction_factor: eta } = settings;
  const rungs = [min];
  // The schema ensures min · η ≤ max; each rung pushed keeps (last rung) · η ≤ max.
  while (rungs[rungs.length - 1] * eta * eta <= max) rungs.push(rungs[rungs.length - 1] * eta);
  rungs.push(max);
  return rungs;
}

/** The rungs a trial is judged at: every rung below the top (at the top it has finished). */
export function judgedRungs(settings: AshaSettings): number[] {
  return ashaRungs(settings).slice(0, -1);
}

export type RungDecision = 'continue' | 'prune';

/** Lower is better: the value signed by the direction; non-finite values are never better than anything. */
const better = (a: number, b: number, direction: Direction) =>
  Number.isFinite(a) && (!Number.isFinite(b) || (direction === 'minimize' ? a < b : a > b));

/**
 * The stopping rule: a trial whose objective at a rung is `value`, where `earlier` holds the
 * values recorded at that rung before it (any order), continues iff `value` is finite and fewer
 * than ⌈n / η⌉ of the n = earlier.length + 1 values are strictly better than it.
 */
export function rungDecision(earlier: readonly number[], value: number, eta: number, direction: Direction): RungDecision {
  if (!Number.isFinite(value)) return 'prune';
  const n = earlier.length + 1;
  const keep = Math.ceil(n / eta);
  const betterCount = earlier.filter((other) => better(other, value, direction)).length;
  return betterCount < keep ? 'continue' : 'prune';
}

/** One rung decision as a study's log records it, in the order the decisions were made. */
export interface RungReport {
  trial: number;
  /** The rung's index k (its steps are ashaRungs(settings)[k]). */
  rung: number;
  value: number;
  decision: RungDecision;
}

/** The decision for `trial` reporting `value` at rung `rung`, given the reports logged before it. */
export function decideAtRung(log: readonly RungReport[], rung: number, value: number, eta: number, direction: Direction): RungDecision {
  const earlier = log.filter((report) => report.rung === rung).map((report) => report.value);
  return rungDecision(earlier, value, eta, direction);
}

/**
 * Checks that every decision of a log is the one the rule makes given the reports before it
 * (a log from another version of the rule, or edited by hand, is refused with the first entry
 * that differs).
 */
export function checkRungLog(log: readonly RungReport[], eta: number, direction: Direction): void {
  log.forEach((report, index) => {
    const decision = decideAtRung(log.slice(0, index), report.rung, report.value, eta, direction);
    if (decision !== report.decision)
      throw new Error(
        `entry ${index} of the log (trial ${report.trial} at rung ${report.rung}, value ${report.value}) says ${report.decision}, but the rule decides ${decision}`,
      );
  });
}

/** A trial as the budget sees it: still training, or finished after `steps` training steps. */
export interface TrialSpend {
  trial: number;
  running: boolean;
  /** Steps trained (a finished trial's; ignored while it runs). */
  steps: number;
}

export type NextTrial = { kind: 'start'; trial: number } | { kind: 'wait' } | { kind: 'done' };

/**
 * Whether a free worker starts a new trial, waits, or the study is done. Trials are numbered from
 * 0 in the order they start. A new trial starts only if it fits in both budgets whatever happens:
 * fewer than `budget.trials` have started, and the steps the finished trials trained plus
 * `trialSteps` (a trial's most: asha.max_steps) for each running trial and for the new one are at
 * most `budget.steps`, so the study never trains more than budget.steps in all. When a trial does
 * not fit but others still run (a pruned one frees what it did not train), the worker waits.
 */
export function nextTrial(budget: Budget, trialSteps: number, trials: readonly TrialSpend[]): NextTrial {
  const running = trials.filter((t) => t.running).length;
  const committed = trials.reduce((sum, t) => sum + (t.running ? trialSteps : t.steps), 0);
  const trialsFit = budget.trials === undefined || trials.length < budget.trials;
  const stepsFit = budget.steps === undefined || committed + trialSteps <= budget.steps;
  if (trialsFit && stepsFit) return { kind: 'start', trial: trials.length };
  return running > 0 ? { kind: 'wait' } : { kind: 'done' };
}

/** A finished trial as a search records it. */
export interface FinishedTrial {
  trial: number;
  params: Parameters;
  status: 'completed' | 'pruned' | 'nan' | 'failed';
  /** The objective: at the end (completed), or at the rung it was pruned at. */
  value: number;
  /** The steps at which `value` was measured. */
  steps: number;
}

/**
 * What the sampler learns from the finished trials: completed ones with their final value,
 * pruned ones with their value at the rung they stopped at (Optuna's TPE ranks them after the
 * complete ones, those that got further first). A run that ended as NaN counts as pruned at step
 * 0 with no value, the worst place there is, so TPE is steered away from where runs diverge; a
 * failed run (a bug, not a result) is left out, as Optuna leaves out failed trials.
 */
export function trialObservations(trials: readonly FinishedTrial[]): Observation[] {
  return trials
    .filter((t) => t.status !== 'failed')
    .map((t) =>
      t.status === 'nan'
        ? { trial: t.trial, params: t.params, value: NaN, status: 'pruned' as const, steps: 0 }
        : {
            trial: t.trial,
            params: t.params,
            value: t.value,
            status: t.status === 'completed' ? ('complete' as const) : ('pruned' as const),
            steps: t.steps,
          },
    );
}
