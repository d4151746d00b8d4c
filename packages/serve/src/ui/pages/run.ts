import { getJson } from '../api.ts';
import { chartSection, type ChartSection } from '../charts.ts';
import { clear, formatNumber, formatValue, h, statusBadge, throttle } from '../dom.ts';
import { confusionTable, embeddingExplorer } from '../explorer.ts';
import type { RunPageData } from '../../wire.ts';
import type { ChangeEvent, Page } from './types.ts';

/** Numbers rounded, text as it is, anything else (a list, an object) as JSON. */
function displayValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean') return formatValue(value);
  return JSON.stringify(value);
}

function keyValueTable(entries: Array<[string, unknown]>, id: string): HTMLElement {
  return h(
    'table',
    { className: 'key-value', id },
    h('tbody', {}, ...entries.map(([key, value]) => h('tr', {}, h('th', {}, key), h('td', {}, displayValue(value))))),
  );
}

/** Nested provenance as dotted keys. */
function flatten(value: unknown, prefix = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else out.push([prefix, Array.isArray(value) ? JSON.stringify(value) : value]);
  return out;
}

/** One run: status and NaN diagnosis, metrics, parameters, provenance, curves, and the embedding explorer. */
export function runPage(root: HTMLElement, runId: number): Page {
  const overview = h('div');
  const curves = h('div', { className: 'charts', id: 'curves' });
  const explorer = h('div', { id: 'explorer' });
  const confusion = h('div', { id: 'confusion-view' });
  let embeddingShown = false;
  clear(root);
  root.append(
    overview,
    h('h2', {}, 'Training curves'),
    curves,
    h('h2', {}, 'Embedding explorer'),
    explorer,
    h('h2', {}, 'Class confusion of nearest neighbours'),
    confusion,
  );

  const drawOverview = (data: RunPageData) => {
    const { run } = data;
    clear(overview);
    const nan = run.nanDetail as { reason?: string; step?: number } | null;
    overview.append(
      h(
        'p',
        { className: 'crumbs' },
        h('a', { href: '#/' }, 'Experiments'),
        ' / ',
        h('a', { href: `#/experiments/${encodeURIComponent(run.experimentName)}` }, run.experimentName),
        ` / run ${run.id}`,
      ),
      h('h1', {}, `Run ${run.id} `, statusBadge(run.status)),
      h('p', { className: 'description' }, run.label),
      h(
        'div',
        { className: 'columns' },
        h(
          'section',
          {},
          h('h3', {}, 'Status'),
          keyValueTable(
            [
              ['status', run.status],
              ['steps done', run.stepsDone],
              ['NaN steps', run.nanSteps],
              ['first NaN step', run.firstNanStep],
              ['backend', run.backend],
              ['started', run.startedAt],
              ['finished', run.finishedAt],
              ['wall seconds', run.wallSeconds],
              ['config hash', run.configHash],
            ],
            'status-table',
          ),
          nan
            ? h(
                'div',
                { className: 'nan-diagnosis', id: 'nan-diagnosis' },
                h('h4', {}, 'NaN diagnosis'),
                h('p', {}, nan.reason ?? ''),
                h('pre', {}, JSON.stringify(nan, null, 2)),
              )
            : null,
          run.error ? h('div', { className: 'error' }, h('h4', {}, 'Error'), h('pre', {}, run.error)) : null,
        ),
        h(
          'section',
          {},
          h('h3', {}, 'Metrics'),
          Object.keys(data.metrics).length
            ? keyValueTable(Object.entries(data.metrics), 'metrics-table')
            : h('p', { className: 'empty' }, 'Metrics are written when the run finishes.'),
        ),
        h('section', {}, h('h3', {}, 'Parameters'), keyValueTable(Object.entries(run.params), 'params-table')),
        h(
          'section',
          { className: 'wide' },
          h('h3', {}, 'Provenance'),
          run.provenance
            ? keyValueTable(flatten(run.provenance), 'provenance-table')
            : h('p', { className: 'empty' }, 'Recorded when the run starts.'),
        ),
      ),
    );
  };

  const drawCurves = async () => {
    const { charts, points } = await getJson<{ charts: ChartSection[]; points: number }>(`/api/runs/${runId}/curves`);
    const drawn = charts.map(chartSection);
    clear(curves);
    curves.setAttribute('data-points', String(points));
    curves.append(...drawn.map((section) => section.element));
    await Promise.all(drawn.map((section) => section.draw()));
  };

  const drawEmbedding = async (data: RunPageData) => {
    if (!data.embedding) {
      clear(explorer);
      explorer.append(h('p', { className: 'empty' }, 'The embedding is written when the run completes; this page shows it then.'));
      clear(confusion);
      confusion.append(h('p', { className: 'empty' }, 'Computed from the embedding once the run completes.'));
      return;
    }
    embeddingShown = true;
    const { count, dim, projection, explainedVariance } = data.embedding;
    const body = h('div');
    clear(explorer);
    explorer.append(
      h(
        'p',
        { className: 'how' },
        `${count} test points (${data.images.dataset}${data.images.twoSource ? ', domain B drawn smaller and lighter' : ''}), ${dim}-dimensional`,
        projection === 'pca' && explainedVariance
          ? `, shown as its first two principal components (${Math.round(explainedVariance[0] * 100)}% and ${Math.round(explainedVariance[1] * 100)}% of the variance)`
          : '',
        '. Neighbours are computed in the full embedding.',
      ),
      body,
    );
    await embeddingExplorer(body, runId, data.classNames);
    await confusionTable(confusion, runId);
  };

  const load = async (withCurves: boolean) => {
    let data: RunPageData;
    try {
      data = await getJson<RunPageData>(`/api/runs/${runId}`);
    } catch (error) {
      clear(root);
      root.append(h('p', { className: 'error' }, `Run ${runId}: ${(error as Error).message}`), h('a', { href: '#/' }, 'All experiments'));
      return;
    }
    drawOverview(data);
    if (withCurves) await drawCurves();
    if (!embeddingShown) await drawEmbedding(data);
  };
  void load(true);
  const refreshOverview = throttle(() => void load(false), 500);
  const refreshCurves = throttle(() => void drawCurves(), 1500);
  return {
    onChange(event: ChangeEvent) {
      const mine = event.runs.find((run) => run.id === runId);
      if (!mine) return;
      refreshOverview();
      refreshCurves();
    },
  };
}
