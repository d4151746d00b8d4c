/**
 * Training curves: one panel per run, the loss (or the positive and negative pair distances)
 * against the step, with red bands over steps whose loss was NaN.
 */
import type { TopLevelSpec } from 'vega-lite';
import { compactNumber, evenlySpacedIndices, nanStepRanges } from '../shaping.ts';
import type { ReportInput, ReportRun } from '../types.ts';
import { baseConfig, vegaLiteSchema } from './encodings.ts';
import { newChartSection, type ChartOptions, type ChartSection } from './section.ts';

const headerLineLength = 40;

/** "run 7" then the label wrapped at its commas, lines joined by \n (split again by the header's labelExpr). */
export function runTitle(run: ReportRun): string {
  const lines = [`run ${run.runId}`];
  let line = '';
  for (const part of run.label.split(', ')) {
    const next = line === '' ? part : `${line}, ${part}`;
    if (line !== '' && next.length > headerLineLength) {
      lines.push(line);
      line = part;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

interface CurveSeries {
  name: string;
  field: string;
  pick: (point: ReportRun['curve'][number]) => number | null;
}

function curveChart(input: ReportInput, options: ChartOptions, section: ChartSection, series: CurveSeries[], yTitle: string): ChartSection {
  const runs = input.runs.filter((run) => run.curve.some((point) => series.some((entry) => entry.pick(point) !== null) || point.nan));
  if (runs.length === 0) {
    section.emptyReason = 'no run has logged training steps yet.';
    return section;
  }
  // Rows carry the run's index; the facet header looks its title up, and the series are
  // folded into long form in the browser, which keeps the embedded JSON small.
  const rows: Array<Record<string, string | number | null>> = [];
  let thinned = false;
  runs.forEach((run, runIndex) => {
    const curve = [...run.curve].sort((a, b) => a.step - b.step);
    const indices = evenlySpacedIndices(curve.length, options.maxCurvePointsPerRun);
    if (indices.length < curve.length) thinned = true;
    for (const index of indices) {
      const point = curve[index];
      const row: Record<string, string | number | null> = { r: runIndex, step: point.step };
      let any = false;
      for (const entry of series) {
        row[entry.field] = compactNumber(entry.pick(point));
        if (row[entry.field] !== null) any = true;
      }
      if (any) rows.push(row);
    }
    for (const range of nanStepRanges(curve)) rows.push({ r: runIndex, k: 'n', step: range.start, end: range.end });
  });
  if (thinned)
    section.notes.push(`Curves longer than ${options.maxCurvePointsPerRun} logged steps are thinned evenly; NaN bands use every step.`);
  const anyNan = rows.some((row) => row.k === 'n');
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c'];
  const layers: unknown[] = [];
  if (anyNan) {
    layers.push({
      transform: [{ filter: "datum.k === 'n'" }],
      mark: { type: 'rect', color: '#e74c3c', opacity: 0.25, stroke: '#e74c3c', strokeWidth: 1, strokeOpacity: 0.7 },
      encoding: {
        x: { field: 'step', type: 'quantitative' },
        x2: { field: 'end' },
        tooltip: [
          { field: 'step', title: 'NaN from step' },
          { field: 'end', title: 'to step' },
        ],
      },
    });
  }
  // Series names and fields are constants of this module, never user text.
  const nameExpression = series.reduceRight((otherwise, entry) => `datum.f === '${entry.field}' ? '${entry.name}' : ${otherwise}`, "''");
  layers.push({
    transform: [
      { filter: "datum.k !== 'n'" },
      { fold: series.map((entry) => entry.field), as: ['f', 'v'] },
      { filter: 'isValid(datum.v)' },
      { calculate: nameExpression, as: 'series' },
    ],
    mark: { type: 'line', strokeWidth: 1.4 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'v', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: series.map((entry) => entry.name), range: palette.slice(0, series.length) },
        legend: series.length > 1 ? { orient: 'top' } : null,
      },
    },
  });
  section.spec = {
    $schema: vegaLiteSchema,
    params: [{ name: 'runTitles', value: runs.map(runTitle) }],
    data: { values: rows },
    facet: {
      field: 'r',
      type: 'ordinal',
      title: null,
      header: { labelFontSize: 11, labelLimit: 250, labelExpr: "split(runTitles[datum.value], '\\n')" },
    },
    columns: Math.min(4, runs.length),
    spec: { width: 210, height: 130, layer: layers },
    resolve: { scale: { y: 'independent' } },
    config: baseConfig,
  } as unknown as TopLevelSpec;
  if (anyNan) section.notes.push('Red bands mark logged steps whose loss was NaN.');
  section.notes.push('Each panel has its own y-axis, so a diverging run does not flatten the others.');
  return section;
}

export function lossCurveChart(input: ReportInput, options: ChartOptions): ChartSection {
  return curveChart(
    input,
    options,
    newChartSection(
      'loss-curves',
      'Training loss',
      'One panel per run: the contrastive loss against the training step; a red band marks steps whose loss was NaN.',
    ),
    [{ name: 'loss', field: 'l', pick: (point) => point.loss }],
    'loss',
  );
}

export function distanceCurveChart(input: ReportInput, options: ChartOptions): ChartSection {
  return curveChart(
    input,
    options,
    newChartSection(
      'distance-curves',
      'Pair distances during training',
      'One panel per run: the mean embedding distance of positive (same-class) and negative (different-class) pairs against the step; training works when the two lines move apart.',
    ),
    [
      { name: 'positive pairs', field: 'p', pick: (point) => point.positiveDistance },
      { name: 'negative pairs', field: 'n', pick: (point) => point.negativeDistance },
    ],
    'mean distance',
  );
}
