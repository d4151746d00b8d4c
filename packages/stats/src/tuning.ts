/**
 * Tuning as data: in each group of runs that share the values of `per` (e.g. a dataset and a loss
 * kind), the setting of the other parameters (e.g. the loss's margin) whose runs have the best
 * mean of a validation metric is kept; the runs of the other settings are left out of what is
 * then compared. Selection never reads a test metric, so the test scores of the kept runs are an
 * honest estimate (the protocol of Musgrave et al., "A Metric Learning Reality Check", 2020).
 */
import type { Interval } from './descriptive.ts';
import { parameterKey, summarizeGroup, type Observation, type ParameterValue } from './groups.ts';

export interface TuningRule {
  /** The metric settings are chosen by: a validation metric (validation_map_at_r, ...). */
  metric: string;
  direction: 'maximize' | 'minimize';
  /** The parameters that define a group; every other parameter but the seed is tuned within it. */
  per: readonly string[];
}

export interface TunedChoice {
  /** The group: its value of each `per` parameter. */
  group: Record<string, ParameterValue>;
  /** The chosen setting: the tuned parameters' values (those that differ between the group's candidates). */
  chosen: Record<string, ParameterValue>;
  /** The chosen setting's mean of the tuning metric, and how many runs gave it. */
  value: number;
  n: number;
  /** Every candidate of the group with its mean (NaN without a finite value), in the order met. */
  candidates: Array<{ setting: Record<string, ParameterValue>; mean: number; n: number }>;
}

export interface TuningResult {
  /** The runs of the chosen settings: what claims and rankings use. */
  selected: Observation[];
  choices: TunedChoice[];
}

const groupKey = (run: Observation, keys: readonly string[]) => keys.map((key) => parameterKey(run.params[key])).join('|');

/** The parameters other than the seed and `per`, as one key: a candidate setting within a group. */
function settingOf(run: Observation, per: readonly string[]): Record<string, ParameterValue> {
  return Object.fromEntries(Object.entries(run.params).filter(([key]) => key !== 'seed' && !per.includes(key)));
}

/** Chooses, per group, the setting with the best mean tuning metric (ties: the first met); a setting without a finite value is never chosen over one with. */
export function selectTuned(runs: readonly Observation[], rule: TuningRule): TuningResult {
  const groups = new Map<string, Observation[]>();
  for (const run of runs) {
    const key = groupKey(run, rule.per);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const selected: Observation[] = [];
  const choices: TunedChoice[] = [];
  for (const members of groups.values()) {
    const candidates = new Map<string, Observation[]>();
    for (const run of members) {
      const key = JSON.stringify(Object.entries(settingOf(run, rule.per)).map(([name, value]) => [name, parameterKey(value)]));
      candidates.set(key, [...(candidates.get(key) ?? []), run]);
    }
    const scored = [...candidates.values()].map((candidateRuns) => {
      const summary = summarizeGroup(null, candidateRuns, rule.metric, 0.95);
      return { runs: candidateRuns, mean: summary.n > 0 ? summary.mean : NaN, n: summary.n };
    });
    const better = (a: number, b: number) =>
      Number.isNaN(b) ? !Number.isNaN(a) : !Number.isNaN(a) && (rule.direction === 'maximize' ? a > b : a < b);
    let best = scored[0];
    for (const candidate of scored.slice(1)) if (better(candidate.mean, best.mean)) best = candidate;
    // Name only the parameters that differ between candidates: those are what was tuned.
    const settings = scored.map((candidate) => settingOf(candidate.runs[0], rule.per));
    const tuned = Object.keys(settings[0]).filter((key) =>
      settings.some((setting) => parameterKey(setting[key]) !== parameterKey(settings[0][key])),
    );
    const pick = (setting: Record<string, ParameterValue>) => Object.fromEntries(tuned.map((key) => [key, setting[key]]));
    selected.push(...best.runs);
    choices.push({
      group: Object.fromEntries(rule.per.map((key) => [key, members[0].params[key]])),
      chosen: pick(settingOf(best.runs[0], rule.per)),
      value: best.mean,
      n: best.n,
      candidates: scored.map((candidate, index) => ({ setting: pick(settings[index]), mean: candidate.mean, n: candidate.n })),
    });
  }
  return { selected, choices };
}

/** A metric's mean and t-interval over the finished runs of each chosen setting: the rows of a tuned ranking. */
export function tunedScores(
  result: TuningResult,
  rule: TuningRule,
  metric: string,
  confidence = 0.95,
): Array<TunedChoice & { scored: { mean: number; n: number; interval: Interval | null } }> {
  return result.choices.map((choice) => {
    const chosenRuns = result.selected.filter((run) =>
      rule.per.every((key) => parameterKey(run.params[key]) === parameterKey(choice.group[key])),
    );
    const summary = summarizeGroup(null, chosenRuns, metric, confidence);
    return { ...choice, scored: { mean: summary.n ? summary.mean : NaN, n: summary.n, interval: summary.interval } };
  });
}

/**
 * The runs and grouping keys claims are decided on: all runs and the sweep's keys without a rule;
 * with one, the runs of the chosen settings, grouped by the rule's `per` parameters (the tuned
 * parameters differ between groups by construction, so they no longer split them).
 */
export function runsForClaims(
  runs: readonly Observation[],
  sweepKeys: readonly string[],
  rule: TuningRule | undefined,
): { runs: readonly Observation[]; sweepKeys: readonly string[] } {
  if (!rule) return { runs, sweepKeys };
  return { runs: selectTuned(runs, rule).selected, sweepKeys: [...rule.per, 'seed'] };
}
