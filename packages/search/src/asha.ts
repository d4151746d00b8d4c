/**
 * The asynchronous successive halving rule (ASHA: Li, Jamieson, Rostamizadeh, Gonina, Ben-tzur,
 * Hardt, Recht and Talwalkar, "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020,
 * Algorithm 2).
 *
 * Rungs: r_k = min_steps · η^k for k = 0 … K − 1, and the top rung r_K = max_steps, where K is the
 * largest k with min_steps · η^k ≤ max_steps. A free worker asks `promotionFor(state)`: from the
 * rung below the top down to rung 0, the best trial among the top ⌊n_k / η⌋ of the n_k trials that
 * reported at rung k and that has not been promoted from it yet is promoted to rung k + 1; if
 * there is none, a new trial starts at rung 0. No worker waits for a whole rung to fill.
 *
 * The state is a plain, serialisable record: the settings, the budget and a log of what happened
 * in order (a trial started or promoted, a rung's value reported). Every decision is a function of
 * the log before it, so replaying a study's log (`replayAsha`) reproduces each decision, however
 * the workers' reports interleaved.
 *
 * Where this differs from the paper, and why:
 * - The top rung is max_steps, not min_steps · η^K when max_steps is not such a power: the budget
 *   a trial may train is the user's max_steps; the last promotion trains between η and η² times
 *   the steps of the rung below (e.g. η = 3, min 1, max 9: rungs 1, 3, 9; max 20: rungs 1, 3, 20).
 * - No early-stopping rate s: the first rung is min_steps (the paper's s raises it to r · η^s; a
 *   larger min_steps does the same).
 * - The paper runs until stopped. Here the budget ends it: no trial starts once `budget.trials`
 *   have, and no job is given whose steps (r_{k+1} − r_k for a promotion, counted as if the trial
 *   resumes from its rung-k checkpoint, as in the paper; r_0 for a new trial) do not fit in what is left of `budget.steps`. Then a
 *   free worker waits while trials still run (a report may make a promotion possible), and the
 *   study is done when none do.
 * - Ranking within a rung is by the objective, ties by trial number; a non-finite value (a run
 *   that ended as NaN) ranks last and is never promoted.
 * - Pruned is a status at the end: a trial that reported at a rung below the top and was not
 *   promoted from it when the study is done. Before that it is paused, as in the paper, since a
 *   later promotion may still pick it.
 */
import type { AshaSettings, Budget, Direction, Parameters } from './space.ts';
import type { Observation } from './tpe-sampler.ts';

export type AshaEntry =
  /** A new trial starts and trains to rung 0. */
  | { kind: 'start'; trial: number; rung: 0; from_steps: 0; steps: number }
  /** A trial resumes from its last rung and trains to `rung`. */
  | { kind: 'promote'; trial: number; rung: number; from_steps: number; steps: number }
  /** A trial's objective at a rung (measured on the validation split by the runner). */
  | { kind: 'report'; trial: number; rung: number; value: number };

export type AshaJob = Extract<AshaEntry, { kind: 'start' | 'promote' }>;

/** What a free worker does next: a job, wait for a running trial's report, or nothing more. */
export type AshaDecision = AshaJob | { kind: 'wait' } | { kind: 'done' };

export interface AshaState {
  settings: AshaSettings;
  direction: Direction;
  budget: Budget;
  log: AshaEntry[];
}

export function createAsha(settings: AshaSettings, direction: Direction, budget: Budget): AshaState {
  return { settings, direction, budget, log: [] };
}

/** The steps of each rung: min_steps · η^k below the top, max_steps at the top. */
export function ashaRungs(settings: AshaSettings): number[] {
  const { min_steps: min, max_steps: max, reduction_factor: eta } = settings;
  const rungs = [min];
  // The schema ensures min · η ≤ max; each rung pushed keeps (last rung) · η ≤ max.
  while (rungs[rungs.length - 1] * eta * eta <= max) rungs.push(rungs[rungs.length - 1] * eta);
  rungs.push(max);
  return rungs;
}

interface View {
  rungs: number[];
  /** Reports per rung, in the order they came. */
  reports: { trial: number; value: number }[][];
  /** `${trial}:${k}` for every trial promoted from rung k. */
  promoted: Set<string>;
  /** Trials with a job whose report has not come yet, with the rung they train to. */
  running: Map<number, number>;
  started: number;
  stepsSpent: number;
}

function view(state: AshaState): View {
  const rungs = ashaRungs(state.settings);
  const v: View = { rungs, reports: rungs.map(() => []), promoted: new Set(), running: new Map(), started: 0, stepsSpent: 0 };
  for (const entry of state.log) {
    if (entry.kind === 'report') {
      v.reports[entry.rung].push({ trial: entry.trial, value: entry.value });
      v.running.delete(entry.trial);
      continue;
    }
    if (entry.kind === 'start') v.started++;
    else v.promoted.add(`${entry.trial}:${entry.rung - 1}`);
    v.running.set(entry.trial, entry.rung);
    v.stepsSpent += entry.steps - entry.from_steps;
  }
  return v;
}

/** A rung's reports best first: by the objective in its direction, non-finite last, ties by trial. */
function ranked(reports: { trial: number; value: number }[], direction: Direction): { trial: number; value: number }[] {
  const key = (value: number) => (Number.isFinite(value) ? (direction === 'minimize' ? value : -value) : Infinity);
  return [...reports].sort((a, b) => {
    const ka = key(a.value);
    const kb = key(b.value);
    return ka === kb ? a.trial - b.trial : ka - kb;
  });
}

