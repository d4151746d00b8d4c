/** Cluster shape: the ratio of the longest to the shortest axis of each class's cluster, per swept parameter. */
import { compactNumber } from '../shaping.ts';
import type { ReportInput } from '../types.ts';
import { classColorScale } from './encodings.ts';
import { className } from './run-order.ts';
import { newChartSection, type ChartSection } from './section.ts';
import { spreadChart, spreadRows, type SpreadPoint } from './spread.ts';

export function axisRatioChart(input: ReportInput): ChartSection {
  const section = newChartSection(
    'axis-ratio',
    'Cluster shape: axis ratio per class',
    'One row per swept parameter: for each value and class, dots are single runs (every seed and every setting of the other parameters) and the tick and bar are their mean ± one standard deviation of the ratio of the longest to the shortest axis of that class’s cluster.',
  );
  const runs = input.runs.filter((run) =>
    (run.classShapes ?? []).some((shape) => typeof shape.axisRatio === 'number' && Number.isFinite(shape.axisRatio)),
  );
  if (runs.length === 0) {
    section.emptyReason = 'no run has recorded per-class cluster shapes yet (they are computed when a run completes).';
    return section;
  }
  const classOrder = input.classNames.length > 0 ? input.classNames : [];
  const rowsByParam = spreadRows(input, runs, (valueOf) => {
    const single: SpreadPoint[] = [];
    for (const run of runs) {
      for (const shape of run.classShapes ?? []) {
        if (typeof shape.axisRatio !== 'number' || !Number.isFinite(shape.axisRatio)) continue;
        single.push({
          value: valueOf(run),
          group: className(input, shape.label),
          y: compactNumber(shape.axisRatio),
          run: `${run.runId}: ${run.label}`,
        });
      }
    }
    // Classes in the input's order; a class the names do not list goes last.
    const present = new Set(single.map((row) => row.group));
    const groups = [...classOrder.filter((name) => present.has(name)), ...[...present].filter((name) => !classOrder.includes(name))];
    return { single, groups };
  });
  section.spec = spreadChart(
    rowsByParam,
    'axis ratio',
    () => 'class',
    () => classColorScale(input.classNames),
    true,
  );
  return section;
}
