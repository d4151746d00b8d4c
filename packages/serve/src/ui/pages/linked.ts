import { getEmbedding, getJson, type EmbeddingPoints } from '../api.ts';
import { clear, h } from '../dom.ts';
import { imageCard, paintSwatches } from '../explorer.ts';
import { Scatter } from '../scatter.ts';
import type { Page } from './types.ts';

interface RunSummary {
  run: { id: number; label: string; status: string; experimentName: string };
  classNames: string[];
  embedding: { count: number; dim: number; projection: string } | null;
}

/**
 * Several runs' embeddings side by side. A point is a test image, the same index in every run,
 * so brushing a region, picking a class or clicking one image in any panel highlights the same
 * test images in all of them: where one run's round cluster went in another.
 */
export function linkedPage(root: HTMLElement, runIds: number[]): Page {
  const panels = h('div', { className: 'linked-panels' });
  const status = h(
    'p',
    { className: 'meta', id: 'linked-status' },
    'Drag a rectangle in any panel, pick a class, or click a point: the same test images light up in every run.',
  );
  const classes = h('div', { className: 'legend', id: 'linked-classes' });
  const picked = h('div', { className: 'hover-card', id: 'linked-picked' });
  clear(root);
  root.append(
    h('p', { className: 'crumbs' }, h('a', { href: '#/' }, 'Experiments'), ' / linked embeddings'),
    h('h1', {}, `Runs ${runIds.join(', ')} side by side`),
    status,
    classes,
    picked,
    panels,
  );
  if (runIds.length === 0) {
    panels.append(h('p', { className: 'empty' }, 'Choose runs on an experiment page (tick them, then “Embeddings side by side”).'));
    return {};
  }

  const scatters: Scatter[] = [];
  const highlightEverywhere = (indices: number[] | null, origin: string) => {
    for (const scatter of scatters) scatter.setHighlight(indices);
    status.textContent = indices === null ? '' : `${indices.length} test images highlighted in every run (${origin})`;
  };

  const load = async () => {
    const summaries = await Promise.all(runIds.map((id) => getJson<RunSummary>(`/api/runs/${id}`)));
    const withEmbedding = summaries.filter((summary) => summary.embedding !== null);
    const classNames = summaries[0].classNames;
    const embeddings = new Map<number, EmbeddingPoints>();
    await Promise.all(withEmbedding.map(async (summary) => embeddings.set(summary.run.id, await getEmbedding(summary.run.id))));
    const size = runIds.length <= 2 ? 460 : runIds.length <= 4 ? 340 : 260;
    for (const summary of summaries) {
      const points = embeddings.get(summary.run.id);
      const title = h('h3', {}, h('a', { href: `#/runs/${summary.run.id}` }, `run ${summary.run.id}`), ` · ${summary.run.status}`);
      const label = h('p', { className: 'meta panel-label' }, summary.run.label);
      if (!points) {
        panels.append(
          h(
            'section',
            { className: 'linked-panel', 'data-run': summary.run.id },
            title,
            label,
            h('p', { className: 'empty' }, 'No embedding yet (written when the run completes).'),
          ),
        );
        continue;
      }
      const runId = summary.run.id;
      const scatter: Scatter = new Scatter(points, {
        size,
        onHover: (index) => {
          if (index === null) return;
          clear(picked);
          picked.append(imageCard(runId, index, points.labels[index], classNames, ` · run ${runId}`));
          paintSwatches(picked);
        },
        onClick: (index) => {
          for (const other of scatters) other.setSelected(index);
          highlightEverywhere([index], `image #${index}`);
          clear(picked);
          picked.append(imageCard(runId, index, points.labels[index], classNames, ' · picked'));
          paintSwatches(picked);
        },
        onBrush: (indices) => highlightEverywhere(indices.length ? indices : null, `brushed in run ${runId}`),
      });
      scatters.push(scatter);
      panels.append(h('section', { className: 'linked-panel', 'data-run': runId }, title, label, scatter.canvas));
    }
    classes.append(
      ...classNames.map((name, labelIndex) =>
        h(
          'button',
          {
            type: 'button',
            className: 'legend-item',
            'data-label': labelIndex,
            onclick: () => {
              const first = scatters[0]?.data;
              if (!first) return;
              const members: number[] = [];
              for (let i = 0; i < first.count; i++) if (first.labels[i] === labelIndex) members.push(i);
              highlightEverywhere(members, `class ${name}`);
            },
          },
          h('span', { className: 'swatch', 'data-label': labelIndex }),
          name,
        ),
      ),
      h(
        'button',
        {
          type: 'button',
          className: 'legend-item',
          onclick: () => {
            highlightEverywhere(null, '');
            for (const scatter of scatters) scatter.setSelected(null);
          },
        },
        'clear',
      ),
    );
    paintSwatches(classes);
  };
  void load().catch((error: Error) => panels.append(h('p', { className: 'error' }, error.message)));
  return {};
}
