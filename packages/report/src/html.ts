/** The report page: escaped text, the run table, inlined libraries and the specs as JSON. */
import type { ChartSection } from './charts/index.ts';
import { claimsSectionHtml, claimsStyles } from './claims-section.ts';
import { tuningSectionHtml, tuningStyles } from './tuning-section.ts';
import { searchSectionHtml, searchStyles } from './search-section.ts';
import { escapeHtml, jsonForScript, scriptSafeSource } from './escape.ts';
import { bestRunsByMetric, formatParamValue, metricDirection, metricNames } from './shaping.ts';
import { isRunStatus } from '@siamese-lab/run-record';
import type { ReportInput, ReportRun } from './types.ts';

export interface InlineLibraries {
  vega: string;
  vegaLite: string;
  vegaEmbed: string;
}

/** Charts with many marks draw on a canvas (fast); the rest as SVG (crisp, selectable text). */
const canvasCharts = new Set(['embedding']);

export function formatMetric(value: number | null | undefined): string {
  if (typeof value !== 'number') return '—';
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)) return value.toExponential(2);
  return value.toFixed(magnitude >= 100 ? 1 : 3);
}

export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

function statusBadge(status: string): string {
  const known = isRunStatus(status);
  return `<span class="status${known ? ` status-${status}` : ''}">${escapeHtml(status)}</span>`;
}

