import { clear, h } from './dom.ts';
import { experimentPage } from './pages/experiment.ts';
import { experimentsPage } from './pages/experiments.ts';
import { linkedPage } from './pages/linked.ts';
import { runPage } from './pages/run.ts';
import type { ChangeEvent, Page } from './pages/types.ts';

const root = document.getElementById('app')!;
const live = document.getElementById('live')!;
let page: Page = {};

/** Hash routes: #/ · #/experiments/NAME · #/runs/ID · #/linked?runs=1,2 (the server validates every id again). */
function route(): void {
  page.dispose?.();
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  const experiment = /^\/experiments\/([^/]+)$/.exec(path);
  const run = /^\/runs\/([1-9][0-9]{0,15})$/.exec(path);
  if (path === '/' || path === '') page = experimentsPage(root);
  else if (experiment) page = experimentPage(root, decodeURIComponent(experiment[1]));
  else if (run) page = runPage(root, Number(run[1]));
  else if (path === '/linked') {
    const ids = (new URLSearchParams(query).get('runs') ?? '')
      .split(',')
      .filter((id) => /^[1-9][0-9]{0,15}$/.test(id))
      .map(Number);
    page = linkedPage(root, [...new Set(ids)].slice(0, 12));
  } else {
    clear(root);
    root.append(h('p', { className: 'error' }, 'No such page.'), h('a', { href: '#/' }, 'All experiments'));
    page = {};
  }
  window.scrollTo(0, 0);
}

/** One event stream per tab; the server sends what changed in the database, the page re-reads what it shows. */
function connect(): void {
  const events = new EventSource('/api/events');
  events.addEventListener('hello', () => {
    live.textContent = 'live';
    live.setAttribute('data-state', 'live');
  });
  events.addEventListener('change', (message) => {
    const event = JSON.parse((message as MessageEvent<string>).data) as ChangeEvent;
    live.setAttribute('data-events', String(Number(live.getAttribute('data-events') ?? 0) + 1));
    page.onChange?.(event);
  });
  events.addEventListener('error', () => {
    // EventSource reconnects by itself; say so meanwhile.
    live.textContent = 'reconnecting…';
    live.setAttribute('data-state', 'reconnecting');
  });
}

window.addEventListener('hashchange', route);
route();
connect();
