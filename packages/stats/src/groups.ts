/**
 * Groups of runs compared on a metric: the runs of each value of one parameter, per setting of
 * the other swept parameters (or pooled over them), summarised with a t interval of the mean,
 * and each pair of groups compared with a bootstrap interval of the difference, Welch's t, a
 * permutation test and Hedges' g; the share of runs that ended as NaN with Fisher's exact test.
 */
import { meanInterval, mean, standardDeviation, type Interval } from './descriptive.ts';
import { hedgesG } from './effect-size.ts';
import { bootstrapDifferenceInterval, type BootstrapInterval } from './bootstrap.ts';
import { permutationTest, type PermutationTestResult } from './permutation.ts';
import { fisherExactTest, type FisherResult } from './proportions.ts';
import { welchTTest, type TTestResult } from './t-tests.ts';
import { formatInterval, formatP, formatParameter, formatSigned, formatStatistic } from './format.ts';

export type ParameterValue = string | number | boolean | null;

/** One run as the statistics see it. */
export interface Observation {
  id?: string | number;
  status: string;
  params: Record<string, ParameterValue>;
  metrics: Record<string, number | null>;
}

/** Derived metrics: computed from the runs' statuses, not recorded by a run. */
export const nanRunsMetric = 'nan_runs';
const finishedStatuses = ['completed', 'nan'];

/** A parameter value to compare by: numbers by value (1e-6 = 0.000001), everything else as text. */
export function parameterKey(value: ParameterValue | undefined): string {
  return typeof value === 'number' ? `n:${value}` : `s:${String(value ?? null)}`;
}

export interface GroupSummary {
  value: ParameterValue;
  label: string;
  /** Finished runs (completed or nan) in the group. */
  runs: number;
  /** Runs that ended as NaN: counted here whatever the metric. */
  nanRuns: number;
  /** Finished runs without a finite value of the metric (usually the NaN runs): left out of mean and sd, and said so. */
  withoutValue: number;
  /** Runs of the group that have not finished (queued, running, failed, interrupted): not used. */
  unfinished: number;
  /** The finite values the statistics use. */
  values: number[];
  n: number;
  mean: number;
  sd: number;
  /** Null with fewer than two values. */
  interval: Interval | null;
}

export interface PairComparison {
  metric: string;
  a: GroupSummary;
  b: GroupSummary;
  /** mean(a) − mean(b); for nan_runs the difference of the shares. */
  difference: number;
  bootstrap: BootstrapInterval | null;
  welch: TTestResult | null;
  permutation: PermutationTestResult | null;
  hedgesG: number;
  /** nan_runs only. */
  fisher: FisherResult | null;
  sentence: string;
}

export interface Setting {
  /** The values of the other swept parameters that this comparison holds fixed; empty when pooled. */
  fixed: Record<string, ParameterValue>;
  groups: GroupSummary[];
  pairs: PairComparison[];
}

export interface GroupComparison {
  metric: string;
  by: string;
  pooled: boolean;
  confidence: number;
  settings: Setting[];
}

export interface CompareOptions {
  metric: string;
  by: string;
  /** The experiment's swept parameters ('seed' among them or not): what "the other parameters" are. */
  sweepKeys: readonly string[];
  /** Pool over the other swept parameters instead of comparing within each of their settings. */
  pool?: boolean;
  /** Only runs whose parameters have these values. */
  where?: Record<string, ParameterValue>;
  confidence?: number;
  /** Seed of the bootstrap and Monte Carlo permutation draws. */
  seed?: number;
}

function isFinished(run: Observation): boolean {
  return finishedStatuses.includes(run.status);
}

export function matchesWhere(run: Observation, where: Record<string, ParameterValue> | undefined): boolean {
  return !where || Object.entries(where).every(([key, value]) => parameterKey(run.params[key]) === parameterKey(value));
}

/** The values a parameter takes over the runs, in first-seen order. */
export function distinctValues(runs: ReadonlyArray<Pick<Observation, 'params'>>, key: string): ParameterValue[] {
  const seen = new Map<string, ParameterValue>();
  for (const run of runs) if (!seen.has(parameterKey(run.params[key]))) seen.set(parameterKey(run.params[key]), run.params[key] ?? null);
  return [...seen.values()];
}

export function summarizeGroup(value: ParameterValue, runs: readonly Observation[], metric: string, confidence: number): GroupSummary {
  const finished = runs.filter(isFinished);
  const nanRuns = finished.filter((run) => run.status === 'nan').length;
  const values =
    metric === nanRunsMetric
      ? finished.map((run) => (run.status === 'nan' ? 1 : 0))
      : finished.map((run) => run.metrics[metric]).filter((entry): entry is number => typeof entry === 'number' && Number.isFinite(entry));
  return {
    value,
    label: formatParameter(value),
    runs: finished.length,
    nanRuns,
    withoutValue: finished.length - values.length,
    unfinished: runs.length - finished.length,
    values,
    n: values.length,
    mean: mean(values),
    sd: standardDeviation(values),
    interval: meanInterval(values, confidence),
  };
}