/** The run table: the varying params, status, every metric, wall time; ★ on the best run per metric. */
export function summaryTableHtml(input: ReportInput): string {
  const metrics = metricNames(input.runs);
  const best = bestRunsByMetric(input.runs, metrics);
  const header = [
    '<th scope="col">run</th>',
    ...input.sweepKeys.map((key) => `<th scope="col">${escapeHtml(key)}</th>`),
    '<th scope="col">status</th>',
    ...metrics.map((metric) => {
      const direction = metricDirection(metric);
      const hint = direction === 'higher' ? ' ↑' : direction === 'lower' ? ' ↓' : '';
      return `<th scope="col" class="number">${escapeHtml(metric)}${hint}</th>`;
    }),
    '<th scope="col" class="number">NaN steps</th>',
    '<th scope="col" class="number">wall time</th>',
    '<th scope="col">backend</th>',
  ].join('');
  const rows = input.runs.map((run: ReportRun) => {
    const cells = [
      `<th scope="row" title="${escapeHtml(`${run.label} (config ${run.configHash})`)}">${escapeHtml(run.runId)}</th>`,
      ...input.sweepKeys.map((key) => `<td>${escapeHtml(formatParamValue(run.params[key]))}</td>`),
      `<td>${statusBadge(run.status)}</td>`,
      ...metrics.map((metric) => {
        const isBest = best.get(metric)?.has(run.runId) ?? false;
        const text = escapeHtml(formatMetric(run.metrics[metric]));
        return isBest
          ? `<td class="number best" title="best ${escapeHtml(metric)}">${text} <span aria-label="best">★</span></td>`
          : `<td class="number">${text}</td>`;
      }),
      `<td class="number">${run.nanSteps > 0 ? `${run.nanSteps}${run.firstNanStep !== null ? ` (from ${run.firstNanStep})` : ''}` : '0'}</td>`,
      `<td class="number">${escapeHtml(formatSeconds(run.wallSeconds))}</td>`,
      `<td>${escapeHtml(run.backend ?? '—')}</td>`,
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  const higher = metrics.filter((metric) => metricDirection(metric) === 'higher');
  const lower = metrics.filter((metric) => metricDirection(metric) === 'lower');
  const unranked = metrics.filter((metric) => metricDirection(metric) === 'none');
  const legend = [
    '★ marks the best completed run per metric (all runs on a tie)',
    higher.length > 0 ? `higher is better (↑) for ${higher.map(escapeHtml).join(', ')}` : '',
    lower.length > 0 ? `lower is better (↓) for ${lower.map(escapeHtml).join(', ')}` : '',
    unranked.length > 0
      ? `${unranked.map(escapeHtml).join(', ')} ${unranked.length === 1 ? 'is' : 'are'} not ranked${unranked.includes('anisotropy') ? ' (anisotropy describes cluster shape, 1 = round, not quality)' : ''}`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
  return [
    '<div class="table-scroll"><table>',
    `<thead><tr>${header}</tr></thead>`,
    `<tbody>${rows.join('')}</tbody>`,
    '</table></div>',
    `<p class="note">${legend}. Hover a run id for its full label and config hash.</p>`,
  ].join('\n');
}

function statusSummary(runs: ReportRun[]): string {
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
  const parts = [...counts.entries()].map(([status, count]) => `${count} ${status}`);
  return `${runs.length} run${runs.length === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

function chartSectionHtml(chart: ChartSection): string {
  const notes =
    chart.notes.length > 0 && !chart.emptyReason
      ? `<ul class="notes">${chart.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>`
      : '';
  const body =
    chart.spec && !chart.emptyReason
      ? `<div class="chart" id="view-${chart.id}" data-chart="${chart.id}" data-rendered="pending"></div>`
      : `<p class="empty">Nothing to show because ${escapeHtml(chart.emptyReason ?? 'there is no data for this chart.')}</p>`;
  return [
    `<section id="section-${chart.id}" class="chart-section">`,
    `<h2>${escapeHtml(chart.title)}</h2>`,
    `<p class="how">${escapeHtml(chart.howToRead)}</p>`,
    notes,
    body,
    '</section>',
  ].join('\n');
}

const styles = `
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1400px; margin: 0 auto; padding: 24px 32px 64px; }
header h1 { margin: 0 0 4px; font-size: 26px; overflow-wrap: anywhere; }
header .description { margin: 0 0 6px; color: #333; white-space: pre-wrap; overflow-wrap: anywhere; }
header .meta, .note, .notes { color: #666; font-size: 13px; }
nav { margin: 12px 0 8px; font-size: 14px; }
nav a { margin-right: 14px; color: #0b5cad; text-decoration: none; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 8px; padding: 16px 20px; margin: 18px 0; }
h2 { margin: 0 0 4px; font-size: 19px; }
.how { margin: 0 0 6px; }
.notes { margin: 0 0 10px; padding-left: 18px; }
.chart { overflow-x: auto; }
.empty { color: #666; font-style: italic; margin: 8px 0; }
.chart-error { color: #b00020; }
.table-scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 9px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
thead th { position: sticky; top: 0; background: #f3f3f3; border-bottom: 2px solid #ddd; }
td.number, th.number { text-align: right; }
td.best { font-weight: 700; background: #eaf6ea; }
.status { padding: 1px 6px; border-radius: 8px; background: #eee; }
.status-completed { background: #e3f4e3; color: #1e6b1e; }
.status-nan, .status-failed { background: #fbe3e3; color: #9b1c1c; }
.status-running, .status-queued { background: #e6eefb; color: #1d4f91; }
.status-interrupted { background: #fff2d6; color: #7a5200; }
`;

/** Renders every chart with vega-embed and records what was drawn, for the reader and for tests. */
const bootstrap = `
(function () {
  var specs = JSON.parse(document.getElementById('report-specs').textContent);
  var canvasCharts = JSON.parse(document.getElementById('report-canvas-charts').textContent);
  function countDataMarks(node) {
    if (!node) return 0;
    if (node.marktype && node.marktype !== 'group') return node.role === 'mark' ? (node.items || []).length : 0;
    var total = 0;
    var children = node.items || [];
    for (var i = 0; i < children.length; i++) total += countDataMarks(children[i]);
    return total;
  }
  var ids = Object.keys(specs);
  var pending = ids.length;
  function settle() { pending -= 1; if (pending === 0) document.body.setAttribute('data-charts', 'done'); }
  if (pending === 0) document.body.setAttribute('data-charts', 'done');
  ids.forEach(function (id) {
    var element = document.getElementById('view-' + id);
    var renderer = canvasCharts.indexOf(id) >= 0 ? 'canvas' : 'svg';
    vegaEmbed(element, specs[id], { actions: false, renderer: renderer, mode: 'vega-lite' })
      .then(function (result) {
        element.setAttribute('data-marks', String(countDataMarks(result.view.scenegraph().root)));
        element.setAttribute('data-renderer', renderer);
        element.setAttribute('data-rendered', 'done');
        settle();
      })
      .catch(function (error) {
        element.setAttribute('data-rendered', 'error');
        var message = document.createElement('p');
        message.className = 'chart-error';
        message.textContent = 'This chart could not be drawn: ' + (error && error.message ? error.message : String(error));
        element.appendChild(message);
        console.error(error);
        settle();
      });
  });
})();
`;

export function reportHtml(input: ReportInput, charts: ChartSection[], libraries: InlineLibraries): string {
  const drawn = charts.filter((chart) => chart.spec && !chart.emptyReason);
  const specs: Record<string, unknown> = {};
  for (const chart of drawn) specs[chart.id] = chart.spec;
  const name = input.experiment.name;
  const navigation = [
    '<a href="#section-claims">Claims</a>',
    ...(input.tuning ? ['<a href="#section-tuning">Tuned ranking</a>'] : []),
    ...(input.search ? ['<a href="#section-search">Search</a>'] : []),
    ...charts.map((chart) => `<a href="#section-${chart.id}">${escapeHtml(chart.title)}</a>`),
    '<a href="#section-runs">Runs</a>',
  ].join('');
  // The policy forbids every network request; Vega needs eval for its expression language.
  const policy =
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(name)} · Siamese Lab report</title>
<style>${styles}${claimsStyles}${tuningStyles}${searchStyles}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(name)}</h1>
${input.experiment.description ? `<p class="description">${escapeHtml(input.experiment.description)}</p>` : ''}
<p class="meta">Generated ${escapeHtml(input.generatedAt)} · ${escapeHtml(statusSummary(input.runs))}${input.sweepKeys.length > 0 ? ` · swept: ${input.sweepKeys.map(escapeHtml).join(', ')}` : ''}</p>
<nav>${navigation}</nav>
</header>
${claimsSectionHtml(input)}
${tuningSectionHtml(input)}
${searchSectionHtml(input.search)}
${charts.map(chartSectionHtml).join('\n')}
<section id="section-runs">
<h2>Runs</h2>
<p class="how">One row per run with the swept parameters, status and final metrics; the best value of each ranked metric is highlighted.</p>
${summaryTableHtml(input)}
</section>
</main>
<script type="application/json" id="report-specs">${jsonForScript(specs)}</script>
<script type="application/json" id="report-canvas-charts">${jsonForScript([...canvasCharts])}</script>
<script>${scriptSafeSource(libraries.vega)}</script>
<script>${scriptSafeSource(libraries.vegaLite)}</script>
<script>${scriptSafeSource(libraries.vegaEmbed)}</script>
<script>${bootstrap}</script>
</body>
</html>
`;
}
