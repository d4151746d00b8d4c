import { getJson } from '../api.ts';
import { chartSection, renderChart, type ChartSection } from '../charts.ts';
import { clear, formatNumber, formatValue, h, statusBadge, throttle } from '../dom.ts';
import { runStatuses as statuses, type ParamValue } from '@siamese-lab/run-record';
import type { RunRow } from '../../wire.ts';
import type { ChangeEvent, Page } from './types.ts';

interface ExperimentData {
  name: string;
  description: string;
  paramKeys: string[];
  metricNames: string[];
  directions: Record<string, 'higher' | 'lower' | 'none'>;
  best: Record<string, number[]>;
  runs: RunRow[];
}

interface CompareData {
  runs: Array<{ id: number; label: string; status: string }>;
  differing: Array<{ key: string; values: ParamValue[] }>;
  metrics: Array<{ name: string; direction: string; values: Array<number | null> }>;
  chart: unknown;
}

/** Orders numbers numerically, missing values last, everything else as text. */
function compareCells(a: ParamValue | undefined, b: ParamValue | undefined): number {
  const missingA = a === undefined || a === null,
    missingB = b === undefined || b === null;
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/**
 * One experiment: its run table (sort by any column, filter by status and parameter values, the
 * best run per metric marked), the report's charts for the runs shown, and a comparison of the
 * selected runs. Follows the sweep live.
 */
export function experimentPage(root: HTMLElement, name: string): Page {
  let data: ExperimentData | null = null;
  let sort: { column: string; descending: boolean } = { column: 'id', descending: false };
  const statusFilter = new Set(statuses);
  const paramFilter = new Map<string, string>();
  const selected = new Set<number>();
  let shownKey = '';

  const heading = h('h1', {}, name);
  const description = h('p', { className: 'description' });
  const summary = h('p', { className: 'meta' });
  const filters = h('div', { className: 'filters' });
  const actions = h('div', { className: 'actions' });
  const table = h('div', { className: 'table-scroll' });
  const compare = h('section', { className: 'compare', id: 'compare', hidden: true });
  const charts = h('div', { className: 'charts', id: 'charts' });
  clear(root);
  root.append(
    h('p', { className: 'crumbs' }, h('a', { href: '#/' }, 'Experiments'), ' / ', name),
    heading,
    description,
    summary,
    filters,
    actions,
    table,
    compare,
    h('h2', {}, 'Charts'),
    h('p', { className: 'how' }, 'The same charts as the experiment’s report (lab report), for the runs shown in the table.'),
    charts,
  );

  const cellValue = (run: RunRow, column: string): ParamValue | undefined => {
    if (column === 'id') return run.id;
    if (column === 'status') return run.status;
    if (column === 'steps') return run.stepsDone;
    if (column.startsWith('param:')) return run.params[column.slice(6)];
    if (column.startsWith('metric:')) return run.metrics[column.slice(7)];
    return undefined;
  };

  const shownRuns = (): RunRow[] => {
    if (!data) return [];
    const runs = data.runs.filter(
      (run) =>
        statusFilter.has(run.status) && [...paramFilter].every(([key, value]) => value === '' || formatValue(run.params[key]) === value),
    );
    const direction = sort.descending ? -1 : 1;
    return runs.sort((a, b) => direction * compareCells(cellValue(a, sort.column), cellValue(b, sort.column)) || a.id - b.id);
  };

  const drawFilters = () => {
    if (!data) return;
    clear(filters);
    const statusBoxes = statuses.map((status) =>
      h(
        'label',
        { className: 'check' },
        h('input', {
          type: 'checkbox',
          name: `status-${status}`,
          checked: statusFilter.has(status),
          onchange: (event: Event) => {
            if ((event.target as HTMLInputElement).checked) statusFilter.add(status);
            else statusFilter.delete(status);
            update();
          },
        }),
        ` ${status}`,
      ),
    );
    const selects = data.paramKeys.map((key) => {
      const values = [...new Set(data!.runs.map((run) => formatValue(run.params[key])))].sort((a, b) =>
        a.localeCompare(b, 'en', { numeric: true }),
      );
      const select = h(
        'select',
        {
          'data-param': key,
          onchange: (event: Event) => {
            paramFilter.set(key, (event.target as HTMLSelectElement).value);
            update();
          },
        },
        h('option', { value: '' }, 'all'),
        ...values.map((value) => h('option', { value, selected: paramFilter.get(key) === value }, value)),
      );
      return h('label', { className: 'param-filter' }, `${key} `, select);
    });
    filters.append(h('span', { className: 'filter-group' }, 'status: ', ...statusBoxes), ...selects);
  };

  const header = (title: string, column: string, numeric: boolean) =>
    h(
      'th',
      {
        className: `sortable${numeric ? ' number' : ''}${sort.column === column ? (sort.descending ? ' sorted-desc' : ' sorted-asc') : ''}`,
        'data-column': column,
        title: 'sort',
        onclick: () => {
          sort = {
            column,
            descending:
              sort.column === column ? !sort.descending : column.startsWith('metric:') && data?.directions[column.slice(7)] === 'higher',
          };
          drawTable();
        },
      },
      title,
    );

  const drawTable = () => {
    if (!data) return;
    const runs = shownRuns();
    clear(table);
    const rows = runs.map((run) =>
      h(
        'tr',
        { 'data-run': run.id },
        h(
          'td',
          {},
          h('input', {
            type: 'checkbox',
            'aria-label': `select run ${run.id}`,
            checked: selected.has(run.id),
            onchange: (event: Event) => {
              if ((event.target as HTMLInputElement).checked) selected.add(run.id);
              else selected.delete(run.id);
              drawActions();
            },
          }),
        ),
        h('td', { className: 'number' }, h('a', { href: `#/runs/${run.id}` }, run.id)),
        h('td', {}, statusBadge(run.status)),
        ...data!.paramKeys.map((key) => h('td', {}, formatValue(run.params[key]))),
        ...data!.metricNames.map((metric) => {
          const best = data!.best[metric]?.includes(run.id) ?? false;
          return h(
            'td',
            { className: `number${best ? ' best' : ''}`, title: best ? `best ${metric}` : undefined },
            formatNumber(run.metrics[metric]),
            best ? ' ★' : '',
          );
        }),
        h('td', { className: 'number' }, run.stepsDone),
      ),
    );
    table.append(
      h(
        'table',
        { className: 'runs', id: 'run-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, ''),
            header('run', 'id', true),
            header('status', 'status', false),
            ...data.paramKeys.map((key) => header(key, `param:${key}`, false)),
            ...data.metricNames.map((metric) => header(metric, `metric:${metric}`, true)),
            header('steps', 'steps', true),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    );
    summary.textContent = '';
    const counts = statuses
      .filter((status) => data!.runs.some((run) => run.status === status))
      .map((status) => `${data!.runs.filter((run) => run.status === status).length} ${status}`);
    summary.append(
      h('span', { id: 'run-count', 'data-count': data.runs.length }, `${data.runs.length} runs`),
      counts.length ? ` (${counts.join(', ')})` : '',
      ` · ${runs.length} shown · ★ best value of a metric`,
    );
  };

  const drawActions = () => {
    clear(actions);
    const ids = [...selected].sort((a, b) => a - b);
    actions.append(
      h(
        'button',
        { type: 'button', id: 'compare-button', disabled: ids.length < 2, onclick: () => void showCompare(ids) },
        `Compare selected (${ids.length})`,
      ),
      ' ',
      ids.length >= 1
        ? h('a', { className: 'button', id: 'linked-link', href: `#/linked?runs=${ids.join(',')}` }, 'Embeddings side by side')
        : h('span', { className: 'hint' }, 'Select runs to compare them or to link their embeddings.'),
    );
  };

  const showCompare = async (ids: number[]) => {
    const view = await getJson<CompareData>(`/api/compare?runs=${ids.join(',')}`);
    clear(compare);
    compare.hidden = false;
    const columns = view.runs.map((run) => h('th', {}, h('a', { href: `#/runs/${run.id}` }, `run ${run.id}`)));
    const chart = h('div', { className: 'chart' });
    compare.append(
      h('h2', {}, `Comparing ${view.runs.length} runs`),
      h('h3', {}, 'Parameters that differ'),
      view.differing.length
        ? h(
            'table',
            { className: 'runs' },
            h('thead', {}, h('tr', {}, h('th', {}, 'parameter'), ...columns.map((cell) => cell.cloneNode(true)))),
            h(
              'tbody',
              {},
              ...view.differing.map((row) =>
                h('tr', {}, h('td', {}, row.key), ...row.values.map((value) => h('td', {}, formatValue(value)))),
              ),
            ),
          )
        : h('p', {}, 'The runs have identical parameters.'),
      h('h3', {}, 'Metrics'),
      h(
        'table',
        { className: 'runs' },
        h('thead', {}, h('tr', {}, h('th', {}, 'metric'), ...columns)),
        h(
          'tbody',
          {},
          h('tr', {}, h('td', {}, 'status'), ...view.runs.map((run) => h('td', {}, statusBadge(run.status)))),
          ...view.metrics.map((metric) =>
            h('tr', {}, h('td', {}, metric.name), ...metric.values.map((value) => h('td', { className: 'number' }, formatNumber(value)))),
          ),
        ),
      ),
      h('h3', {}, 'Curves'),
      chart,
    );
    await renderChart(chart, view.chart);
  };

  const drawCharts = async () => {
    if (!data) return;
    const runs = shownRuns();
    const all = runs.length === data.runs.length;
    const query = all
      ? ''
      : `?runs=${runs
          .map((run) => run.id)
          .sort((a, b) => a - b)
          .join(',')}`;
    if (!all && runs.length === 0) {
      clear(charts);
      charts.append(h('p', { className: 'empty' }, 'No run matches the filters.'));
      return;
    }
    const { charts: sections } = await getJson<{ charts: ChartSection[] }>(`/api/experiments/${encodeURIComponent(name)}/charts${query}`);
    const drawn = sections.map(chartSection);
    clear(charts);
    charts.append(...drawn.map((section) => section.element));
    await Promise.all(drawn.map((section) => section.draw()));
  };

  const refreshCharts = throttle(() => void drawCharts(), 3000);

  /** Redraws after a filter change; the charts follow the runs shown. */
  const update = () => {
    drawTable();
    const key = shownRuns()
      .map((run) => run.id)
      .sort((a, b) => a - b)
      .join(',');
    if (key !== shownKey) {
      shownKey = key;
      refreshCharts();
    }
  };

  const load = async () => {
    try {
      data = await getJson<ExperimentData>(`/api/experiments/${encodeURIComponent(name)}`);
    } catch (error) {
      clear(root);
      root.append(
        h('p', { className: 'error' }, `Experiment ${name}: ${(error as Error).message}`),
        h('a', { href: '#/' }, 'All experiments'),
      );
      return;
    }
    description.textContent = data.description;
    drawFilters();
    drawTable();
    drawActions();
  };

  void load().then(() => {
    shownKey = shownRuns()
      .map((run) => run.id)
      .sort((a, b) => a - b)
      .join(',');
    void drawCharts();
  });
  const refreshTable = throttle(() => void load(), 500);
  return {
    onChange(event: ChangeEvent) {
      if (!event.runs.some((run) => run.experimentName === name) && !event.experiments.includes(name)) return;
      refreshTable();
      refreshCharts();
    },
  };
}
