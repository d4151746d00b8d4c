/**
 * Claims as data: "adam > sgd on anisotropy", "ε = 0 ends in NaN more often than 1e-6",
 * "nn_accuracy > 0.3 with distinct weights", decided on recorded runs at a confidence level.
 *
 * A claim holds when the (two-sided) interval of the difference lies wholly on its side of zero
 * and, for group comparisons, the permutation test agrees (p < α): two tests that assume
 * different things (normal means / exchangeable runs) must both be convinced. It fails when the
 * data decide the other way, and is undecided otherwise: too few seeds, or an interval that
 * crosses zero. The share of NaN runs is compared with Fisher's exact test.
 */
import { oneSampleTTest } from './t-tests.ts';
import {
  comparePair,
  groupRuns,
  matchesWhere,
  nanRunsMetric,
  parameterKey,
  summarizeGroup,
  type GroupSummary,
  type Observation,
  type PairComparison,
  type ParameterValue,
} from './groups.ts';
import { formatInterval, formatP, formatParameter, formatStatistic } from './format.ts';

export type ClaimExpectation =
  /**
   * "higher > lower": the metric is larger for runs with by = higher than for by = lower. With a
   * margin, "higher > lower - margin": higher is at most `margin` below lower (non-inferiority),
   * decided as the plain claim against lower's values shifted down by the margin.
   */
  | { kind: 'order'; higher: ParameterValue; lower: ParameterValue; margin?: number }
  /** "> 0.3" or "< 2": the mean of the metric over the selected runs is above (below) a number. */
  | { kind: 'threshold'; direction: 'above' | 'below'; value: number };

export interface Claim {
  metric: string;
  /** The parameter whose values are compared (order claims). */
  by?: string;
  /** The claim as written, e.g. "adam > sgd". */
  expect: string;
  expectation: ClaimExpectation;
  /** Only runs with these parameter values. */
  where?: Record<string, ParameterValue>;
  /** Pool over the other swept parameters instead of requiring the claim in each of their settings. */
  pool?: boolean;
  /** Overrides the check's confidence level for this claim. */
  confidence?: number;
  /** The verdict the claim was measured to have (default holds); a check fails when today's differs (see claimPasses). */
  verdict?: 'holds' | 'fails';
  /** Where the claim is written (file:line:column), for messages. */
  location?: string;
}

export type Verdict = 'holds' | 'fails' | 'undecided';

export interface SettingVerdict {
  fixed: Record<string, ParameterValue>;
  verdict: Verdict;
  reason: string;
  /** The numbers, as one sentence. */
  evidence: string;
  comparison: PairComparison | null;
  /** Threshold claims: the selected runs' summary and the one-sample interval. */
  group: GroupSummary | null;
}

export interface ClaimResult {
  claim: Claim;
  confidence: number;
  verdict: Verdict;
  /** Per setting of the other swept parameters (one entry when pooled or nothing else is swept). */
  settings: SettingVerdict[];
  /** One line: verdict, claim, and the numbers. */
  text: string;
}

/** The claim in words: "anisotropy: adam > sgd (by optimizer.name, where model.share_weights = true)". */
export function describeClaim(claim: Claim): string {
  const scope = [
    claim.by ? `by ${claim.by}` : '',
    claim.where && Object.keys(claim.where).length
      ? `where ${Object.entries(claim.where)
          .map(([key, value]) => `${key} = ${formatParameter(value)}`)
          .join(', ')}`
      : '',
    claim.pool ? 'pooled' : '',
  ].filter(Boolean);
  return `${claim.metric} ${claim.expect.trim()}${scope.length ? ` (${scope.join('; ')})` : ''}`;
}

