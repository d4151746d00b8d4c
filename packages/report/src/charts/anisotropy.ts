/** Cluster shape: each run's anisotropy per swept parameter, spread over seeds. */
import { cellLabel, compactNumber, facetKeys } from '../shaping.ts';
import type { ReportInput } from '../types.ts';
import { orderedGroups } from './run-order.ts';
import { newChartSection, type ChartSection } from './section.ts';
import { spreadChart, spreadRows } from './spread.ts';

export function anisotropyChart(input: ReportInput): ChartSection {
  const section = newChartSection(
    'anisotropy',
    'Cluster shape: anisotropy',
    'One row per swept parameter: dots are single runs (one per seed), the tick and vertical bar are their mean ± one standard deviation, and the colour separates the settings of the other swept parameters, so each bar shows the spread over seeds alone (1 means round clusters, larger means stretched).',
  );
  const runs = input.runs.filter((run) => typeof run.metrics.anisotropy === 'number' && Number.isFinite(run.metrics.anisotropy));
  if (runs.length === 0) {
    section.emptyReason = 'no run has an anisotropy metric yet (it is computed when a run completes).';
    return section;
  }
  const rowsByParam = spreadRows(input, runs, (valueOf, others) => ({
    single: runs.map((run) => ({
      value: valueOf(run),
      group: cellLabel(run, others),
      y: compactNumber(run.metrics.anisotropy),
      run: `${run.runId}: ${run.label}`,
    })),
    groups: orderedGroups(runs, others),
  }));
  const keys = facetKeys(input);
  section.spec = spreadChart(
    rowsByParam,
    'anisotropy',
    (param) => {
      const others = keys.filter((key) => key !== param);
      return others.length > 0 ? others.join(', ') : 'runs';
    },
    () => ({ scheme: 'dark2' }),
    false,
  );
  return section;
}
