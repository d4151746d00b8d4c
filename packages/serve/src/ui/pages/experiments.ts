import { getJson } from '../api.ts';
import { clear, h, throttle } from '../dom.ts';
import { runStatuses } from '@siamese-lab/run-record';
import type { ExperimentListEntry } from '../../wire.ts';
import type { Page } from './types.ts';

/** Every experiment with its run counts by status and last update; refreshed on every change. */
export function experimentsPage(root: HTMLElement): Page {
  const body = h('div');
  clear(root);
  root.append(
    h('h1', {}, 'Experiments'),
    h('p', { className: 'how' }, 'Every experiment in the database, with its runs by status. The list follows running sweeps live.'),
    body,
  );
  const load = async () => {
    const { experiments } = await getJson<{ experiments: ExperimentListEntry[] }>('/api/experiments');
    const total = experiments.reduce((sum, experiment) => sum + experiment.runs, 0);
    clear(body);
    if (experiments.length === 0) {
      body.append(
        h(
          'p',
          { className: 'empty', id: 'run-count', 'data-count': 0 },
          'No experiments yet: start one with pnpm run exp experiments/quickstart.yaml (this page updates by itself).',
        ),
      );
      return;
    }
    body.append(
      h(
        'p',
        { className: 'meta' },
        h('span', { id: 'run-count', 'data-count': total }, `${total} runs`),
        ` in ${experiments.length} experiments`,
      ),
      h(
        'table',
        { className: 'runs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'experiment'),
            h('th', {}, 'description'),
            h('th', { className: 'number' }, 'runs'),
            ...runStatuses.map((status) => h('th', { className: 'number' }, status)),
            h('th', {}, 'last update'),
          ),
        ),
        h(
          'tbody',
          {},
          ...experiments.map((experiment) =>
            h(
              'tr',
              { 'data-experiment': experiment.name },
              h('td', {}, h('a', { href: `#/experiments/${encodeURIComponent(experiment.name)}` }, experiment.name)),
              h('td', { className: 'description' }, experiment.description),
              h('td', { className: 'number', 'data-field': 'runs' }, experiment.runs),
              ...runStatuses.map((status) =>
                h('td', { className: `number count-${status}`, 'data-field': status }, experiment.runCounts[status] ?? 0),
              ),
              h('td', {}, new Date(experiment.lastUpdate).toLocaleString()),
            ),
          ),
        ),
      ),
    );
  };
  void load();
  const refresh = throttle(() => void load(), 500);
  return { onChange: refresh };
}
