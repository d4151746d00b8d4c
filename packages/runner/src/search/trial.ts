/**
 * A search trial as it trains: at each rung below asha.max_steps its validation objective is
 * scored, recorded as values at that step of the run (rung_objective and every validation_<metric>),
 * and judged by the stopping rule against the values the search's log holds at that rung. Runs in
 * whichever process trains the trial (this one, or a --jobs worker): the log is in the shared
 * store, and each decision is made and recorded under its write lock.
 */
import { decideAtRung, type Direction, type RungDecision, type RungReport } from '@siamese-lab/search';
import type { SiameseModel } from '@siamese-lab/model';
import type { RunStore } from '@siamese-lab/store';
import type { RunData } from '../datasets.ts';
import type { PrunedTrial } from '../run-one.ts';
import type { PlannedRun } from '../spec/sweep.ts';
import { validationScores } from './validation-scores.ts';

/** What a process training a trial needs to judge it (plain data: it crosses to --jobs workers). */
export interface TrialContext {
  experimentId: number;
  trial: number;
  /** The steps of the rungs it is judged at. */
  rungs: number[];
  reductionFactor: number;
  direction: Direction;
  /** validation_<metric>. */
  metric: string;
}

/** The log's rung decisions, in the order they were made. */
export function rungReports(store: RunStore, experimentId: number): RungReport[] {
  return store
    .listSearchEvents(experimentId)
    .filter((event) => event.kind === 'rung')
    .map((event) => ({
      trial: event.trial,
      rung: event.rung ?? 0,
      value: event.value ?? NaN,
      decision: event.decision as RungDecision,
    }));
}

/**
 * The training hooks of a trial: `onStep` judges it at each rung, `stopped` says whether a rung
 * stopped it. A trial redone after a crash or Ctrl-C gets the decision its log already holds at a
 * rung (its value there is recorded again; the decision is not made again).
 */
export function trialJudge(store: RunStore, trial: TrialContext, run: PlannedRun, runId: number, data: RunData) {
  let pruned: PrunedTrial | undefined;
  const onStep = (step: number, model: SiameseModel) => {
    const rung = trial.rungs.indexOf(step);
    if (rung < 0 || pruned) return;
    const scores = validationScores(model, data.validation, run.spec);
    const value = scores[trial.metric] ?? NaN;
    store.appendStepValues(runId, step, { rung_objective: value, ...scores });
    const judged = store.exclusive((): { decision: RungDecision; value: number } => {
      const log = rungReports(store, trial.experimentId);
      const recorded = log.find((report) => report.trial === trial.trial && report.rung === rung);
      if (recorded) return recorded;
      const decision = decideAtRung(log, rung, value, trial.reductionFactor, trial.direction);
      store.recordSearchEvent(trial.experimentId, { trial: trial.trial, kind: 'rung', rung, step, value, decision });
      return { decision, value };
    });
    // The value the decision was made on (the log's, for a redone trial) is what the run records.
    if (judged.decision === 'prune') pruned = { step, metrics: { rung_objective: judged.value, pruned_at_step: step } };
  };
  return { onStep, stopped: () => pruned };
}
