/**
 * The report's charts as Vega-Lite specs with their data inlined. User strings (param values,
 * labels) only ever appear as data values or header text, never as field names or expressions:
 * Vega-Lite reads dots in field names as nested access.
 */
import type { TopLevelSpec } from 'vega-lite';
import {
  cellLabel,
  compactNumber,
  compareParamValues,
  ellipsePolygon,
  evenlySpacedIndices,
  facetKeys,
  formatParamValue,
  hashString,
  nanIncidence,
  nanStepRanges,
  seedKey,
  spread,
  stratifiedSubsample,
} from './shaping.ts';
import type { ParamValue, ReportInput, ReportRun } from './types.ts';
import { intervalChart } from './interval-chart.ts';

export interface ChartSection {
  /** Fixed identifier (never from user input): used for element ids and SVG file names. */
  id: string;
  title: string;
  /** One sentence on how to read the chart. */
  howToRead: string;
  /** Extra facts about what is shown (subsampling, seed choice). */
  notes: string[];
  spec: TopLevelSpec | null;
  /** Set when there is nothing to draw; shown instead of an empty chart. */
  emptyReason?: string;
}

export interface ChartOptions {
  maxPointsPerRun: number;
  /** Longer curves are thinned evenly (NaN steps are kept as bands regardless). */
  maxCurvePointsPerRun: number;
}

const panelSize = 220;

const baseConfig = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  view: { stroke: '#d0d0d0' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eeeeee' },
  header: { labelFontSize: 12, titleFontSize: 12, labelLimit: 320 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400, titleLimit: 400 },
};

function classColorScale(classNames: string[]): { domain: string[]; scheme: string } {
  return { domain: classNames, scheme: classNames.length <= 10 ? 'category10' : 'tableau20' };
}

function className(input: ReportInput, label: number): string {
  return input.classNames[label] ?? String(label);
}

/** Distinct values of a param over runs, in display order. */
function sortedValues(runs: ReportRun[], key: string): string[] {
  const byText = new Map<string, ParamValue | undefined>();
  for (const run of runs) byText.set(formatParamValue(run.params[key]), run.params[key]);
  return [...byText.entries()].sort((a, b) => compareParamValues(a[1], b[1])).map(([text]) => text);
}

function seedOf(run: ReportRun): ParamValue | undefined {
  return run.params[seedKey];
}

// ---------------------------------------------------------------------------------------------
// 1. Embedding scatter

interface FacetLayout {
  columnKey: string | null;
  rowKeys: string[];
}

function facetLayout(input: ReportInput, keys = facetKeys(input)): FacetLayout {
  return { columnKey: keys[0] ?? null, rowKeys: keys.slice(1) };
}

/** The embedding chart shows every run: the swept settings, then the seed, as facets. */
function embeddingKeys(input: ReportInput): string[] {
  const keys = facetKeys(input);
  return input.sweepKeys.includes(seedKey) ? [...keys, seedKey] : keys;
}

/** Points drawn per panel: the option's cap, lowered for very large sweeps so the page stays light. */
export function pointsPerPanel(maxPointsPerRun: number, panels: number): number {
  return Math.min(maxPointsPerRun, Math.max(200, Math.floor(60_000 / Math.max(1, panels))));
}

function rowLabel(run: ReportRun, rowKeys: string[]): string {
  if (rowKeys.length === 1) return formatParamValue(run.params[rowKeys[0]]);
  return rowKeys.map((key) => `${key}=${formatParamValue(run.params[key])}`).join(', ');
}

/** Runs with an embedding, one per panel (setting and seed; a repeated one keeps the lowest run id). */
export function embeddingRunsPerCell(input: ReportInput): ReportRun[] {
  const keys = embeddingKeys(input);
  const chosen = new Map<string, ReportRun>();
  for (const run of input.runs) {
    if (!run.embedding || run.embedding.labels.length === 0) continue;
    const cell = cellLabel(run, keys);
    const current = chosen.get(cell);
    const better =
      !current ||
      compareParamValues(seedOf(run), seedOf(current)) < 0 ||
      (compareParamValues(seedOf(run), seedOf(current)) === 0 && compareParamValues(Number(run.runId), Number(current.runId)) < 0);
    if (better) chosen.set(cell, run);
  }
  return [...chosen.values()];
}

