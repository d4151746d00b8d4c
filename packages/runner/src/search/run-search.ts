/**
 * Running a search: trials are suggested one at a time as workers become free, each is a run of
 * the experiment (label `trial N`, through the same lease, lifecycle and store as a sweep's runs),
 * and every decision is written to the experiment's search log in the store before it is acted on:
 * a trial's parameters when it is suggested (with the trials the sampler saw), each rung decision
 * when it is made (search/trial.ts).
 *
 * Resuming (the same `lab run FILE` after a crash or Ctrl-C) reads the log: suggested trials that
 * did not finish are trained again with their logged parameters, and their rung decisions are
 * taken from the log; new trials are suggested from the finished ones. With one job every trial
 * is suggested after all earlier ones finished, so the same file and seed give the same trials
 * whether or not the search was killed and resumed. With several jobs a trial is suggested from
 * the trials finished at that moment and decided against the rung values recorded so far, which
 * depend on timing; the log records both, so the study can be replayed from it (`replaySearchLog`).
 */
import { LabError } from '@siamese-lab/core';
import { finishedStatuses, type RunRecord } from '@siamese-lab/run-record';
import {
  checkRungLog,
  nextTrial,
  suggestParameters,
  suggestRandom,
  trialObservations,
  type FinishedTrial,
  type Parameters,
} from '@siamese-lab/search';
import type { RunStore, SearchEvent } from '@siamese-lab/store';
import { countRun, type ExperimentOutcome, type RunExperimentOptions, type RunTally } from '../experiment-run.ts';
import { createLocalRunner } from '../execute.ts';
import { runInWorkerProcesses, type WorkItem, type WorkSource } from '../parallel.ts';
import type { ExperimentSpec } from '../spec/parse.ts';
import { trialRun, type SearchPlan } from '../spec/search.ts';
import { rungReports, type TrialContext } from './trial.ts';

/** A search experiment's spec as the store keeps it (what `lab search best` and the report read). */
export interface StoredSearchSpec {
  /** Base with every default filled in. */
  base: unknown;
  /** Base as the file wrote it. */
  rawBase: Record<string, unknown>;
  search: SearchPlan['settings'];
  fingerprint: string;
  trialSteps: number;
}

/** What a suggest event records. */
export interface SuggestData {
  params: Parameters;
  /** The finished trials the sampler was given (their numbers). */
  observed: number[];
  fingerprint: string;
}

/** The plan preflight checks for a search: its first trial's run, as random search draws it. */
export function searchPreflightPlan(experiment: ExperimentSpec): ExperimentSpec {
  const plan = experiment.search!;
  const first = trialRun(plan, 0, suggestRandom(plan.settings.space, plan.settings.seed, 0));
  return { ...experiment, search: undefined, runs: [first] };
}

/** A finished trial as the sampler sees it, from its run and final metrics. */
function finishedTrial(
  plan: SearchPlan,
  trial: number,
  params: Parameters,
  run: RunRecord,
  metrics: Record<string, number | null>,
): FinishedTrial {
  const status = run.status as FinishedTrial['status'];
  if (status === 'pruned')
    return { trial, params, status, value: metrics.rung_objective ?? NaN, steps: metrics.pruned_at_step ?? run.stepsDone };
  return { trial, params, status, value: metrics[plan.metric] ?? NaN, steps: status === 'completed' ? plan.trialSteps : run.stepsDone };
}

const isFinishedOrFailed = (status: string) => finishedStatuses.includes(status as never) || status === 'failed';

/** The log's suggested trials, by trial number. */
function suggestions(events: SearchEvent[]): Map<number, SuggestData> {
  return new Map(events.filter((event) => event.kind === 'suggest').map((event) => [event.trial, event.data as SuggestData]));
}

/** Refuses to continue a log written for another search block or base (its trials are not this search's). */
function checkFingerprint(store: RunStore, experimentId: number, experiment: ExperimentSpec): void {
  const plan = experiment.search!;
  const other = store
    .listSearchEvents(experimentId)
    .find((event) => event.kind === 'suggest' && (event.data as SuggestData).fingerprint !== plan.fingerprint);
  if (other) {
    throw new LabError(`the store holds trials of \`${experiment.name}\` suggested for another search block or base`, {
      location: experiment.filePath,
      field: 'search',
      hint: `a search resumes only with the file it started with: restore it, rename the experiment, or remove the old trials (pnpm lab rm ${experiment.name})`,
    });
  }
}

/**
 * The study as workers take trials from it: the store is read afresh at every take (other
 * processes write trials' ends and rung decisions to it), the decisions written before a trial
 * is handed out.
 */
