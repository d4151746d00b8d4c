import { formatNumerics, numericsDifferences, type Numerics } from '@siamese-lab/backend';
import { baselineRunNumerics, type Baseline, type BaselineRun, type ObservedRun } from './baseline.ts';
import { checkSeedMeans, optimizerOf, type SeedCheck } from './seed-level.ts';
import { allowedBand, bandFor, untrackedMetrics, type NumericsClass, type Tolerance } from './tolerances.ts';

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
  /** The tolerance class the run fell into (null for missing and added runs). */
  numerics_class: NumericsClass | null;
  /** Why: what differs in the numerics, and which bands apply. */
  reason: string;
  checks: MetricCheck[];
}

/** The machine-readable result of a check (`lab check --json` prints it). */
export interface CheckResult {
  experiment: string;
  baseline_path: string;
  passed: boolean;
  counts: Record<RunOutcome, number>;
  /** Runs per class. */
  classes: Record<NumericsClass, number>;
  /** The baseline's numerics and the numerics now, one line each (distinct ones). */
  numerics: { baseline: string[]; now: string[] };
  runs: RunCheck[];
  /** Means over seeds per setting (in the classes other than identical). */
  seed_checks: SeedCheck[];
}

function compareMetric(metric: string, baseline: number | null, now: number | null | undefined, tolerance: Tolerance): MetricCheck {
  if (now === undefined) return { metric, baseline, now: null, low: null, high: null, passed: false, note: 'not recorded now' };
  if (baseline === null || now === null) {
    const passed = baseline === now;
    return {
      metric,
      baseline,
      now,
      low: null,
      high: null,
      passed,
      note: passed ? undefined : baseline === null ? 'was undefined (null), now a number' : 'now undefined (null)',
    };
  }
  const [low, high] = allowedBand(baseline, tolerance);
  return { metric, baseline, now, low, high, passed: now >= low && now <= high };
}

/** The class of a run's numerics against its baseline's, and why. */
export function classifyRun(
  baselineRun: BaselineRun,
  baselineNumerics: Numerics | undefined,
  now: ObservedRun,
): { numericsClass: NumericsClass; why: string } {
  if (baselineRun.backend !== null && now.backend !== null && baselineRun.backend !== now.backend) {
    return { numericsClass: 'different_backend', why: `backend ${baselineRun.backend} -> ${now.backend}` };
  }
  if (!baselineNumerics)
    return {
      numericsClass: 'same_backend',
      why: 'the baseline does not record its numerics (re-record it with lab baseline), so they cannot be assumed identical',
    };
  if (!now.numerics)
    return {
      numericsClass: 'same_backend',
      why: 'this run does not record its numerics (recorded by an older version), so they cannot be assumed identical',
    };
  const differences = numericsDifferences(baselineNumerics, now.numerics);
  if (differences.length === 0)
    return { numericsClass: 'identical', why: 'identical numerics: bit-identical results expected, any difference fails' };
  return { numericsClass: 'same_backend', why: differences.join('; ') };
}