export function embeddingChart(input: ReportInput, options: ChartOptions): ChartSection {
  const section: ChartSection = {
    id: 'embedding',
    title: 'Embeddings',
    howToRead:
      'Each panel is one run’s test-set embedding (first two dimensions), one dot per sample coloured by class; the cross marks a class centroid and the outline its one-sigma ellipse, and all panels share the same axes so runs can be compared directly.',
    notes: [],
    spec: null,
  };
  const runs = embeddingRunsPerCell(input);
  if (runs.length === 0) {
    section.emptyReason = 'no run has saved an embedding yet (embeddings are written when a run completes).';
    return section;
  }
  const layout = facetLayout(input, embeddingKeys(input));
  const hasSeeds = input.runs.some((run) => seedOf(run) !== undefined);
  const maxPoints = pointsPerPanel(options.maxPointsPerRun, runs.length);
  const hasDomain = runs.some((run) => run.embedding!.domain !== undefined);
  // Facet fields hold small indices into these name lists (looked up by the headers), which
  // keeps the per-point rows short.
  const columnNames = layout.columnKey === null ? [''] : sortedValues(runs, layout.columnKey);
  const rowNames = [
    ...new Set(
      [...runs]
        .sort((a, b) => {
          for (const key of layout.rowKeys) {
            const compared = compareParamValues(a.params[key], b.params[key]);
            if (compared !== 0) return compared;
          }
          return 0;
        })
        .map((run) => rowLabel(run, layout.rowKeys)),
    ),
  ];
  const rows: Array<Record<string, string | number | null>> = [];
  let shownTotal = 0;
  let pointTotal = 0;
  for (const run of runs) {
    const embedding = run.embedding!;
    const count = embedding.labels.length;
    const dim = embedding.dim;
    const column = layout.columnKey === null ? 0 : columnNames.indexOf(formatParamValue(run.params[layout.columnKey]));
    const row = rowNames.indexOf(rowLabel(run, layout.rowKeys));
    const base = { col: column, row };
    const finite: number[] = [];
    for (let i = 0; i < count; i++) {
      const x = embedding.points[i * dim];
      const y = dim >= 2 ? embedding.points[i * dim + 1] : 0;
      if (Number.isFinite(x) && Number.isFinite(y)) finite.push(i);
    }
    const picked = stratifiedSubsample(
      finite.map((i) => embedding.labels[i]),
      Math.min(maxPoints, finite.length),
      hashString(`${run.runId}:${run.configHash}`),
    ).map((position) => finite[position]);
    for (const i of picked) {
      const point: Record<string, string | number | null> = {
        ...base,
        k: 'p',
        x: compactNumber(embedding.points[i * dim]),
        y: dim >= 2 ? compactNumber(embedding.points[i * dim + 1]) : 0,
        cls: className(input, embedding.labels[i]),
      };
      if (hasDomain) point.src = embedding.domain ? `source ${embedding.domain[i] === 1 ? 'B' : 'A'}` : 'source A';
      rows.push(point);
    }
    shownTotal += picked.length;
    pointTotal += count;
    for (const shape of run.classShapes ?? []) {
      const cx = shape.centroid[0];
      const cy = shape.centroid.length >= 2 ? shape.centroid[1] : 0;
      if (!Number.isFinite(cx) || !Number.isFinite(cy)) continue;
      const cls = className(input, shape.label);
      rows.push({ ...base, k: 'c', x: compactNumber(cx), y: compactNumber(cy), cls });
      const { majorStd, minorStd, angleRadians } = shape.ellipse;
      if (![majorStd, minorStd, angleRadians].every(Number.isFinite)) continue;
      for (const vertex of ellipsePolygon([cx, cy], shape.ellipse)) {
        rows.push({ ...base, k: 'e', x: compactNumber(vertex.x), y: compactNumber(vertex.y), o: vertex.order, cls });
      }
    }
    const dropped = count - finite.length;
    const seedText = hasSeeds ? `seed ${formatParamValue(seedOf(run))}, ` : '';
    rows.push({
      ...base,
      k: 't',
      text: `run ${run.runId}: ${seedText}${picked.length} of ${count} points${dropped > 0 ? ` (${dropped} non-finite)` : ''}`,
    });
  }
  section.notes.push(
    `${shownTotal} of ${pointTotal} points shown over ${runs.length} panel${runs.length === 1 ? '' : 's'}: at most ${maxPoints} per run, a seeded sample that keeps each class’s share.`,
  );
  if (runs.some((run) => (run.embedding?.dim ?? 2) > 2))
    section.notes.push('Embeddings with more than two dimensions show their first two.');

  const color = { field: 'cls', type: 'nominal', title: 'class', scale: classColorScale(input.classNames) } as const;
  const xy = {
    x: { field: 'x', type: 'quantitative', title: 'dimension 1', scale: { zero: false } },
    y: { field: 'y', type: 'quantitative', title: 'dimension 2', scale: { zero: false } },
  } as const;
  const layers = [
    {
      transform: [{ filter: "datum.k === 'p'" }],
      mark: { type: hasDomain ? 'point' : 'circle', size: 9, opacity: 0.55, filled: true },
      encoding: {
        ...xy,
        color,
        ...(hasDomain ? { shape: { field: 'src', type: 'nominal', title: 'source' } } : {}),
      },
    },
    {
      transform: [{ filter: "datum.k === 'e'" }],
      mark: { type: 'line', strokeWidth: 1.6, opacity: 0.95 },
      encoding: { ...xy, color, detail: { field: 'cls', type: 'nominal' }, order: { field: 'o', type: 'quantitative' } },
    },
    {
      transform: [{ filter: "datum.k === 'c'" }],
      mark: { type: 'point', shape: 'cross', size: 90, filled: true, stroke: '#222222', strokeWidth: 0.8, opacity: 1 },
      encoding: { ...xy, color, tooltip: [{ field: 'cls', title: 'centroid of class' }] },
    },
    {
      transform: [{ filter: "datum.k === 't'" }],
      mark: { type: 'text', align: 'left', baseline: 'top', fontSize: 10, color: '#444444' },
      encoding: { x: { value: 4 }, y: { value: 4 }, text: { field: 'text' } },
    },
  ];
  const facet: Record<string, unknown> = {};
  const params: Array<{ name: string; value: string[] }> = [];
  if (layout.columnKey !== null) {
    params.push({ name: 'columnNames', value: columnNames });
    facet.column = { field: 'col', type: 'ordinal', title: layout.columnKey, header: { labelExpr: 'columnNames[datum.value]' } };
  }
  if (layout.rowKeys.length > 0) {
    params.push({ name: 'rowNames', value: rowNames });
    facet.row = {
      field: 'row',
      type: 'ordinal',
      title: layout.rowKeys.length === 1 ? layout.rowKeys[0] : null,
      header: { labelExpr: 'rowNames[datum.value]' },
    };
  }
  const inner = { width: panelSize, height: panelSize, layer: layers };
  section.spec = (
    layout.columnKey === null
      ? { $schema: schema, data: { values: rows }, ...inner, config: baseConfig }
      : { $schema: schema, params, data: { values: rows }, facet, spec: inner, config: baseConfig }
  ) as TopLevelSpec;
  return section;
}

