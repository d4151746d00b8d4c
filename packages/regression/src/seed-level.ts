// Checks on each setting's mean over seeds. Under other numerics a chaotic run (Adam) follows
// another trajectory, as if it had another seed, so its per-run band must be as wide as the seed
// spread and catches little. What an experiment claims is about a setting, over its seeds: the
// mean over seeds moves by about seed_sd * sqrt(2 / n) between two sets of n such draws, so its
// band can be much tighter than any single run's.
import type { Baseline, BaselineRun, ObservedRun } from './baseline.ts';
import { allowedBand, exactMetrics, settingsMetrics, untrackedMetrics, type BandClass, type NumericsClass } from './tolerances.ts';

export interface SeedCheck {
  /** The setting: the swept parameters without the seed. */
  setting: string;
  optimizer: string;
  metric: string;
  seeds: number;
  baseline_mean: number;
  now_mean: number;
  /** The seed standard deviation in the baseline, pooled over the settings with this optimizer. */
  seed_sd: number;
  low: number;
  high: number;
  passed: boolean;
}

/** The setting a run belongs to: its recorded parameters without the seed. */
export function settingOf(run: BaselineRun): string {
  return (
    Object.entries(run.parameters)
      .filter(([key]) => key !== 'seed')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(', ') || 'base'
  );
}

export function optimizerOf(run: BaselineRun): string {
  return String(run.parameters['optimizer.name'] ?? 'unknown');
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const sumOfSquares = (values: readonly number[]) => {
  const centre = mean(values);
  return values.reduce((sum, value) => sum + (value - centre) ** 2, 0);
};

/**
 * For every setting with at least `min_seeds` seeds, every seed found now, and at least one run
 * not in the identical class (where the per-run checks are exact and stronger): each continuous
 * metric's mean over seeds must stay within max(z * sd * sqrt(2 / n), floor) of the baseline's
 * mean, where sd is the baseline's seed standard deviation pooled over the settings with the same
 * optimizer, and the floor is the run-level band of `floorOptimizer` (SGD: pure rounding drift)
 * in the class, so a setting whose seeds happen to agree is not held to zero.
 */
export function checkSeedMeans(
  baseline: Baseline,
  runs: readonly ObservedRun[],
  classOf: (configHash: string) => NumericsClass | undefined,
  floorOptimizer = 'sgd',
): SeedCheck[] {
  const { z, min_seeds: minSeeds } = baseline.seed_level;
  const byHash = new Map(runs.map((run) => [run.configHash, run]));
  const settings = new Map<string, BaselineRun[]>();
  for (const run of baseline.runs) settings.set(settingOf(run), [...(settings.get(settingOf(run)) ?? []), run]);
  const metricNames = [...new Set(baseline.runs.flatMap((run) => Object.keys(run.metrics)))]
    .filter((name) => !untrackedMetrics.includes(name) && !exactMetrics.includes(name) && !(name in settingsMetrics))
    .sort();

  // Pooled within-setting variance per optimizer and metric: more degrees of freedom than one setting's three seeds.
  const pooledSd = (optimizer: string, metric: string): number | undefined => {
    let squares = 0;
    let freedom = 0;
    for (const members of settings.values()) {
      if (optimizerOf(members[0]) !== optimizer || members.length < 2) continue;
      const values = members.map((run) => run.metrics[metric]);
      if (values.some((value) => value === null || value === undefined)) continue;
      squares += sumOfSquares(values as number[]);
      freedom += values.length - 1;
    }
    return freedom > 0 ? Math.sqrt(squares / freedom) : undefined;
  };

  const checks: SeedCheck[] = [];
  for (const [setting, members] of settings) {
    if (members.length < minSeeds) continue;
    const now = members.map((run) => byHash.get(run.config_hash));
    // Settings with NaN runs are left to the per-run checks: a NaN run's metrics are those of a
    // model stopped at its first NaN, whose step follows from rounding outside the identical class.
    if (now.some((run) => run?.status !== 'completed') || members.some((run) => run.status !== 'completed')) continue;
    const classes = members.map((run) => classOf(run.config_hash));
    const bandClass = classes.find((entry): entry is BandClass => entry === 'same_backend' || entry === 'different_backend');
    if (!bandClass) continue;
    const optimizer = optimizerOf(members[0]);
    for (const metric of metricNames) {
      const before = members.map((run) => run.metrics[metric]);
      const after = now.map((run) => run!.metrics[metric]);
      if ([...before, ...after].some((value) => value === null || value === undefined)) continue;
      const sd = pooledSd(optimizer, metric);
      if (sd === undefined) continue;
      const baselineMean = mean(before as number[]);
      const nowMean = mean(after as number[]);
      const floorTolerance = baseline.bands[bandClass][floorOptimizer]?.[metric];
      const floor = floorTolerance ? allowedBand(baselineMean, floorTolerance)[1] - baselineMean : 0;
      const halfWidth = Math.max(z * sd * Math.sqrt(2 / members.length), floor);
      checks.push({
        setting,
        optimizer,
        metric,
        seeds: members.length,
        baseline_mean: baselineMean,
        now_mean: nowMean,
        seed_sd: sd,
        low: baselineMean - halfWidth,
        high: baselineMean + halfWidth,
        passed: Math.abs(nowMean - baselineMean) <= halfWidth,
      });
    }
  }
  return checks;
}
