/** When NaN first appears: one dot per run that hit NaN, at its first NaN step, grouped by its cell. */
import type { TopLevelSpec } from 'vega-lite';
import { cellLabel, facetKeys, formatParamValue, nanIncidence } from '../shaping.ts';
import type { ReportInput } from '../types.ts';
import { baseConfig, vegaLiteSchema } from './encodings.ts';
import { orderedGroups } from './run-order.ts';
import { newChartSection, type ChartSection } from './section.ts';

export function firstNanStepChart(input: ReportInput): ChartSection {
  const section = newChartSection(
    'first-nan-step',
    'When NaN first appears',
    'One dot per run that hit NaN, placed at the training step of its first NaN loss and grouped by its epsilon, sampler and optimizer, so early failures sit on the left.',
  );
  const runs = input.runs.filter((run) => run.firstNanStep !== null && Number.isFinite(run.firstNanStep));
  if (runs.length === 0) {
    section.emptyReason = 'no run recorded a first NaN step.';
    return section;
  }
  const { keys } = nanIncidence(input.runs);
  // Group by the cell keys that actually differ between runs; a constant one only adds noise.
  const candidateKeys = keys.length > 0 ? keys : facetKeys(input);
  const varying = candidateKeys.filter((key) => new Set(input.runs.map((run) => formatParamValue(run.params[key]))).size > 1);
  const groupKeys = varying.length > 0 ? varying : candidateKeys;
  const values = runs.map((run) => ({
    step: run.firstNanStep,
    group: cellLabel(run, groupKeys),
    run: `${run.runId}: ${run.label}`,
    status: run.status,
  }));
  section.spec = {
    $schema: vegaLiteSchema,
    data: { values },
    width: 520,
    height: { step: 26 },
    mark: { type: 'circle', size: 70, opacity: 0.6, color: '#c0392b' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'first NaN step', scale: { zero: true } },
      y: { field: 'group', type: 'nominal', title: null, sort: orderedGroups(runs, groupKeys), axis: { labelLimit: 400 } },
      tooltip: [{ field: 'run' }, { field: 'step', title: 'first NaN step' }, { field: 'status' }],
    },
    config: baseConfig,
  } as unknown as TopLevelSpec;
  return section;
}
