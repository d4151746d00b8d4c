import { describe, expect, it } from 'vitest';
import { anisotropyChart } from '../src/charts/anisotropy.ts';
import { embeddingChart, embeddingRunsPerCell, pointsPerPanel } from '../src/charts/embedding.ts';
import { firstNanStepChart } from '../src/charts/first-nan-step.ts';
import { buildCharts } from '../src/charts/index.ts';
import { nanHeatmapChart } from '../src/charts/nan-heatmap.ts';
import { lossCurveChart, runTitle } from '../src/charts/training-curves.ts';
import { summaryTableHtml } from '../src/html.ts';
import { syntheticReportInput } from './synthetic.ts';
import { makeInput, makeRun, xssText } from './helpers.ts';

const chartOptions = { maxPointsPerRun: 150, maxCurvePointsPerRun: 1000 };

type Row = Record<string, unknown>;
function rowsOf(spec: unknown): Row[] {
  return (spec as { data: { values: Row[] } }).data.values;
}

describe('pointsPerPanel', () => {
  it('keeps the cap for ordinary sweeps and lowers it for very large ones, not below 200 unless the cap is lower', () => {
    expect(pointsPerPanel(1500, 24)).toBe(1500);
    expect(pointsPerPanel(1500, 100)).toBe(600);
    expect(pointsPerPanel(1500, 1000)).toBe(200);
    expect(pointsPerPanel(150, 1000)).toBe(150);
  });
});

describe('embedding chart', () => {
  const input = syntheticReportInput(16, 3, { pointsPerRun: 400, curveLength: 5 });

  it('shows every run (each setting and seed) with at most maxPointsPerRun points each, and says so', () => {
    const runs = embeddingRunsPerCell(input);
    expect(runs).toHaveLength(16);
    expect(new Set(runs.map((run) => run.params.seed))).toEqual(new Set([0, 1]));
    const chart = embeddingChart(input, chartOptions);
    const rows = rowsOf(chart.spec);
    const points = rows.filter((row) => row.k === 'p');
    expect(points).toHaveLength(16 * 150);
    expect(chart.notes.join(' ')).toContain('2400 of 6400 points shown');
    const panelTexts = rows.filter((row) => row.k === 't').map((row) => row.text);
    expect(panelTexts).toHaveLength(16);
    expect(panelTexts.every((text) => typeof text === 'string' && text.includes('150 of 400 points'))).toBe(true);
  });

  it('colours by class with an explicit, complete domain so colours match across panels', () => {
    const spec = embeddingChart(input, chartOptions).spec as unknown as {
      spec: { layer: Array<{ encoding: { color?: { scale: { domain: string[] } } } }> };
    };
    const colored = spec.spec.layer.filter((layer) => layer.encoding.color);
    expect(colored.length).toBeGreaterThanOrEqual(3);
    for (const layer of colored) expect(layer.encoding.color!.scale.domain).toEqual(input.classNames);
  });

  it('draws a closed ellipse and a centroid per class from classShapes', () => {
    const rows = rowsOf(embeddingChart(input, chartOptions).spec);
    const run = embeddingRunsPerCell(input)[0];
    const panel = (row: Row) =>
      row.col === rows.find((r) => r.k === 't' && String(r.text).startsWith(`run ${run.runId}:`))!.col &&
      row.row === rows.find((r) => r.k === 't' && String(r.text).startsWith(`run ${run.runId}:`))!.row;
    expect(rows.filter((row) => row.k === 'c' && panel(row))).toHaveLength(run.classShapes!.length);
    const ellipse = rows.filter((row) => row.k === 'e' && panel(row) && row.cls === '0');
    expect(ellipse.length).toBeGreaterThan(10);
    expect(ellipse[0].x).toBe(ellipse[ellipse.length - 1].x);
  });

  it('drops non-finite points and reports them', () => {
    const points = new Float32Array([0, 0, 1, 1, Number.NaN, 2, 3, Number.POSITIVE_INFINITY]);
    const run = makeRun({ runId: '1', embedding: { dim: 2, points, labels: new Uint8Array([0, 1, 2, 0]) } });
    const rows = rowsOf(embeddingChart(makeInput([run]), chartOptions).spec);
    expect(rows.filter((row) => row.k === 'p')).toHaveLength(2);
    expect(rows.find((row) => row.k === 't')!.text).toContain('2 of 4 points (2 non-finite)');
  });

  it('explains itself instead of drawing an empty chart when no run has an embedding', () => {
    const chart = embeddingChart(makeInput([makeRun({ runId: '1', status: 'running' })]), chartOptions);
    expect(chart.spec).toBeNull();
    expect(chart.emptyReason).toMatch(/no run has saved an embedding/);
  });
});