function compareRun(baselineRun: BaselineRun, now: ObservedRun, baseline: Baseline): RunCheck {
  const { numericsClass, why } = classifyRun(baselineRun, baselineRunNumerics(baseline, baselineRun), now);
  const optimizer = optimizerOf(baselineRun) === 'unknown' ? String(now.params['optimizer.name'] ?? 'unknown') : optimizerOf(baselineRun);
  const checks: MetricCheck[] = [];
  const exact = (metric: string, before: string | number, after: string | number) =>
    checks.push({ metric, baseline: before, now: after, low: null, high: null, passed: before === after });
  exact('status', baselineRun.status, now.status);
  // A run that ended NaN both times: the step of its first NaN follows from rounding (under some
  // GEMM kernels an image paired with itself gets other bits in another row of the batch, so d = 0
  // comes steps later), and its metrics are those of a model stopped there. Outside the identical
  // class only its status is judged: a change that turns a completed run into a NaN run still fails.
  const nanBothTimes = numericsClass !== 'identical' && baselineRun.status === 'nan' && now.status === 'nan';
  if (!nanBothTimes) exact('steps_done', baselineRun.steps_done, now.stepsDone);
  // The optimizer as built: the same on every machine, so compared exactly in every class.
  if (baselineRun.optimizer && now.optimizer) {
    for (const key of [...new Set([...Object.keys(baselineRun.optimizer), ...Object.keys(now.optimizer)])].sort()) {
      exact(`optimizer.${key}`, String(baselineRun.optimizer[key] ?? 'absent'), String(now.optimizer[key] ?? 'absent'));
    }
  }
  // The data: a content hash of the files read, the same on every machine, so compared exactly in every class.
  if (baselineRun.data && now.data) {
    const passed = baselineRun.data === now.data;
    checks.push({
      metric: 'data',
      baseline: baselineRun.data.slice(0, 16),
      now: now.data.slice(0, 16),
      low: null,
      high: null,
      passed,
      ...(!passed && { note: "the data differ from the baseline's: another content hash of the files read" }),
    });
  }
  let bandsUsed = '';
  for (const [metric, value] of Object.entries(baselineRun.metrics).sort(([a], [b]) => a.localeCompare(b))) {
    if (untrackedMetrics.includes(metric) || nanBothTimes) continue;
    let tolerance: Tolerance = { absolute: 0 };
    if (numericsClass !== 'identical') {
      const band = bandFor(baseline.bands[numericsClass], optimizer, metric);
      bandsUsed =
        band.optimizer === optimizer
          ? `the ${numericsClass} bands of ${optimizer}`
          : `the ${numericsClass} bands of ${band.optimizer} (none measured for ${optimizer})`;
      tolerance = baselineRun.tolerances?.[metric] ?? band.tolerance;
    }
    checks.push(compareMetric(metric, value, now.metrics[metric], tolerance));
  }
  return {
    config_hash: baselineRun.config_hash,
    label: baselineRun.label,
    outcome: checks.every((check) => check.passed) ? 'pass' : 'fail',
    baseline_backend: baselineRun.backend,
    backend: now.backend,
    numerics_class: numericsClass,
    reason:
      numericsClass === 'identical'
        ? why
        : nanBothTimes
          ? `${why}; NaN both times: only the status is judged (where the first NaN lands follows from rounding)`
          : `${why}; ${bandsUsed}`,
    checks,
  };
}

/**
 * Compares an experiment's runs now with its baseline, run by run (matched by config hash), in
 * the class its numerics fall into: identical numerics must reproduce every metric exactly, the
 * other classes stay within their measured bands; status and step count must match, and a run
 * that appears or disappears fails the check. Then each setting's mean over seeds is checked
 * (seed-level.ts). Metrics that are new since the baseline are not judged.
 */