function decideOrder(comparison: PairComparison, confidence: number): { verdict: Verdict; reason: string } {
  const alpha = 1 - confidence;
  const { a, b } = comparison;
  if (comparison.metric === nanRunsMetric) {
    if (a.runs === 0 || b.runs === 0) return { verdict: 'undecided', reason: 'a group has no finished run' };
    const fisher = comparison.fisher!;
    if (fisher.p >= alpha)
      return {
        verdict: 'undecided',
        reason: `Fisher's p = ${formatP(fisher.p)} is not below ${formatP(alpha)}${a.runs + b.runs < 8 ? ' (more runs a group would tell)' : ''}`,
      };
    return fisher.difference > 0
      ? { verdict: 'holds', reason: `Fisher's p = ${formatP(fisher.p)} < ${formatP(alpha)}` }
      : { verdict: 'fails', reason: `the opposite holds: Fisher's p = ${formatP(fisher.p)}` };
  }
  if (a.n < 2 || b.n < 2)
    return {
      verdict: 'undecided',
      reason: `not enough seeds: ${a.n} vs ${b.n} values (at least 2 a group, and more for a permutation test to reach p < ${formatP(alpha)})`,
    };
  const welch = comparison.welch;
  if (!welch) return { verdict: 'undecided', reason: 'neither group varies, so no interval can be given' };
  const interval = welch.interval;
  const side = interval.low > 0 ? 1 : interval.high < 0 ? -1 : 0;
  if (side === 0)
    return {
      verdict: 'undecided',
      reason: `the ${formatStatistic(confidence * 100)}% interval of the difference ${formatInterval(interval)} crosses zero`,
    };
  const permutation = comparison.permutation!;
  if (permutation.p >= alpha) {
    const floor =
      permutation.smallestPossibleP >= alpha
        ? `; with ${a.n} vs ${b.n} runs the smallest possible p is ${formatP(permutation.smallestPossibleP)}, add seeds`
        : '';
    return {
      verdict: 'undecided',
      reason: `Welch's interval excludes zero but the permutation test does not confirm it (p = ${formatP(permutation.p)})${floor}`,
    };
  }
  const tests = `Welch's ${formatStatistic(confidence * 100)}% interval ${formatInterval(interval)} and permutation p = ${formatP(permutation.p)}`;
  return side > 0 ? { verdict: 'holds', reason: tests } : { verdict: 'fails', reason: `the opposite holds: ${tests}` };
}

function decideThreshold(
  group: GroupSummary,
  expectation: Extract<ClaimExpectation, { kind: 'threshold' }>,
  confidence: number,
): { verdict: Verdict; reason: string; evidence: string } {
  const sign = expectation.direction === 'above' ? '>' : '<';
  const counts = `n = ${group.n}${group.withoutValue ? ` (${group.withoutValue} run(s) without a value${group.nanRuns ? `, ${group.nanRuns} ended NaN` : ''})` : ''}`;
  const test = oneSampleTTest(group.values, expectation.value, confidence);
  const evidence = `mean ${formatStatistic(group.mean)} ${formatInterval(test?.interval ?? null)} vs ${formatStatistic(expectation.value)}, ${test ? `p = ${formatP(test.p)} (t), ` : ''}${counts}`;
  if (group.n < 2) return { verdict: 'undecided', reason: `not enough seeds: ${group.n} value(s)`, evidence };
  if (!test) return { verdict: 'undecided', reason: 'the values do not vary, so no interval can be given', evidence };
  const above = test.interval.low > expectation.value;
  const below = test.interval.high < expectation.value;
  if (!above && !below)
    return {
      verdict: 'undecided',
      reason: `the ${formatStatistic(confidence * 100)}% interval of the mean contains ${formatStatistic(expectation.value)}`,
      evidence,
    };
  const holds = above === (expectation.direction === 'above');
  return {
    verdict: holds ? 'holds' : 'fails',
    reason: `the ${formatStatistic(confidence * 100)}% interval of the mean is ${above ? 'above' : 'below'} ${formatStatistic(expectation.value)}${holds ? '' : `, not ${sign} it`}`,
    evidence,
  };
}

/** A group's values less `margin` (a shift moves the mean and its interval, not the spread). */
function shiftedDown(group: GroupSummary, margin: number): GroupSummary {
  if (margin === 0) return group;
  return {
    ...group,
    label: `${group.label} - ${formatStatistic(margin)}`,
    values: group.values.map((value) => value - margin),
    mean: group.mean - margin,
    interval: group.interval && { ...group.interval, low: group.interval.low - margin, high: group.interval.high - margin },
  };
}

function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.length === 0) return 'undecided';
  if (verdicts.includes('fails')) return 'fails';
  return verdicts.every((verdict) => verdict === 'holds') ? 'holds' : 'undecided';
}

function describeFixed(fixed: Record<string, ParameterValue>): string {
  const entries = Object.entries(fixed);
  return entries.length ? `at ${entries.map(([key, value]) => `${key} = ${formatParameter(value)}`).join(', ')}: ` : '';
}