describe('cluster shape chart', () => {
  it('has one row per swept parameter (not the seed), with mean ± sd over seeds', () => {
    const input = syntheticReportInput(16, 4, { pointsPerRun: 300, curveLength: 5 });
    const spec = anisotropyChart(input).spec as unknown as { vconcat: Array<{ layer: Array<{ data: { values: Row[] } }> }> };
    expect(spec.vconcat).toHaveLength(3);
    const summary = spec.vconcat[0].layer[0].data.values;
    for (const entry of summary) {
      const singles = spec.vconcat[0].layer[2].data.values.filter((row) => row.value === entry.value && row.group === entry.group);
      expect(entry.n).toBe(singles.length);
      const mean = singles.reduce((sum, row) => sum + (row.y as number), 0) / singles.length;
      expect(entry.mean).toBeCloseTo(mean, 12);
    }
  });
});

describe('NaN charts', () => {
  it('shows a note, not a chart, when no run hit NaN', () => {
    const runs = [makeRun({ runId: '1', params: { 'loss.epsilon': 1e-6 } }), makeRun({ runId: '2', params: { 'loss.epsilon': 1e-3 } })];
    const heatmap = nanHeatmapChart(makeInput(runs));
    expect(heatmap.spec).toBeNull();
    expect(heatmap.emptyReason).toBe('no run hit NaN (2 finished runs checked).');
    expect(firstNanStepChart(makeInput(runs)).emptyReason).toMatch(/no run recorded a first NaN step/);
  });

  it('labels each heatmap cell with runs-with-NaN / runs', () => {
    const runs = [
      makeRun({ runId: '1', params: { 'loss.epsilon': 0, 'optimizer.name': 'adam' }, status: 'nan', nanSteps: 3, firstNanStep: 5 }),
      makeRun({ runId: '2', params: { 'loss.epsilon': 0, 'optimizer.name': 'adam' } }),
      makeRun({ runId: '3', params: { 'loss.epsilon': 0, 'optimizer.name': 'sgd' } }),
    ];
    const rows = rowsOf(nanHeatmapChart(makeInput(runs)).spec);
    expect(rows.map((row) => [row.opt, row.label])).toEqual([
      ['adam', '1/2'],
      ['sgd', '0/1'],
    ]);
  });
});

describe('training curves', () => {
  it('marks NaN stretches as bands and keeps finite values', () => {
    const curve = [0, 1, 2, 3, 4].map((step) => ({
      step,
      loss: step >= 3 ? null : 1 / (step + 1),
      positiveDistance: null,
      negativeDistance: null,
      nan: step >= 3,
    }));
    const rows = rowsOf(lossCurveChart(makeInput([makeRun({ runId: '1', curve })]), chartOptions).spec);
    expect(rows.filter((row) => row.k === 'n')).toEqual([{ r: 0, k: 'n', step: 3, end: 4 }]);
    expect(rows.filter((row) => row.k !== 'n').map((row) => row.l)).toEqual([1, 0.5, 0.3333]);
  });

  it('wraps run titles onto short lines', () => {
    const title = runTitle(makeRun({ runId: '7', label: 'optimizer.name=adam, loss.margin=2, loss.epsilon=0.000001, seed=2' }));
    const lines = title.split('\n');
    expect(lines[0]).toBe('run 7');
    expect(lines.slice(1).join(', ')).toBe('optimizer.name=adam, loss.margin=2, loss.epsilon=0.000001, seed=2');
    expect(lines.every((line) => line.length <= 40)).toBe(true);
  });
});

describe('summary table', () => {
  it('marks the best run per ranked metric and escapes every user string', () => {
    const runs = [
      makeRun({ runId: '1', label: xssText, params: { 'optimizer.name': xssText }, metrics: { nn_accuracy: 0.8, anisotropy: 1 } }),
      makeRun({ runId: '2', params: { 'optimizer.name': 'sgd' }, metrics: { nn_accuracy: 0.9, anisotropy: 4 } }),
    ];
    const html = summaryTableHtml(makeInput(runs, { sweepKeys: ['optimizer.name'] }));
    expect(html).not.toContain('<img');
    expect(html).not.toContain('</script>');
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html.match(/class="number best"/g)).toHaveLength(1);
    expect(html).toMatch(/<td class="number best"[^>]*>0\.900 /);
    expect(html).toContain('anisotropy is not ranked');
  });
});

describe('all charts', () => {
  it('gives every chart a title, a one-sentence reading guide, and fixed ids', () => {
    const charts = buildCharts(syntheticReportInput(8, 5, { pointsPerRun: 100, curveLength: 20 }), chartOptions);
    expect(charts.map((chart) => chart.id)).toEqual([
      'intervals',
      'embedding',
      'anisotropy',
      'axis-ratio',
      'nan-share',
      'first-nan-step',
      'loss-curves',
      'distance-curves',
    ]);
    for (const chart of charts) {
      expect(chart.title.length).toBeGreaterThan(0);
      expect(chart.howToRead).toMatch(/^[A-Z].*\.$/);
      expect(chart.spec !== null || chart.emptyReason !== undefined).toBe(true);
    }
  });
});