/** The decision for the next free worker (ASHA's get_job, within the budget). */
export function promotionFor(state: AshaState): AshaDecision {
  const v = view(state);
  const eta = state.settings.reduction_factor;
  const stepsLeft = state.budget.steps === undefined ? Infinity : state.budget.steps - v.stepsSpent;
  for (let k = v.rungs.length - 2; k >= 0; k--) {
    const top = ranked(v.reports[k], state.direction).slice(0, Math.floor(v.reports[k].length / eta));
    const candidate = top.find((r) => Number.isFinite(r.value) && !v.promoted.has(`${r.trial}:${k}`));
    if (candidate && v.rungs[k + 1] - v.rungs[k] <= stepsLeft)
      return { kind: 'promote', trial: candidate.trial, rung: k + 1, from_steps: v.rungs[k], steps: v.rungs[k + 1] };
  }
  const trialsLeft = state.budget.trials === undefined ? Infinity : state.budget.trials - v.started;
  if (trialsLeft > 0 && v.rungs[0] <= stepsLeft) return { kind: 'start', trial: v.started, rung: 0, from_steps: 0, steps: v.rungs[0] };
  return v.running.size > 0 ? { kind: 'wait' } : { kind: 'done' };
}

const describeJob = (job: AshaDecision) =>
  job.kind === 'start' || job.kind === 'promote'
    ? `${job.kind} trial ${job.trial} to rung ${job.rung} (${job.from_steps} -> ${job.steps} steps)`
    : job.kind;

function sameJob(a: AshaDecision, b: AshaJob): boolean {
  return (
    (a.kind === 'start' || a.kind === 'promote') &&
    a.kind === b.kind &&
    a.trial === b.trial &&
    a.rung === b.rung &&
    a.from_steps === b.from_steps &&
    a.steps === b.steps
  );
}

/**
 * The state with a job handed to a worker appended to its log. The job must be the rule's decision
 * for this state (`promotionFor`), so that the log only ever holds decisions a replay reproduces.
 */
export function recordJob(state: AshaState, job: AshaJob): AshaState {
  const decision = promotionFor(state);
  if (!sameJob(decision, job)) throw new Error(`the job is ${describeJob(job)}, but the rule decides ${describeJob(decision)} here`);
  return { ...state, log: [...state.log, { ...job }] };
}

/** The state with a trial's objective at the rung it was training to appended to its log. */
export function recordReport(state: AshaState, trial: number, value: number): AshaState {
  const rung = view(state).running.get(trial);
  if (rung === undefined) throw new Error(`trial ${trial} has no job waiting for a report`);
  return { ...state, log: [...state.log, { kind: 'report', trial, rung, value }] };
}

/**
 * Rebuild a study from its log, checking that every recorded job is the decision the rule makes at
 * that point (a log from another version of the rule, or edited by hand, is refused).
 */
export function replayAsha(settings: AshaSettings, direction: Direction, budget: Budget, log: AshaEntry[]): AshaState {
  let state = createAsha(settings, direction, budget);
  log.forEach((entry, index) => {
    if (entry.kind === 'report') {
      state = recordReport(state, entry.trial, entry.value);
      return;
    }
    const decision = promotionFor(state);
    if (!sameJob(decision, entry))
      throw new Error(`entry ${index} of the log is ${describeJob(entry)}, but the rule decides ${describeJob(decision)} there`);
    state = recordJob(state, entry);
  });
  return state;
}

export type AshaTrialStatus = 'running' | 'paused' | 'completed' | 'pruned';

export interface AshaTrial {
  trial: number;
  /** The highest rung it reported at (-1 before its first report). */
  rung: number;
  steps: number;
  /** Its value at that rung (NaN before its first report). */
  value: number;
  status: AshaTrialStatus;
}

/**
 * Every trial's standing: running (a job in hand), completed (reported at the top rung), paused
 * (reported below the top and may still be promoted) or pruned (the same, once the study is done).
 */
export function ashaTrials(state: AshaState): AshaTrial[] {
  const v = view(state);
  const done = promotionFor(state).kind === 'done';
  const trials: AshaTrial[] = [];
  for (let trial = 0; trial < v.started; trial++) {
    let rung = -1;
    let value = NaN;
    v.reports.forEach((reports, k) => {
      const report = reports.find((r) => r.trial === trial);
      if (report) [rung, value] = [k, report.value];
    });
    const top = rung === v.rungs.length - 1;
    const status: AshaTrialStatus = v.running.has(trial) ? 'running' : top ? 'completed' : done ? 'pruned' : 'paused';
    trials.push({ trial, rung, steps: rung < 0 ? 0 : v.rungs[rung], value, status });
  }
  return trials;
}

/** Training steps handed out so far (what budget.steps counts). */
export function ashaStepsSpent(state: AshaState): number {
  return view(state).stepsSpent;
}

/**
 * What the sampler learns from an ASHA study: every trial that is not running, with its value at
 * the highest rung it reached; complete at the top rung, pruned below it. A paused trial counts as
 * pruned at its last rung (Optuna's pruner stops a trial when it reports, so its TPE sees the same);
 * should ASHA promote it later, it leaves the observations while it runs and comes back with the
 * new rung's value. `params[t]` is trial t's parameters.
 */
export function ashaObservations(state: AshaState, params: Parameters[]): Observation[] {
  return ashaTrials(state)
    .filter((t) => t.status !== 'running' && t.rung >= 0)
    .map((t) => ({
      trial: t.trial,
      params: params[t.trial],
      value: t.value,
      status: t.status === 'completed' ? ('complete' as const) : ('pruned' as const),
      steps: t.steps,
    }));
}