export function compareWithBaseline(baseline: Baseline, runs: readonly ObservedRun[], baselinePath: string): CheckResult {
  const byHash = new Map(runs.map((run) => [run.configHash, run]));
  const empty = { numerics_class: null, reason: '', checks: [] };
  const results: RunCheck[] = baseline.runs.map((baselineRun) => {
    const now = byHash.get(baselineRun.config_hash);
    if (!now)
      return {
        config_hash: baselineRun.config_hash,
        label: baselineRun.label,
        outcome: 'missing',
        baseline_backend: baselineRun.backend,
        backend: null,
        ...empty,
      };
    return compareRun(baselineRun, now, baseline);
  });
  const known = new Set(baseline.runs.map((run) => run.config_hash));
  for (const run of runs) {
    if (!known.has(run.configHash))
      results.push({
        config_hash: run.configHash,
        label: run.label,
        outcome: 'added',
        baseline_backend: null,
        backend: run.backend,
        ...empty,
      });
  }
  const counts: Record<RunOutcome, number> = { pass: 0, fail: 0, missing: 0, added: 0 };
  const classes: Record<NumericsClass, number> = { identical: 0, same_backend: 0, different_backend: 0 };
  for (const result of results) {
    counts[result.outcome]++;
    if (result.numerics_class) classes[result.numerics_class]++;
  }
  const classOf = new Map(results.map((result) => [result.config_hash, result.numerics_class ?? undefined]));
  const seedChecks = checkSeedMeans(baseline, runs, (hash) => classOf.get(hash));
  const distinct = (numerics: readonly (Numerics | null | undefined)[]) => [
    ...new Set(numerics.map((entry) => (entry ? formatNumerics(entry) : 'not recorded'))),
  ];
  return {
    experiment: baseline.experiment,
    baseline_path: baselinePath,
    passed: counts.fail === 0 && counts.missing === 0 && counts.added === 0 && seedChecks.every((check) => check.passed),
    counts,
    classes,
    numerics: {
      baseline: distinct(baseline.runs.map((run) => baselineRunNumerics(baseline, run))),
      now: distinct(baseline.runs.filter((run) => byHash.has(run.config_hash)).map((run) => byHash.get(run.config_hash)!.numerics)),
    },
    runs: results,
    seed_checks: seedChecks,
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
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The human-readable report: one line of verdict, the numerics of the baseline and now, each
 * run's class and why its bands apply, a table of every failing metric (run, metric, baseline,
 * now, allowed band), the runs that appeared or disappeared, and the means over seeds.
 */
export function formatCheckResult(result: CheckResult): string {
  const total = result.runs.length;
  const lines: string[] = [];
  const tally = `${result.counts.pass} passed, ${result.counts.fail} failed, ${result.counts.missing} missing, ${result.counts.added} not in the baseline`;
  lines.push(`${result.experiment}: ${result.passed ? 'PASS' : 'FAIL'} against ${result.baseline_path} (${total} run(s): ${tally})`);
  lines.push(`numerics of the baseline: ${result.numerics.baseline.join(' | ')}`);
  lines.push(`numerics now:             ${result.numerics.now.join(' | ') || '-'}`);
  const compared = result.runs.filter((run) => run.numerics_class !== null);
  if (compared.length) {
    lines.push(
      '',
      formatTable(
        ['run', 'class', 'why'],
        compared.map((run) => [`${run.label} [${run.config_hash.slice(0, 8)}]`, run.numerics_class!, run.reason]),
      ),
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
        check.low === null || check.high === null
          ? (check.note ?? 'must match')
          : `${formatValue(check.low)} .. ${formatValue(check.high)}`,
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
  if (missing.length || added.length)
    lines.push('if the experiment changed on purpose, re-record the baseline: pnpm lab baseline EXPERIMENT');
  lines.push(...formatSeedChecks(result.seed_checks));
  return lines.join('\n');
}

/** The means over seeds: a count, and a table of those outside their band. */
function formatSeedChecks(checks: readonly SeedCheck[]): string[] {
  if (checks.length === 0) return [];
  const failing = checks.filter((check) => !check.passed);
  const settings = new Set(checks.map((check) => check.setting)).size;
  const lines = [
    '',
    `means over seeds: ${checks.length - failing.length} of ${checks.length} within z * seed_sd * sqrt(2/n) of the baseline's mean (${settings} setting(s))`,
  ];
  if (failing.length) {
    lines.push(
      formatTable(
        ['setting', 'metric', 'seeds', 'baseline mean', 'mean now', 'seed sd', 'allowed'],
        failing.map((check) => [
          check.setting,
          check.metric,
          String(check.seeds),
          formatValue(check.baseline_mean),
          formatValue(check.now_mean),
          formatValue(check.seed_sd),
          `${formatValue(check.low)} .. ${formatValue(check.high)}`,
        ]),
      ),
    );
  }
  return lines;
}
