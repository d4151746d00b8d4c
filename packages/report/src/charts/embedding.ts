/**
 * The embedding scatter: one panel per run (the swept settings, then the seed, as facets), its
 * test points coloured by class with each class's centroid and one-sigma ellipse. User strings
 * (param values, labels) only ever appear as data values or header text, never as field names or
 * expressions: Vega-Lite reads dots in field names as nested access.
 */
import type { TopLevelSpec } from 'vega-lite';
import {
  cellLabel,
  compactNumber,
  compareParamValues,
  ellipsePolygon,
  facetKeys,
  formatParamValue,
  hashString,
  seedKey,
  stratifiedSubsample,
} from '../shaping.ts';
import type { ReportInput, ReportRun } from '../types.ts';
import { baseConfig, classColorScale, vegaLiteSchema } from './encodings.ts';
import { className, seedOf, sortedByParams, sortedValues } from './run-order.ts';
import { newChartSection, type ChartOptions, type ChartSection } from './section.ts';

const panelSize = 220;

interface FacetLayout {
  columnKey: string | null;
  rowKeys: string[];
}

function facetLayout(keys: string[]): FacetLayout {
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

type Row = Record<string, string | number | null>;

/** The rows of one run's panel: its sampled points, centroids, ellipse outlines and a caption. */
function panelRows(
  input: ReportInput,
  run: ReportRun,
  base: { col: number; row: number },
  maxPoints: number,
  captions: { hasDomain: boolean; hasSeeds: boolean },
): { rows: Row[]; shown: number; total: number } {
  const rows: Row[] = [];
  const embedding = run.embedding!;
  const count = embedding.labels.length;
  const dim = embedding.dim;
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
    const point: Row = {
      ...base,
      k: 'p',
      x: compactNumber(embedding.points[i * dim]),
      y: dim >= 2 ? compactNumber(embedding.points[i * dim + 1]) : 0,
      cls: className(input, embedding.labels[i]),
    };
    if (captions.hasDomain) point.src = embedding.domain ? `source ${embedding.domain[i] === 1 ? 'B' : 'A'}` : 'source A';
    rows.push(point);
  }
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
  const seedText = captions.hasSeeds ? `seed ${formatParamValue(seedOf(run))}, ` : '';
  rows.push({
    ...base,
    k: 't',
    text: `run ${run.runId}: ${seedText}${picked.length} of ${count} points${dropped > 0 ? ` (${dropped} non-finite)` : ''}`,
  });
  return { rows, shown: picked.length, total: count };
}

/** Points, ellipse outlines, centroids and the caption, told apart by the rows' `k`. */
function panelLayers(input: ReportInput, hasDomain: boolean): object[] {
  const color = { field: 'cls', type: 'nominal', title: 'class', scale: classColorScale(input.classNames) } as const;
  const xy = {
    x: { field: 'x', type: 'quantitative', title: 'dimension 1', scale: { zero: false } },
    y: { field: 'y', type: 'quantitative', title: 'dimension 2', scale: { zero: false } },
  } as const;
  return [
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
}

export function embeddingChart(input: ReportInput, options: ChartOptions): ChartSection {
  const section = newChartSection(
    'embedding',
    'Embeddings',
    'Each panel is one run’s test-set embedding (first two dimensions), one dot per sample coloured by class; the cross marks a class centroid and the outline its one-sigma ellipse, and all panels share the same axes so runs can be compared directly.',
  );
  const runs = embeddingRunsPerCell(input);
  if (runs.length === 0) {
    section.emptyReason = 'no run has saved an embedding yet (embeddings are written when a run completes).';
    return section;
  }
  const layout = facetLayout(embeddingKeys(input));
  const hasSeeds = input.runs.some((run) => seedOf(run) !== undefined);
  const maxPoints = pointsPerPanel(options.maxPointsPerRun, runs.length);
  const hasDomain = runs.some((run) => run.embedding!.domain !== undefined);
  // Facet fields hold small indices into these name lists (looked up by the headers), which
  // keeps the per-point rows short.
  const columnNames = layout.columnKey === null ? [''] : sortedValues(runs, layout.columnKey);
  const rowNames = [...new Set(sortedByParams(runs, layout.rowKeys).map((run) => rowLabel(run, layout.rowKeys)))];
  const rows: Row[] = [];
  let shownTotal = 0;
  let pointTotal = 0;
  for (const run of runs) {
    const column = layout.columnKey === null ? 0 : columnNames.indexOf(formatParamValue(run.params[layout.columnKey]));
    const row = rowNames.indexOf(rowLabel(run, layout.rowKeys));
    const panel = panelRows(input, run, { col: column, row }, maxPoints, { hasDomain, hasSeeds });
    for (const panelRow of panel.rows) rows.push(panelRow);
    shownTotal += panel.shown;
    pointTotal += panel.total;
  }
  section.notes.push(
    `${shownTotal} of ${pointTotal} points shown over ${runs.length} panel${runs.length === 1 ? '' : 's'}: at most ${maxPoints} per run, a seeded sample that keeps each class’s share.`,
  );
  if (runs.some((run) => (run.embedding?.dim ?? 2) > 2))
    section.notes.push('Embeddings with more than two dimensions show their first two.');

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
  const inner = { width: panelSize, height: panelSize, layer: panelLayers(input, hasDomain) };
  section.spec = (
    layout.columnKey === null
      ? { $schema: vegaLiteSchema, data: { values: rows }, ...inner, config: baseConfig }
      : { $schema: vegaLiteSchema, params, data: { values: rows }, facet, spec: inner, config: baseConfig }
  ) as TopLevelSpec;
  return section;
}
