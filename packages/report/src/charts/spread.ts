/**
 * The layout the cluster-shape charts share: one row per swept param, x = that param's value,
 * offset and colour = a group, y = single values with their mean ± one standard deviation.
 */
import type { TopLevelSpec } from 'vega-lite';
import { facetKeys, formatParamValue, spread } from '../shaping.ts';
import type { ReportInput, ReportRun } from '../types.ts';
import { baseConfig, meanAndBarLayers, vegaLiteSchema } from './encodings.ts';
import { sortedValues } from './run-order.ts';

/** One single value: a run's (or a run's class's) figure at one value of the param, in one group. */
export interface SpreadPoint {
  value: string;
  group: string;
  y: number | null;
  run: string;
}

interface SpreadSummary {
  value: string;
  group: string;
  mean: number;
  sd: number;
  low: number;
  high: number;
  n: number;
}

export interface SpreadRow {
  param: string;
  values: string[];
  groups: string[];
  single: SpreadPoint[];
  summary: SpreadSummary[];
}

/** Mean ± one standard deviation of the single values per (value, group), in order of first appearance. */
function summarize(single: SpreadPoint[]): SpreadSummary[] {
  const grouped = new Map<string, { value: string; group: string; ys: number[] }>();
  for (const row of single) {
    const id = JSON.stringify([row.value, row.group]);
    if (!grouped.has(id)) grouped.set(id, { value: row.value, group: row.group, ys: [] });
    grouped.get(id)!.ys.push(row.y as number);
  }
  return [...grouped.values()].map(({ value, group, ys }) => {
    const stats = spread(ys)!;
    return {
      value,
      group,
      mean: stats.mean,
      sd: stats.stdev,
      low: stats.mean - stats.stdev,
      high: stats.mean + stats.stdev,
      n: stats.count,
    };
  });
}

/**
 * The rows of a spread chart: one per swept param (one "all runs" row when nothing is swept).
 * `pointsFor` gives a row's single values (labelled with `valueOf`) and its groups in order;
 * `others` are the swept params besides the row's.
 */
export function spreadRows(
  input: ReportInput,
  runs: ReportRun[],
  pointsFor: (valueOf: (run: ReportRun) => string, others: string[]) => { single: SpreadPoint[]; groups: string[] },
): SpreadRow[] {
  const keys = facetKeys(input);
  const params = keys.length > 0 ? keys : ['(no swept parameter)'];
  return params.map((param) => {
    const others = keys.filter((key) => key !== param);
    const valueOf = (run: ReportRun) => (keys.length > 0 ? formatParamValue(run.params[param]) : 'all runs');
    const { single, groups } = pointsFor(valueOf, others);
    return { param, values: keys.length > 0 ? sortedValues(runs, param) : ['all runs'], groups, single, summary: summarize(single) };
  });
}

export function spreadChart(
  rowsByParam: SpreadRow[],
  yTitle: string,
  groupTitle: (param: string) => string,
  groupScale: (groups: string[]) => Record<string, unknown>,
  sharedColor: boolean,
): TopLevelSpec {
  const charts = rowsByParam.map(({ param, values, groups, single, summary }) => {
    const x = { field: 'value', type: 'nominal', title: param, sort: values, axis: { labelAngle: 0 } };
    const xOffset = { field: 'group', type: 'nominal', sort: groups, scale: { paddingInner: 0.1 } };
    const color = { field: 'group', type: 'nominal', title: groupTitle(param), sort: groups, scale: groupScale(groups) };
    return {
      // With an xOffset channel the step is the width of one group's slot inside an x band.
      width: { step: groups.length > 4 ? 12 : 24 },
      height: 180,
      layer: [
        ...meanAndBarLayers({
          x,
          xOffset,
          color,
          yTitle,
          values: summary,
          barMark: { type: 'rule', strokeWidth: 1.5 },
          meanMark: { type: 'tick', thickness: 2, size: 12 },
          tooltip: [
            { field: 'value', title: param },
            { field: 'group', title: groupTitle(param) },
            { field: 'mean', format: '.3f' },
            { field: 'sd', format: '.3f' },
            { field: 'n', title: 'runs' },
          ],
        }),
        {
          data: { values: single },
          mark: { type: 'circle', size: 28, opacity: 0.6 },
          encoding: {
            x,
            xOffset,
            color,
            y: { field: 'y', type: 'quantitative' },
            tooltip: [
              { field: 'run', title: 'run' },
              { field: 'y', title: yTitle, format: '.3f' },
            ],
          },
        },
      ],
      resolve: { scale: { y: 'shared' } },
    };
  });
  return {
    $schema: vegaLiteSchema,
    vconcat: charts,
    resolve: { scale: { color: sharedColor ? 'shared' : 'independent', xOffset: 'independent', x: 'independent' } },
    config: baseConfig,
  } as unknown as TopLevelSpec;
}
