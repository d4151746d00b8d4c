/** `lab compare EXPERIMENT --by PARAM`: groups of runs compared with intervals and tests (see @siamese-lab/stats). */
import { existsSync, statSync } from 'node:fs';
import { LabError } from '@siamese-lab/core';
import { parseExperimentFile } from '@siamese-lab/runner';
import {
  compareGroups,
  formatInterval,
  formatParameter,
  formatStatistic,
  nanRunsMetric,
  type GroupComparison,
  type Observation,
} from '@siamese-lab/stats';
import { openRunStore } from '@siamese-lab/store';
import type { Output } from './output.ts';
import { formatTable } from './format.ts';
import { checkConfidenceLevel } from './claims-check.ts';

/** What `lab compare EXPERIMENT --by` compares when no --metric is given: the seed's concerns. */
export const defaultCompareMetrics = ['anisotropy', 'nn_accuracy', nanRunsMetric];

export interface CompareGroupsArguments {
  db: string;
  /** Experiment name, or its YAML file. */
  experiment: string;
  by: string;
  metrics?: string[];
  pool: boolean;
  json: boolean;
  confidence: number;
}

function experimentName(target: string): string {
  return /\.ya?ml$/i.test(target) || (existsSync(target) && statSync(target).isFile()) ? parseExperimentFile(target).name : target;
}

function formatSetting(comparison: GroupComparison, fixed: Record<string, unknown>): string {
  const entries = Object.entries(fixed);
  const where = entries.length
    ? ` at ${entries.map(([key, value]) => `${key} = ${formatParameter(value as string)}`).join(', ')}`
    : comparison.pooled
      ? ' (pooled over the other parameters)'
      : '';
  return `${comparison.metric} by ${comparison.by}${where}`;
}

/** The text report: per setting, a table of the groups, then one sentence per pair. */
export function formatGroupComparison(comparison: GroupComparison): string {
  const percent = `${formatStatistic(comparison.confidence * 100)}% CI`;
  const nanMetric = comparison.metric === nanRunsMetric;
  return comparison.settings
    .map((setting) => {
      const rows = setting.groups.map((group) => [
        group.label,
        group.runs,
        group.nanRuns,
        nanMetric ? group.runs : group.n,
        nanMetric ? formatStatistic(group.nanRuns / group.runs) : formatStatistic(group.mean),
        nanMetric ? '-' : formatStatistic(group.sd),
        nanMetric ? '-' : group.n === 0 ? '-' : group.n === 1 ? 'none (one run)' : formatInterval(group.interval),
      ]);
      const table = formatTable([comparison.by, 'runs', 'NaN runs', 'n', nanMetric ? 'share NaN' : 'mean', 'sd', percent], rows);
      const notes = setting.groups
        .filter((group) => group.unfinished > 0)
        .map((group) => `note: ${group.unfinished} unfinished run(s) of ${group.label} are not counted`);
      return [formatSetting(comparison, setting.fixed), table, ...notes, ...setting.pairs.map((pair) => `  ${pair.sentence}`)].join('\n');
    })
    .join('\n\n');
}

export function compareGroupsCommand(args: CompareGroupsArguments, io: Output): number {
  checkConfidenceLevel(args.confidence);
  const name = experimentName(args.experiment);
  const store = openRunStore(args.db, { readonly: true });
  let runs: Observation[];
  let sweepKeys: string[];
  try {
    const experiment = store.getExperiment(name);
    if (!experiment)
      throw new LabError(`no experiment named \`${name}\` in ${store.path}`, { hint: 'list them with: pnpm lab ls (or pass --db)' });
    sweepKeys = experiment.sweepKeys;
    runs = store.snapshot(() =>
      store
        .listRuns({ experiment: name })
        .map((run) => ({ id: run.id, status: run.status, params: run.params, metrics: store.getFinalMetrics(run.id) })),
    );
  } finally {
    store.close();
  }
  const parameters = [...new Set(runs.flatMap((run) => Object.keys(run.params)))];
  if (!parameters.includes(args.by)) {
    throw new LabError(`\`${args.by}\` is not a parameter of ${name}'s runs`, {
      field: '--by',
      hint: `swept here: ${sweepKeys.join(', ') || 'nothing'}`,
    });
  }
  const recorded = new Set(runs.flatMap((run) => Object.keys(run.metrics)));
  const metrics = args.metrics?.length
    ? args.metrics
    : defaultCompareMetrics.filter((metric) => metric === nanRunsMetric || recorded.has(metric));
  for (const metric of metrics) {
    if (metric !== nanRunsMetric && !recorded.has(metric)) {
      throw new LabError(`no run of ${name} recorded the metric \`${metric}\``, {
        field: '--metric',
        hint: `recorded: ${[...recorded].sort().join(', ')}; or ${nanRunsMetric} (the share of runs that ended as NaN)`,
      });
    }
  }
  const comparisons = metrics.map((metric) =>
    compareGroups(runs, { metric, by: args.by, sweepKeys, pool: args.pool, confidence: args.confidence }),
  );
  if (args.json) {
    io.out(JSON.stringify({ experiment: name, by: args.by, pooled: args.pool, confidence: args.confidence, comparisons }, null, 2));
    return 0;
  }
  if (new Set(runs.map((run) => String(run.params[args.by]))).size < 2)
    io.err(`note: every run of ${name} has ${args.by} = ${formatParameter(runs[0]?.params[args.by])}: nothing to compare`);
  io.out(comparisons.map(formatGroupComparison).join('\n\n'));
  return 0;
}