function createStudy(store: RunStore, experimentId: number, experiment: ExperimentSpec, force: boolean): WorkSource {
  const plan = experiment.search!;
  const { settings } = plan;
  /** Trials handed out by this process (not handed out again: a failed one waits for the next `lab run`). */
  const attempted = new Set<number>();
  const inFlight = new Set<number>();
  const context = (trial: number): TrialContext => ({
    experimentId,
    trial,
    rungs: plan.rungs,
    reductionFactor: settings.asha?.reduction_factor ?? 1,
    direction: settings.objective.direction,
    metric: plan.metric,
  });
  const toRun = settings.budget.trials ?? 0;
  const item = (trial: number, params: Parameters): WorkItem => {
    const run = trialRun(plan, trial, params);
    const stored = store.planRun(experimentId, { runIndex: trial, configHash: run.configHash, label: run.label, params: run.params });
    attempted.add(trial);
    inFlight.add(trial);
    return { run, runId: stored.id, position: trial + 1, toRun, trial: context(trial) };
  };
  return {
    size: Infinity,
    take() {
      const logged = suggestions(store.listSearchEvents(experimentId));
      const runs = new Map(store.listRuns({ experiment: experiment.name }).map((run) => [run.runIndex, run]));
      // First the logged trials that did not finish (a crash, Ctrl-C, a failure last time): same parameters.
      for (const [trial, data] of [...logged].sort((a, b) => a[0] - b[0])) {
        const status = runs.get(trial)?.status ?? 'queued';
        if (!attempted.has(trial) && (force || !finishedStatuses.includes(status))) return item(trial, data.params);
      }
      const spends = [...logged.keys()].map((trial) => {
        const run = runs.get(trial);
        const running = inFlight.has(trial) || run === undefined || run.status === 'running';
        return { trial, running, steps: run?.stepsDone ?? 0 };
      });
      const next = nextTrial(settings.budget, plan.trialSteps, spends);
      if (next.kind === 'done') return undefined;
      if (next.kind === 'wait') return 'wait';
      const finished: FinishedTrial[] = [];
      for (const [trial, data] of logged) {
        const run = runs.get(trial);
        if (run && isFinishedOrFailed(run.status) && !inFlight.has(trial))
          finished.push(finishedTrial(plan, trial, data.params, run, store.getFinalMetrics(run.id)));
      }
      const params = suggestParameters(settings, next.trial, trialObservations(finished));
      const observed = finished.map((t) => t.trial).sort((a, b) => a - b);
      const event = store.recordSearchEvent(experimentId, {
        trial: next.trial,
        kind: 'suggest',
        data: { params, observed, fingerprint: plan.fingerprint } satisfies SuggestData,
      });
      return item(next.trial, (event.data as SuggestData).params);
    },
    done(work: WorkItem, _tally: RunTally) {
      inFlight.delete(work.trial!.trial);
    },
  };
}

/**
 * Runs a search until its budget is spent (or the user stops it), in this process or, with
 * `jobs` > 1, in that many worker processes that each take the next trial when they are free.
 */
export async function runSearch(experiment: ExperimentSpec, options: RunExperimentOptions): Promise<ExperimentOutcome> {
  const plan = experiment.search!;
  const { store } = options;
  const record = store.upsertExperiment({
    name: experiment.name,
    description: experiment.description,
    filePath: experiment.filePath,
    spec: {
      base: experiment.base,
      search: plan.settings,
      fingerprint: plan.fingerprint,
      rawBase: plan.rawBase,
      trialSteps: plan.trialSteps,
    } satisfies StoredSearchSpec,
    sweepKeys: plan.parameters,
  });
  checkFingerprint(store, record.id, experiment);
  const finished = store.listRuns({ experiment: experiment.name }).filter((run) => finishedStatuses.includes(run.status)).length;
  const outcome: ExperimentOutcome = {
    experimentId: record.id,
    completed: 0,
    nan: 0,
    failed: 0,
    pruned: 0,
    skipped: options.force ? 0 : finished,
    busy: 0,
    interrupted: null,
    interruptedRuns: [],
  };
  const total = plan.settings.budget.trials ?? finished;
  options.onEvent?.({ kind: 'plan', total, toRun: Math.max(0, total - outcome.skipped), skipped: outcome.skipped });
  const study = createStudy(store, record.id, experiment, options.force ?? false);
  if ((options.jobs ?? 1) > 1) {
    await runInWorkerProcesses(experiment, study, outcome, { ...options, jobs: options.jobs! });
    return outcome;
  }
  const runStored = createLocalRunner(experiment, options);
  for (let work = study.take(); work !== undefined; work = study.take()) {
    // One process waits only for a trial another process trains: leave it to that one.
    if (work === 'wait') break;
    const tally = await runStored(work.run, work.runId, work.position, work.toRun, work.trial);
    countRun(outcome, tally, work.runId, work.run);
    study.done!(work, tally);
    if (tally.status === 'interrupted') break;
  }
  return outcome;
}

/**
 * Replays a search from its log and the store: every rung decision is the rule's given the rung
 * values logged before it, and every suggested trial's parameters are the sampler's given the
 * finished trials it recorded seeing. Throws at the first entry that differs.
 */
export function replaySearchLog(store: RunStore, experiment: ExperimentSpec): { trials: number; decisions: number } {
  const plan = experiment.search!;
  const stored = store.getExperiment(experiment.name);
  if (!stored) throw new LabError(`no experiment named \`${experiment.name}\``);
  const events = store.listSearchEvents(stored.id);
  const rungLog = rungReports(store, stored.id);
  if (plan.settings.asha) checkRungLog(rungLog, plan.settings.asha.reduction_factor, plan.settings.objective.direction);
  const logged = suggestions(events);
  const runs = new Map(store.listRuns({ experiment: experiment.name }).map((run) => [run.runIndex, run]));
  for (const [trial, data] of logged) {
    const seen = data.observed.map((other) => {
      const run = runs.get(other);
      if (!run) throw new Error(`trial ${trial} saw trial ${other}, which has no run`);
      return finishedTrial(plan, other, logged.get(other)!.params, run, store.getFinalMetrics(run.id));
    });
    const again = suggestParameters(plan.settings, trial, trialObservations(seen));
    if (JSON.stringify(again) !== JSON.stringify(data.params))
      throw new Error(`trial ${trial}: the log has ${JSON.stringify(data.params)}, the sampler gives ${JSON.stringify(again)}`);
  }
  return { trials: logged.size, decisions: rungLog.length };
}