const schema = 'https://vega.github.io/schema/vega-lite/v5.json';

// ---------------------------------------------------------------------------------------------
// 2. Cluster shape

/** One row per swept param: x = that param's value, offset + colour = a group, y = mean ± sd and single values. */
function spreadChart(
  rowsByParam: Array<{
    param: string;
    values: string[];
    groups: string[];
    single: Array<Record<string, unknown>>;
    summary: Array<Record<string, unknown>>;
  }>,
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
        {
          data: { values: summary },
          mark: { type: 'rule', strokeWidth: 1.5 },
          encoding: {
            x,
            xOffset,
            color,
            y: { field: 'low', type: 'quantitative', title: yTitle, scale: { zero: false } },
            y2: { field: 'high' },
          },
        },
        {
          data: { values: summary },
          mark: { type: 'tick', thickness: 2, size: 12 },
          encoding: {
            x,
            xOffset,
            color,
            y: { field: 'mean', type: 'quantitative' },
            tooltip: [
              { field: 'value', title: param },
              { field: 'group', title: groupTitle(param) },
              { field: 'mean', format: '.3f' },
              { field: 'sd', format: '.3f' },
              { field: 'n', title: 'runs' },
            ],
          },
        },
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
    $schema: schema,
    vconcat: charts,
    resolve: { scale: { color: sharedColor ? 'shared' : 'independent', xOffset: 'independent', x: 'independent' } },
    config: baseConfig,
  } as unknown as TopLevelSpec;
}