/** Decides one claim on the runs; settings with neither compared value present are skipped. */
export function evaluateClaim(
  claim: Claim,
  runs: readonly Observation[],
  options: { sweepKeys: readonly string[]; confidence?: number; seed?: number },
): ClaimResult {
  const confidence = claim.confidence ?? options.confidence ?? 0.95;
  const settings: SettingVerdict[] = [];
  const expectation = claim.expectation;
  if (expectation.kind === 'threshold') {
    const selected = runs.filter((run) => matchesWhere(run, claim.where));
    const group = summarizeGroup(null, selected, claim.metric, confidence);
    const decision = decideThreshold(group, expectation, confidence);
    settings.push({ fixed: {}, verdict: decision.verdict, reason: decision.reason, evidence: decision.evidence, comparison: null, group });
  } else {
    const settingsOfRuns = groupRuns(runs, {
      metric: claim.metric,
      by: claim.by!,
      sweepKeys: options.sweepKeys,
      pool: claim.pool,
      where: claim.where,
      confidence,
      seed: options.seed,
    });
    for (const setting of settingsOfRuns) {
      const find = (value: ParameterValue) => setting.groups.find((group) => parameterKey(group.value) === parameterKey(value));
      const higher = find(expectation.higher);
      const lower = find(expectation.lower);
      if (!higher && !lower) continue;
      if (!higher || !lower) {
        const missing = formatParameter(higher ? expectation.lower : expectation.higher);
        settings.push({
          fixed: setting.fixed,
          verdict: 'undecided',
          reason: `no run with ${claim.by} = ${missing}`,
          evidence: '',
          comparison: null,
          group: null,
        });
        continue;
      }
      // Compared in the claim's order, so the sentence and the difference read "higher vs lower".
      const pair = comparePair(higher, shiftedDown(lower, expectation.margin ?? 0), claim.metric, confidence, options.seed ?? 1);
      const decision = decideOrder(pair, confidence);
      settings.push({ fixed: setting.fixed, ...decision, evidence: pair.sentence, comparison: pair, group: null });
    }
  }
  if (settings.length === 0) {
    settings.push({
      fixed: {},
      verdict: 'undecided',
      reason: `no finished run matches the claim${claim.where ? ` (where ${JSON.stringify(claim.where)})` : ''}`,
      evidence: '',
      comparison: null,
      group: null,
    });
  }
  const noValue = claim.metric !== nanRunsMetric && runs.every((run) => typeof run.metrics[claim.metric] !== 'number');
  if (noValue && runs.length > 0) {
    const recorded = [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))].sort();
    for (const setting of settings)
      setting.reason = `no run recorded \`${claim.metric}\` (recorded: ${recorded.join(', ')}, or ${nanRunsMetric})`;
  }
  const verdict = combine(settings.map((setting) => setting.verdict));
  const lines = settings.map(
    (setting) =>
      `${describeFixed(setting.fixed)}${setting.verdict}: ${setting.reason}${setting.evidence ? `\n      ${setting.evidence}` : ''}`,
  );
  const shipped =
    claim.verdict === 'fails' ? `  (shipped as measured: fails${verdict === 'fails' ? '' : `; now ${verdict}, so the check fails`})` : '';
  const text = `${verdict.toUpperCase().padEnd(9)} ${describeClaim(claim)}${shipped}${claim.location ? `  [${claim.location}]` : ''}\n${lines.map((line) => `    ${line}`).join('\n')}`;
  return { claim, confidence, verdict, settings, text };
}

export interface ClaimsSummary {
  results: ClaimResult[];
  counts: Record<Verdict, number>;
  /** False when a claim's verdict is not the one it was shipped with (see claimPasses). */
  passed: boolean;
}

/**
 * Whether a claim's verdict today is the one the experiment file states: a claim expected to hold
 * passes when it holds or is undecided (too few runs is no evidence against it); a claim shipped
 * with its measured verdict `fails` passes only while it still fails.
 */
export function claimPasses(result: ClaimResult): boolean {
  return (result.claim.verdict ?? 'holds') === 'fails' ? result.verdict === 'fails' : result.verdict !== 'fails';
}

export function evaluateClaims(
  claims: readonly Claim[],
  runs: readonly Observation[],
  options: { sweepKeys: readonly string[]; confidence?: number; seed?: number },
): ClaimsSummary {
  const results = claims.map((claim) => evaluateClaim(claim, runs, options));
  const counts: Record<Verdict, number> = { holds: 0, fails: 0, undecided: 0 };
  for (const result of results) counts[result.verdict]++;
  return { results, counts, passed: results.every(claimPasses) };
}

export function formatClaims(summary: ClaimsSummary): string {
  const { holds, fails, undecided } = summary.counts;
  const header = `claims: ${holds} hold, ${fails} fail, ${undecided} undecided (confidence ${[...new Set(summary.results.map((result) => `${formatStatistic(result.confidence * 100)}%`))].join(', ') || '95%'})`;
  return [header, ...summary.results.map((result) => result.text)].join('\n');
}
