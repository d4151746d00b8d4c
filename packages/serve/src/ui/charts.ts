import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { h } from './dom.ts';

export interface ChartSection {
  id: string;
  title: string;
  howToRead: string;
  notes: string[];
  spec: unknown;
  emptyReason?: string;
}

interface SceneNode {
  marktype?: string;
  role?: string;
  items?: SceneNode[];
}

/** Data marks drawn (points, line vertices, bars), as the report's browser test counts them. */
function countDataMarks(node: SceneNode | undefined): number {
  if (!node) return 0;
  if (node.marktype && node.marktype !== 'group') return node.role === 'mark' ? (node.items ?? []).length : 0;
  return (node.items ?? []).reduce((sum, child) => sum + countDataMarks(child), 0);
}

/**
 * Draws a Vega-Lite spec on canvas. Vega's expression interpreter replaces its code generator,
 * so the page needs no `unsafe-eval` in its Content-Security-Policy.
 */
export async function renderChart(container: HTMLElement, spec: unknown): Promise<void> {
  container.setAttribute('data-rendered', 'pending');
  try {
    const result = await embed(container, spec as never, {
      actions: false,
      renderer: 'canvas',
      mode: 'vega-lite',
      ast: true,
      expr: expressionInterpreter,
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true } as never,
    });
    container.setAttribute('data-marks', String(countDataMarks((result.view.scenegraph() as unknown as { root: SceneNode }).root)));
    container.setAttribute('data-rendered', 'done');
  } catch (error) {
    container.setAttribute('data-rendered', 'error');
    container.appendChild(h('p', { className: 'error' }, `This chart could not be drawn: ${(error as Error).message}`));
    console.error(error);
  }
}

/** A chart section as the report shows it: title, how to read it, notes, then the chart or why it is empty. */
export function chartSection(chart: ChartSection): { element: HTMLElement; draw: () => Promise<void> } {
  const view = h('div', { className: 'chart', 'data-chart': chart.id });
  const element = h(
    'section',
    { className: 'chart-section', id: `chart-${chart.id}` },
    h('h3', {}, chart.title),
    h('p', { className: 'how' }, chart.howToRead),
    chart.notes.length && !chart.emptyReason ? h('ul', { className: 'notes' }, ...chart.notes.map((note) => h('li', {}, note))) : null,
    chart.spec && !chart.emptyReason ? view : h('p', { className: 'empty' }, `Nothing to show: ${chart.emptyReason ?? 'no data.'}`),
  );
  return { element, draw: () => (chart.spec && !chart.emptyReason ? renderChart(view, chart.spec) : Promise.resolve()) };
}
