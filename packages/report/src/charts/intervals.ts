/**
 * "Claims and comparisons": the group means of the swept parameters with their 95% intervals
 * (t intervals over seeds), one panel per swept parameter and metric, the settings of the other
 * swept parameters side by side. Built from the same grouping as `lab compare --by`.
 */
import type { TopLevelSpec } from 'vega-lite';
import { groupRuns, type GroupSummary } from '@siamese-lab/stats';
import { seedKey } from '../shaping.ts';
import type { ReportInput } from '../types.ts';
import { intervalConfig, meanAndBarLayers, vegaLiteSchema } from './encodings.ts';
import { newChartSection, type ChartSection } from './section.ts';

/** The metrics the plot compares: those the claims name, then anisotropy and 1-NN accuracy, if recorded. */
export function comparedMetrics(input: ReportInput): string[] {
  const recorded = new Set(
    input.runs.flatMap((run) =>
      Object.entries(run.metrics)
        .filter(([, value]) => typeof value === 'number')
        .map(([name]) => name),
    ),
  );
  const wanted = [...(input.claims ?? []).map((claim) => claim.metric), 'anisotropy', 'nn_accuracy'];
  return [...new Set(wanted)].filter((metric) => recorded.has(metric)).slice(0, 3);
}

interface IntervalRow {
  parameter: string;
  metric: string;
  value: string;
  setting: string;
  mean: number;
  low: number | null;
  high: number | null;
  n: number;
  nanRuns: number;
  interval: string;
}

function rowsFor(input: ReportInput, parameter: string, metric: string): IntervalRow[] {
  const settings = groupRuns(input.runs, { metric, by: parameter, sweepKeys: input.sweepKeys });
  // Only settings where this parameter takes two or more values: the rest compare nothing.
  return settings
    .filter((setting) => setting.groups.filter((group) => group.n > 0).length >= 2)
    .flatMap((setting) => {
      const label =
        Object.entries(setting.fixed)
          .map(([key, value]) => `${key}=${String(value)}`)
          .join(', ') || 'all runs';
      return setting.groups
        .filter((group: GroupSummary) => group.n > 0)
        .map((group) => ({
          parameter,
          metric,
          value: group.label,
          setting: label,
          mean: group.mean,
          low: group.interval?.low ?? null,
          high: group.interval?.high ?? null,
          n: group.n,
          nanRuns: group.nanRuns,
          interval: group.interval ? `[${group.interval.low.toFixed(3)}, ${group.interval.high.toFixed(3)}]` : 'none (one run)',
        }));
    });
}

export function intervalChart(input: ReportInput): ChartSection {
  const section = newChartSection(
    'intervals',
    'Group means with 95% intervals',
    'One panel per swept parameter and metric: each dot is the mean over seeds of the runs with that value, the bar its 95% t interval (none with one run); the colour tells apart the settings of the other swept parameters, which are never pooled. Bars that do not overlap differ clearly; see the claims above, or lab compare EXPERIMENT --by PARAM, for the tests.',
  );
  const parameters = input.sweepKeys.filter((key) => key !== seedKey);
  const metrics = comparedMetrics(input);
  const rows = parameters.map((parameter) => metrics.map((metric) => rowsFor(input, parameter, metric)));
  const shown = parameters
    .map((parameter, index) => ({ parameter, cells: rows[index] }))
    .filter(({ cells }) => cells.some((cell) => cell.length > 0));
  if (shown.length === 0) {
    section.emptyReason =
      metrics.length === 0
        ? 'no run has a metric to compare yet.'
        : 'no swept parameter has two or more values with finished runs in the same setting of the others.';
    return section;
  }
  const withoutValue = input.runs.filter((run) => run.status === 'nan').length;
  if (withoutValue > 0)
    section.notes.push(
      `${withoutValue} run(s) ended as NaN; their metrics, where missing, are left out of the means (the claims and lab compare count them per group).`,
    );
  section.spec = {
    $schema: vegaLiteSchema,
    vconcat: shown.map(({ parameter, cells }) => ({
      hconcat: cells.map((cell, index) => {
        const metric = metrics[index];
        const x = { field: 'value', type: 'nominal', title: parameter, axis: { labelAngle: 0 } };
        const color = { field: 'setting', type: 'nominal', title: 'other parameters', legend: { orient: 'bottom', columns: 1 } };
        const xOffset = { field: 'setting', type: 'nominal' };
        return {
          width: { step: 40 },
          height: 160,
          title: `${metric} by ${parameter}`,
          data: { values: cell },
          layer: meanAndBarLayers({
            x,
            xOffset,
            color,
            yTitle: metric,
            barMark: { type: 'rule', strokeWidth: 2 },
            meanMark: { type: 'point', filled: true, size: 60 },
            tooltip: [
              { field: 'value', title: parameter },
              { field: 'setting', title: 'other parameters' },
              { field: 'mean', format: '.3f' },
              { field: 'interval', title: '95% interval' },
              { field: 'n', title: 'runs with a value' },
              { field: 'nanRuns', title: 'NaN runs' },
            ],
          }),
        };
      }),
    })),
    config: intervalConfig,
  } as unknown as TopLevelSpec;
  return section;
}