export function anisotropyChart(input: ReportInput): ChartSection {
  const section: ChartSection = {
    id: 'anisotropy',
    title: 'Cluster shape: anisotropy',
    howToRead:
      'One row per swept parameter: dots are single runs (one per seed), the tick and vertical bar are their mean ± one standard deviation, and the colour separates the settings of the other swept parameters, so each bar shows the spread over seeds alone (1 means round clusters, larger means stretched).',
    notes: [],
    spec: null,
  };
  const runs = input.runs.filter((run) => typeof run.metrics.anisotropy === 'number' && Number.isFinite(run.metrics.anisotropy));
  if (runs.length === 0) {
    section.emptyReason = 'no run has an anisotropy metric yet (it is computed when a run completes).';
    return section;
  }
  const keys = facetKeys(input);
  const params = keys.length > 0 ? keys : ['(no swept parameter)'];
  const rowsByParam = params.map((param) => {
    const others = keys.filter((key) => key !== param);
    const valueOf = (run: ReportRun) => (keys.length > 0 ? formatParamValue(run.params[param]) : 'all runs');
    const single = runs.map((run) => ({
      value: valueOf(run),
      group: cellLabel(run, others),
      y: compactNumber(run.metrics.anisotropy),
      run: `${run.runId}: ${run.label}`,
    }));
    const grouped = new Map<string, { value: string; group: string; ys: number[] }>();
    for (const row of single) {
      const id = JSON.stringify([row.value, row.group]);
      if (!grouped.has(id)) grouped.set(id, { value: row.value, group: row.group, ys: [] });
      grouped.get(id)!.ys.push(row.y as number);
    }
    const summary = [...grouped.values()].map(({ value, group, ys }) => {
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
    const groups = orderedGroups(runs, others);
    return { param, values: keys.length > 0 ? sortedValues(runs, param) : ['all runs'], groups, single, summary };
  });
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

function orderedGroups(runs: ReportRun[], keys: string[]): string[] {
  const sorted = [...runs].sort((a, b) => {
    for (const key of keys) {
      const compared = compareParamValues(a.params[key], b.params[key]);
      if (compared !== 0) return compared;
    }
    return 0;
  });
  return [...new Set(sorted.map((run) => cellLabel(run, keys)))];
}

export function axisRatioChart(input: ReportInput): ChartSection {
  const section: ChartSection = {
    id: 'axis-ratio',
    title: 'Cluster shape: axis ratio per class',
    howToRead:
      'One row per swept parameter: for each value and class, dots are single runs (every seed and every setting of the other parameters) and the tick and bar are their mean ± one standard deviation of the ratio of the longest to the shortest axis of that class’s cluster.',
    notes: [],
    spec: null,
  };
  const runs = input.runs.filter((run) =>
    (run.classShapes ?? []).some((shape) => typeof shape.axisRatio === 'number' && Number.isFinite(shape.axisRatio)),
  );
  if (runs.length === 0) {
    section.emptyReason = 'no run has recorded per-class cluster shapes yet (they are computed when a run completes).';
    return section;
  }
  const keys = facetKeys(input);
  const params = keys.length > 0 ? keys : ['(no swept parameter)'];
  const classOrder = input.classNames.length > 0 ? input.classNames : [];
  const rowsByParam = params.map((param) => {
    const valueOf = (run: ReportRun) => (keys.length > 0 ? formatParamValue(run.params[param]) : 'all runs');
    const single: Array<{ value: string; group: string; y: number | null; run: string }> = [];
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
    const grouped = new Map<string, { value: string; group: string; ys: number[] }>();
    for (const row of single) {
      const id = JSON.stringify([row.value, row.group]);
      if (!grouped.has(id)) grouped.set(id, { value: row.value, group: row.group, ys: [] });
      grouped.get(id)!.ys.push(row.y as number);
    }
    const summary = [...grouped.values()].map(({ value, group, ys }) => {
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
    const present = new Set(single.map((row) => row.group));
    const groups = [...classOrder.filter((name) => present.has(name)), ...[...present].filter((name) => !classOrder.includes(name))];
    return { param, values: keys.length > 0 ? sortedValues(runs, param) : ['all runs'], groups, single, summary };
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

// ---------------------------------------------------------------------------------------------
// 3. NaN incidence

export function nanHeatmapChart(input: ReportInput): ChartSection {
  const section: ChartSection = {
    id: 'nan-share',
    title: 'NaN incidence',
    howToRead:
      'Each cell is one combination of epsilon, sampler and optimizer; its colour and label give the share of runs (over seeds) that produced a NaN loss, as runs-with-NaN / runs.',
    notes: ['Finished runs count, plus running runs that already hit NaN; queued runs do not.'],
    spec: null,
  };
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
  const [epsilonKey, samplerKey, optimizerKey] = ['loss.epsilon', 'sampler.kind', 'optimizer.name'].map((key) =>
    keys.includes(key) ? key : null,
  );
  const counted = input.runs.filter((run) => keys.every((key) => run.params[key] !== undefined));
  const values = cells.map((cell) => ({
    eps: epsilonKey ? cell.values[epsilonKey] : 'all',
    sampler: samplerKey ? cell.values[samplerKey] : 'all',
    opt: optimizerKey ? cell.values[optimizerKey] : 'all',
    share: cell.share,
    label: `${cell.hit}/${cell.total}`,
    dark: cell.share > 0.6,
  }));
  const missing = ['loss.epsilon', 'sampler.kind', 'optimizer.name'].filter((key) => !keys.includes(key));
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
        $schema: schema,
        data: { values },
        facet: { column: { field: 'opt', type: 'nominal', title: optimizerKey, sort: sortedValues(counted, optimizerKey) } },
        spec: inner,
        config: baseConfig,
      }
    : { $schema: schema, data: { values }, ...inner, config: baseConfig }) as unknown as TopLevelSpec;
  return section;
}

export function firstNanStepChart(input: ReportInput): ChartSection {
  const section: ChartSection = {
    id: 'first-nan-step',
    title: 'When NaN first appears',
    howToRead:
      'One dot per run that hit NaN, placed at the training step of its first NaN loss and grouped by its epsilon, sampler and optimizer, so early failures sit on the left.',
    notes: [],
    spec: null,
  };
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
    $schema: schema,
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

// ---------------------------------------------------------------------------------------------
// 4. Training curves

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

function curveChart(
  input: ReportInput,
  options: ChartOptions,
  section: ChartSection,
  series: Array<{ name: string; field: string; pick: (point: ReportRun['curve'][number]) => number | null }>,
  yTitle: string,
): ChartSection {
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
    $schema: schema,
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
    {
      id: 'loss-curves',
      title: 'Training loss',
      howToRead: 'One panel per run: the contrastive loss against the training step; a red band marks steps whose loss was NaN.',
      notes: [],
      spec: null,
    },
    [{ name: 'loss', field: 'l', pick: (point) => point.loss }],
    'loss',
  );
}

export function distanceCurveChart(input: ReportInput, options: ChartOptions): ChartSection {
  return curveChart(
    input,
    options,
    {
      id: 'distance-curves',
      title: 'Pair distances during training',
      howToRead:
        'One panel per run: the mean embedding distance of positive (same-class) and negative (different-class) pairs against the step; training works when the two lines move apart.',
      notes: [],
      spec: null,
    },
    [
      { name: 'positive pairs', field: 'p', pick: (point) => point.positiveDistance },
      { name: 'negative pairs', field: 'n', pick: (point) => point.negativeDistance },
    ],
    'mean distance',
  );
}

export function buildCharts(input: ReportInput, options: ChartOptions): ChartSection[] {
  return [
    intervalChart(input),
    embeddingChart(input, options),
    anisotropyChart(input),
    axisRatioChart(input),
    nanHeatmapChart(input),
    firstNanStepChart(input),
    lossCurveChart(input, options),
    distanceCurveChart(input, options),
  ];
}