function describeGroup(group: GroupSummary, metric: string): string {
  if (metric === nanRunsMetric) return `${group.label} ${group.nanRuns}/${group.runs} NaN`;
  if (group.n === 0) return `${group.label} (no value)`;
  return `${group.label} ${formatStatistic(group.mean)} ${group.n === 1 ? '(one run)' : formatInterval(group.interval)}`;
}

/** "n = 6 vs 4 (+2 NaN runs without a value)": what went into the numbers, and what did not. */
function describeCounts(a: GroupSummary, b: GroupSummary): string {
  const left = [a, b].map((group) => `${group.n}`).join(' vs ');
  const notes = [a, b]
    .filter((group) => group.withoutValue > 0 || group.unfinished > 0)
    .map((group) =>
      [
        group.withoutValue > 0
          ? `${group.withoutValue} run(s) of ${group.label} without a value${group.nanRuns > 0 ? ` (${group.nanRuns} ended NaN)` : ''}`
          : '',
        group.unfinished > 0 ? `${group.unfinished} run(s) of ${group.label} unfinished` : '',
      ]
        .filter(Boolean)
        .join(', '),
    );
  return `n = ${left}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

export function comparePair(a: GroupSummary, b: GroupSummary, metric: string, confidence: number, seed: number): PairComparison {
  const percent = `${Math.round(confidence * 1000) / 10}%`;
  if (metric === nanRunsMetric) {
    const fisher =
      a.runs > 0 && b.runs > 0 ? fisherExactTest({ successes: a.nanRuns, trials: a.runs }, { successes: b.nanRuns, trials: b.runs }) : null;
    const difference = fisher ? fisher.difference : NaN;
    const sentence = `${metric}: ${describeGroup(a, metric)} vs ${describeGroup(b, metric)}; difference ${formatSigned(difference)}, p = ${formatP(fisher?.p)} (Fisher's exact test), n = ${a.runs} vs ${b.runs} runs`;
    return { metric, a, b, difference, bootstrap: null, welch: null, permutation: null, hedgesG: NaN, fisher, sentence };
  }
  const difference = a.mean - b.mean;
  const welch = welchTTest(a.values, b.values, confidence);
  const bootstrap = bootstrapDifferenceInterval(a.values, b.values, { confidence, seed });
  const permutation = permutationTest(a.values, b.values, { seed });
  const g = hedgesG(a.values, b.values);
  const head = `${metric}: ${describeGroup(a, metric)} vs ${describeGroup(b, metric)}`;
  let sentence: string;
  if (a.n === 0 || b.n === 0) {
    sentence = `${head}; nothing to compare (${describeCounts(a, b)})`;
  } else if (a.n < 2 || b.n < 2) {
    sentence = `${head}; difference ${formatSigned(difference)}; no interval can be given with one run in a group (${describeCounts(a, b)})`;
  } else {
    const tests = welch
      ? `p = ${formatP(welch.p)} (Welch), ${formatP(permutation?.p)} (permutation${permutation?.exact ? ', exact' : ''})`
      : 'no test: neither group varies';
    sentence = `${head}; difference ${formatSigned(difference)} ${formatInterval(bootstrap)} (${percent} bootstrap), g = ${formatStatistic(g, 2)}, ${tests}, ${describeCounts(a, b)}`;
  }
  return { metric, a, b, difference, bootstrap, welch, permutation, hedgesG: g, fisher: null, sentence };
}

/**
 * The groups of runs that share each value of `by`. Unless pooled, runs are grouped per setting
 * of the other swept parameters (seeds aside), so a comparison never mixes settings; pooled,
 * every run with the same value of `by` is one group.
 */
export function groupRuns(runs: readonly Observation[], options: CompareOptions): Array<Omit<Setting, 'pairs'>> {
  const confidence = options.confidence ?? 0.95;
  const selected = runs.filter((run) => matchesWhere(run, options.where));
  const others = options.pool
    ? []
    : options.sweepKeys.filter((key) => key !== options.by && key !== 'seed' && !(options.where && key in options.where));
  const settings = new Map<string, Observation[]>();
  for (const run of selected) {
    const key = JSON.stringify(others.map((name) => parameterKey(run.params[name])));
    if (!settings.has(key)) settings.set(key, []);
    settings.get(key)!.push(run);
  }
  return [...settings.values()].map((members) => ({
    fixed: Object.fromEntries(others.map((name) => [name, members[0].params[name] ?? null])),
    groups: distinctValues(members, options.by).map((value) =>
      summarizeGroup(
        value,
        members.filter((run) => parameterKey(run.params[options.by]) === parameterKey(value)),
        options.metric,
        confidence,
      ),
    ),
  }));
}

/** groupRuns, and every pair of groups within a setting compared. */
export function compareGroups(runs: readonly Observation[], options: CompareOptions): GroupComparison {
  const confidence = options.confidence ?? 0.95;
  const seed = options.seed ?? 1;
  return {
    metric: options.metric,
    by: options.by,
    pooled: Boolean(options.pool),
    confidence,
    settings: groupRuns(runs, options).map(({ fixed, groups }) => {
      const pairs: PairComparison[] = [];
      for (let i = 0; i < groups.length; i++)
        for (let j = i + 1; j < groups.length; j++) pairs.push(comparePair(groups[i], groups[j], options.metric, confidence, seed));
      return { fixed, groups, pairs };
    }),
  };
}
