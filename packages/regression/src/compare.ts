import type { Baseline, BaselineRun, ObservedRun } from './baseline.ts';
import { allowedBand, defaultToleranceFor, untrackedMetrics, type Tolerance } from './tolerances.ts';

/** One compared quantity of one run: a metric, or the run's status / step count. */
export interface MetricCheck {
  metric: string;
  baseline: number | string | null;
  now: number | string | null;
  /** The allowed band around the baseline; null when the value must match exactly (status, null metrics). */
  low: number | null;
  high: number | null;
  passed: boolean;
  /** Why it failed, when the numbers alone do not say (a metric became null, went missing...). */
  note?: string;
}

export type RunOutcome = 'pass' | 'fail' | 'missing' | 'added';

export interface RunCheck {
  config_hash: string;
  label: string;
  /** pass/fail: compared; missing: in the baseline, not among the runs now; added: a run the baseline does not know. */
  outcome: RunOutcome;
  baseline_backend: string | null;
  backend: string | null;
  /** Compared on another backend than the baseline's, with the cross-backend tolerances. */
  cross_backend: boolean;
  checks: MetricCheck[];
}

/** The machine-readable result of a check (`lab check --json` prints it). */
export interface CheckResult {
  experiment: string;
  baseline_path: string;
  passed: boolean;
  counts: Record<RunOutcome, number>;
  /** Backends the runs ran on now that differ from the baseline's; the tolerances are meant to cover this. */
  cross_backend: boolean;
  runs: RunCheck[];
}

function compareMetric(metric: string, baseline: number | null, now: number | null | undefined, tolerance: Tolerance): MetricCheck {
  if (now === undefined) return { metric, baseline, now: null, low: null, high: null, passed: false, note: 'not recorded now' };
  if (baseline === null || now === null) {
    const passed = baseline === now;
    return { metric, baseline, now, low: null, high: null, passed, note: passed ? undefined : baseline === null ? 'was undefined (null), now a number' : 'now undefined (null)' };
  }
  const [low, high] = allowedBand(baseline, tolerance);
  return { metric, baseline, now, low, high, passed: now >= low && now <= high };
}

function compareRun(baselineRun: BaselineRun, now: ObservedRun, baseline: Baseline): RunCheck {
  const crossBackend = baselineRun.backend !== null && now.backend !== null && baselineRun.backend !== now.backend;
  const fileTolerances = crossBackend ? baseline.cross_backend_tolerances : baseline.tolerances;
  const checks: MetricCheck[] = [];
  const exact = (metric: string, before: string | number, after: string | number) =>
    checks.push({ metric, baseline: before, now: after, low: null, high: null, passed: before === after });
  exact('status', baselineRun.status, now.status);
  exact('steps_done', baselineRun.steps_done, now.stepsDone);
  for (const [metric, value] of Object.entries(baselineRun.metrics).sort(([a], [b]) => a.localeCompare(b))) {
    if (untrackedMetrics.includes(metric)) continue;
    const tolerance = baselineRun.tolerances?.[metric] ?? fileTolerances[metric] ?? defaultToleranceFor(metric, crossBackend);
    checks.push(compareMetric(metric, value, now.metrics[metric], tolerance));
  }
  return {
    config_hash: baselineRun.config_hash,
    label: baselineRun.label,
    outcome: checks.every((check) => check.passed) ? 'pass' : 'fail',
    baseline_backend: baselineRun.backend,
    backend: now.backend,
    cross_backend: crossBackend,
    checks,
  };
}

/**
 * Compares an experiment's runs now with its baseline, run by run (matched by config hash):
 * each metric must lie in its tolerance band, status and step count must match, and a run that
 * appears or disappears fails the check. Metrics that are new since the baseline are not judged.
 */
export function compareWithBaseline(baseline: Baseline, runs: readonly ObservedRun[], baselinePath: string): CheckResult {
  const byHash = new Map(runs.map((run) => [run.configHash, run]));
  const results: RunCheck[] = baseline.runs.map((baselineRun) => {
    const now = byHash.get(baselineRun.config_hash);
    if (!now) {
      return { config_hash: baselineRun.config_hash, label: baselineRun.label, outcome: 'missing', baseline_backend: baselineRun.backend, backend: null, cross_backend: false, checks: [] };
    }
    return compareRun(baselineRun, now, baseline);
  });
  const known = new Set(baseline.runs.map((run) => run.config_hash));
  for (const run of runs) {
    if (!known.has(run.configHash)) {
      results.push({ config_hash: run.configHash, label: run.label, outcome: 'added', baseline_backend: null, backend: run.backend, cross_backend: false, checks: [] });
    }
  }
  const counts: Record<RunOutcome, number> = { pass: 0, fail: 0, missing: 0, added: 0 };
  for (const result of results) counts[result.outcome]++;
  return {
    experiment: baseline.experiment,
    baseline_path: baselinePath,
    passed: counts.fail === 0 && counts.missing === 0 && counts.added === 0,
    counts,
    cross_backend: results.some((result) => result.cross_backend),
    runs: results,
  };
}

/** Six significant digits: enough to see a difference at the size of the tightest band. */
function formatValue(value: number | string | null): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  return Number(value.toPrecision(6)).toString();
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The human-readable report: one line of verdict, then a table of every failing metric (run,
 * metric, baseline, now, allowed band), then the runs that appeared or disappeared.
 */
export function formatCheckResult(result: CheckResult): string {
  const total = result.runs.length;
  const lines: string[] = [];
  const tally = `${result.counts.pass} passed, ${result.counts.fail} failed, ${result.counts.missing} missing, ${result.counts.added} not in the baseline`;
  lines.push(`${result.experiment}: ${result.passed ? 'PASS' : 'FAIL'} against ${result.baseline_path} (${total} run(s): ${tally})`);
  if (result.cross_backend) {
    const pairs = [...new Set(result.runs.filter((run) => run.cross_backend).map((run) => `${run.baseline_backend} -> ${run.backend}`))];
    lines.push(
      `note: compared across backends (${pairs.join(', ')}) with the wider cross_backend_tolerances, which catch gross changes only; ` +
        `float differences grow during training (with Adam to the size of a seed change), so check on the baseline's backend for subtle ones`,
    );
  }
  const failing = result.runs.flatMap((run) =>
    run.checks
      .filter((check) => !check.passed)
      .map((check) => [
        `${run.label} [${run.config_hash.slice(0, 8)}]`,
        check.metric,
        formatValue(check.baseline),
        formatValue(check.now),
        check.low === null || check.high === null ? (check.note ?? 'must match') : `${formatValue(check.low)} .. ${formatValue(check.high)}`,
      ]),
  );
  if (failing.length) lines.push('', formatTable(['run', 'metric', 'baseline', 'now', 'allowed'], failing));
  const missing = result.runs.filter((run) => run.outcome === 'missing');
  const added = result.runs.filter((run) => run.outcome === 'added');
  if (missing.length) {
    lines.push('', 'in the baseline but not among the finished runs now (did the experiment change, or a run fail?):');
    for (const run of missing) lines.push(`  ${run.label} [${run.config_hash}]`);
  }
  if (added.length) {
    lines.push('', 'finished runs the baseline does not know (a new or changed configuration):');
    for (const run of added) lines.push(`  ${run.label} [${run.config_hash}]`);
  }
  if (missing.length || added.length) lines.push('if the experiment changed on purpose, re-record the baseline: pnpm lab baseline EXPERIMENT');
  return lines.join('\n');
}
