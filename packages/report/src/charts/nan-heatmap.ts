/** NaN incidence: the share of runs that hit NaN per epsilon × sampler (× optimizer) cell. */
import type { TopLevelSpec } from 'vega-lite';
import { nanCellKeys, nanIncidence } from '../shaping.ts';
import type { ReportInput } from '../types.ts';
import { baseConfig, vegaLiteSchema } from './encodings.ts';
import { sortedValues } from './run-order.ts';
import { newChartSection, type ChartSection } from './section.ts';

export function nanHeatmapChart(input: ReportInput): ChartSection {
  const section = newChartSection(
    'nan-share',
    'NaN incidence',
    'Each cell is one combination of epsilon, sampler and optimizer; its colour and label give the share of runs (over seeds) that produced a NaN loss, as runs-with-NaN / runs.',
    ['Finished runs count, plus running runs that already hit NaN; queued runs do not.'],
  );
  const { keys, cells } = nanIncidence(input.runs);
  const total = cells.reduce((sum, cell) => sum + cell.total, 0);
  if (total === 0) {
    section.emptyReason = 'no run has finished yet.';
    return section;
  }
  if (cells.every((cell) => cell.hit === 0)) {
    section.emptyReason = `no run hit NaN (${total} finished run${total === 1 ? '' : 's'} checked).`;
    return section;
  }
  const [epsilonKey, samplerKey, optimizerKey] = nanCellKeys.map((key) => (keys.includes(key) ? key : null));
  const counted = input.runs.filter((run) => keys.every((key) => run.params[key] !== undefined));
  const values = cells.map((cell) => ({
    eps: epsilonKey ? cell.values[epsilonKey] : 'all',
    sampler: samplerKey ? cell.values[samplerKey] : 'all',
    opt: optimizerKey ? cell.values[optimizerKey] : 'all',
    share: cell.share,
    label: `${cell.hit}/${cell.total}`,
    dark: cell.share > 0.6,
  }));
  const missing = nanCellKeys.filter((key) => !keys.includes(key));
  if (missing.length > 0) section.notes.push(`Not in these runs' parameters, so not split by: ${missing.join(', ')}.`);
  const x = {
    field: 'eps',
    type: 'nominal',
    title: epsilonKey ?? '',
    sort: epsilonKey ? sortedValues(counted, epsilonKey) : undefined,
    axis: { labelAngle: 0 },
  };
  const y = {
    field: 'sampler',
    type: 'nominal',
    title: samplerKey ?? '',
    sort: samplerKey ? sortedValues(counted, samplerKey) : undefined,
  };
  const inner = {
    width: { step: 70 },
    height: { step: 36 },
    layer: [
      {
        mark: { type: 'rect', stroke: '#ffffff' },
        encoding: {
          x,
          y,
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'share with NaN',
            scale: { domain: [0, 1], scheme: 'reds' },
            legend: { format: '.0%' },
          },
          tooltip: [
            { field: 'label', title: 'runs with NaN' },
            { field: 'share', format: '.0%' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          x,
          y,
          text: { field: 'label' },
          color: { condition: { test: 'datum.dark', value: '#ffffff' }, value: '#222222' },
        },
      },
    ],
  };
  section.spec = (optimizerKey
    ? {
        $schema: vegaLiteSchema,
        data: { values },
        facet: { column: { field: 'opt', type: 'nominal', title: optimizerKey, sort: sortedValues(counted, optimizerKey) } },
        spec: inner,
        config: baseConfig,
      }
    : { $schema: vegaLiteSchema, data: { values }, ...inner, config: baseConfig }) as unknown as TopLevelSpec;
  return section;
}
