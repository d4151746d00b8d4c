import { getEmbedding, getJson, imageUrl, type EmbeddingPoints } from './api.ts';
import { classColour, clear, formatNumber, h } from './dom.ts';
import { Scatter } from './scatter.ts';

interface NeighbourAnswer {
  point: { index: number; label: number; domain: number };
  neighbours: Array<{ index: number; label: number; domain: number; distance: number }>;
}

/** A small image card: the test image behind a point, with its class and index. */
export function imageCard(runId: number, index: number, label: number, classNames: string[], extra = ''): HTMLElement {
  return h(
    'figure',
    { className: 'image-card', 'data-index': index },
    h('img', { src: imageUrl(runId, index), alt: `test image ${index}`, width: 56, height: 56 }),
    h('figcaption', {}, h('span', { className: 'swatch', 'data-label': label }), `${classNames[label] ?? label} · #${index}${extra}`),
  );
}

/** Colours the little class swatches (a style property, allowed by the page's policy). */
export function paintSwatches(root: ParentNode): void {
  for (const swatch of root.querySelectorAll<HTMLElement>('.swatch[data-label]'))
    swatch.style.background = classColour(Number(swatch.dataset.label));
}

/**
 * The embedding explorer of one run: every test point, hover for its image, click for its k
 * nearest neighbours (in the full embedding, not the 2-D view), a class legend that highlights
 * a class.
 */
export async function embeddingExplorer(
  container: HTMLElement,
  runId: number,
  classNames: string[],
  options: { size?: number; k?: number } = {},
): Promise<{ scatter: Scatter; points: EmbeddingPoints }> {
  const points = await getEmbedding(runId);
  const hover = h(
    'div',
    { className: 'hover-card', id: 'hover-card' },
    h('p', { className: 'hint' }, 'Hover a point to see its test image; click it for its nearest neighbours; drag to select a region.'),
  );
  const neighbours = h('div', { className: 'neighbours', id: 'neighbours' });
  const selection = h('p', { className: 'meta', id: 'selection' });
  const scatter: Scatter = new Scatter(points, {
    size: options.size ?? 560,
    onHover: (index) => {
      clear(hover);
      if (index === null) return;
      hover.append(imageCard(runId, index, points.labels[index], classNames, points.domains[index] === 1 ? ' · domain B' : ''));
      paintSwatches(hover);
    },
    onClick: (index) => void showNeighbours(index),
    onBrush: (indices) => {
      scatter.setHighlight(indices.length ? indices : null);
      selection.textContent = indices.length ? `${indices.length} points selected` : '';
    },
  });
  const k = options.k ?? 8;
  const showNeighbours = async (index: number) => {
    scatter.setSelected(index);
    const answer = await getJson<NeighbourAnswer>(`/api/runs/${runId}/neighbours/${index}?k=${k}`);
    scatter.setHighlight([index, ...answer.neighbours.map((entry) => entry.index)]);
    clear(neighbours);
    neighbours.append(
      h('h4', {}, `Point #${index} and its ${answer.neighbours.length} nearest neighbours`),
      h(
        'div',
        { className: 'image-row' },
        imageCard(runId, index, answer.point.label, classNames, ' · query'),
        ...answer.neighbours.map((entry) => imageCard(runId, entry.index, entry.label, classNames, ` · d=${formatNumber(entry.distance)}`)),
      ),
    );
    neighbours.querySelectorAll('figure').forEach((figure, position) => {
      if (position > 0) figure.classList.add('neighbour');
    });
    paintSwatches(neighbours);
  };
  const legend = h(
    'div',
    { className: 'legend' },
    ...classNames.map((name, label) =>
      h(
        'button',
        {
          type: 'button',
          className: 'legend-item',
          'data-label': label,
          onclick: () => {
            const members: number[] = [];
            for (let i = 0; i < points.count; i++) if (points.labels[i] === label) members.push(i);
            scatter.setHighlight(members);
            selection.textContent = `class ${name}: ${members.length} points`;
          },
        },
        h('span', { className: 'swatch', 'data-label': label }),
        name,
      ),
    ),
    h(
      'button',
      {
        type: 'button',
        className: 'legend-item',
        onclick: () => {
          scatter.setHighlight(null);
          scatter.setSelected(null);
          selection.textContent = '';
        },
      },
      'show all',
    ),
  );
  clear(container);
  container.append(
    h(
      'div',
      { className: 'explorer' },
      h('div', {}, scatter.canvas, legend, selection),
      h('div', { className: 'side' }, hover, neighbours),
    ),
  );
  paintSwatches(container);
  return { scatter, points };
}

/** For each class, the classes of its points' k nearest neighbours, as row shares. */
export async function confusionTable(container: HTMLElement, runId: number): Promise<void> {
  const answer = await getJson<{ k: number; classNames: string[]; counts: number[][] }>(`/api/runs/${runId}/confusion`);
  const rows = answer.counts.map((row, label) => {
    const total = row.reduce((sum, count) => sum + count, 0);
    return h(
      'tr',
      {},
      h('th', {}, answer.classNames[label]),
      ...row.map((count, other) => {
        const share = total ? count / total : 0;
        const cell = h(
          'td',
          { className: `number${label === other ? ' diagonal' : ''}`, title: `${count} of ${total} neighbours` },
          total ? `${Math.round(share * 100)}%` : '—',
        );
        cell.style.background = `rgba(31, 119, 180, ${Math.min(0.85, share).toFixed(3)})`;
        if (share > 0.5) cell.style.color = '#ffffff';
        return cell;
      }),
    );
  });
  clear(container);
  container.append(
    h(
      'p',
      { className: 'how' },
      `Row: a class; columns: the classes of its points’ ${answer.k} nearest neighbours in the embedding. A strong diagonal means clean clusters; an off-diagonal cell shows which classes sit together.`,
    ),
    h(
      'table',
      { className: 'confusion', id: 'confusion' },
      h('thead', {}, h('tr', {}, h('th', {}, 'class \\ neighbour'), ...answer.classNames.map((name) => h('th', {}, name)))),
      h('tbody', {}, ...rows),
    ),
  );
}
