/**
 * Tiny DOM helpers. Text always goes in as text nodes (never innerHTML), so run labels,
 * parameter values and experiment names cannot inject markup.
 */
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string | number | boolean | EventListener | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'className') element.className = String(value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function clear(element: Element): void {
  while (element.firstChild) element.removeChild(element.firstChild);
}

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential(3) : value.toPrecision(4);
}

export function formatValue(value: string | number | boolean | null | undefined): string {
  if (value === undefined) return '—';
  if (value === null) return 'null';
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

export function statusBadge(status: string): HTMLSpanElement {
  return h('span', { className: `status status-${status.replace(/[^a-z]/g, '')}` }, status);
}

/** The ten category10 colours, the report's class colours. */
export const classColours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function classColour(label: number): string {
  return classColours[label % classColours.length];
}

/** Calls `work` at most once per `milliseconds`, the last call winning (trailing edge). */
export function throttle(work: () => void, milliseconds: number): () => void {
  let timer: number | undefined;
  let last = 0;
  return () => {
    if (timer !== undefined) return;
    const wait = Math.max(0, last + milliseconds - Date.now());
    timer = window.setTimeout(() => {
      timer = undefined;
      last = Date.now();
      work();
    }, wait);
  };
}
