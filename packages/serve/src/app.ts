import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RunStore } from '@siamese-lab/store';
import { EmbeddingCache, embeddingBytes } from './embedding-cache.ts';
import { nearestNeighbours } from './embedding.ts';
import { classNamesOf, imageSource, testImagePng } from './images.ts';
import type { LiveFeed } from './live.ts';
import { contentSecurityPolicy, indexHtml } from './page.ts';
import { parseCount, parseExperimentName, parsePointIndex, parseRunId, parseRunIdList } from './validate.ts';
import { compareView, experimentCharts, experimentsView, experimentView, runCurves, runView } from './views.ts';

export interface AppOptions {
  store: RunStore;
  feed: LiveFeed;
  /** The bundled UI (`build/ui/app.js` and `app.css`). */
  assets: { script: string; style: string };
  /**
   * Host headers accepted (e.g. `127.0.0.1:8080`, `localhost:8080`): a page on another site that
   * rebinds its DNS name to 127.0.0.1 is refused. Null accepts any (for `--host` other than loopback).
   */
  allowedHosts: string[] | null;
  /** Seconds between keep-alive comments on the event stream. */
  keepAliveSeconds?: number;
}

const notFound = (c: Context, what: string) => c.json({ error: `not found: ${what}` }, 404);
const badRequest = (c: Context, what: string) => c.json({ error: what }, 400);

/** The HTTP routes: the page, its bundled script and style, the JSON/binary API, and the event stream. */
export function createApp(options: AppOptions): Hono {
  const { store, feed } = options;
  const embeddings = new EmbeddingCache(store);
  // Every open experiment page asks for its charts when the sweep moves; pages that show the
  // same runs of the same database state share one computation.
  const chartsCache = new Map<string, ReturnType<typeof experimentCharts>>();
  const chartsOf = (name: string, runIds: number[] | null) => {
    const key = `${store.dataVersion()}|${name}|${runIds?.join(',') ?? '*'}`;
    let charts = chartsCache.get(key);
    if (charts === undefined) {
      charts = experimentCharts(store, name, runIds);
      chartsCache.set(key, charts);
      while (chartsCache.size > 8) chartsCache.delete(chartsCache.keys().next().value!);
    }
    return charts;
  };
  const app = new Hono();

  app.use('*', async (c, next) => {
    if (options.allowedHosts && !options.allowedHosts.includes(c.req.header('host') ?? '')) {
      return c.json({ error: 'this server only answers requests addressed to its own host name' }, 421);
    }
    await next();
    c.header('Content-Security-Policy', contentSecurityPolicy);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    c.header('X-Frame-Options', 'DENY');
  });

  app.get('/', (c) => c.html(indexHtml));
  app.get('/assets/app.js', (c) =>
    c.body(options.assets.script, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }),
  );
  app.get('/assets/app.css', (c) =>
    c.body(options.assets.style, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' }),
  );

  app.get('/api/experiments', (c) => c.json(experimentsView(store)));

  app.get('/api/experiments/:name', (c) => {
    const name = parseExperimentName(c.req.param('name'));
    const view = name === null ? null : experimentView(store, name);
    return view ? c.json(view) : notFound(c, 'experiment');
  });

  app.get('/api/experiments/:name/charts', (c) => {
    const name = parseExperimentName(c.req.param('name'));
    const runs = c.req.query('runs');
    const runIds = runs === undefined ? null : parseRunIdList(runs);
    if (runs !== undefined && runIds === null) return badRequest(c, 'runs must be a comma-separated list of run ids');
    const charts = name === null ? null : chartsOf(name, runIds);
    return charts ? c.json({ charts }) : notFound(c, 'experiment');
  });

  app.get('/api/compare', (c) => {
    const runIds = parseRunIdList(c.req.query('runs'), 24);
    if (runIds === null || runIds.length < 2) return badRequest(c, 'compare needs 2 to 24 run ids: ?runs=1,2');
    const view = compareView(store, runIds);
    return view.found ? c.json(view.found) : notFound(c, `run ${view.missing.join(', ')}`);
  });

  app.get('/api/runs/:id', (c) => {
    const id = parseRunId(c.req.param('id'));
    const view = id === null ? null : runView(store, id, (run) => embeddings.meta(run));
    return view ? c.json(view) : notFound(c, 'run');
  });

  app.get('/api/runs/:id/curves', (c) => {
    const id = parseRunId(c.req.param('id'));
    const curves = id === null ? null : runCurves(store, id);
    return curves ? c.json(curves) : notFound(c, 'run');
  });

  /** The run and its cached embedding, or a 404 response. */
  const withEmbedding = (c: Context) => {
    const id = parseRunId(c.req.param('id'));
    const run = id === null ? undefined : store.getRun(id);
    if (!run) return { response: notFound(c, 'run') };
    const entry = embeddings.get(run);
    if (!entry) return { response: notFound(c, 'embedding (the run has not stored one)') };
    return { run, entry };
  };

  app.get('/api/runs/:id/embedding', (c) => {
    const found = withEmbedding(c);
    if (found.response) return found.response;
    const bytes = embeddingBytes(found.entry.embedding, found.entry.projection);
    return c.body(bytes.buffer as ArrayBuffer, 200, {
      'Content-Type': 'application/octet-stream',
      'X-Point-Count': String(found.entry.embedding.count),
    });
  });

  app.get('/api/runs/:id/neighbours/:index', (c) => {
    const found = withEmbedding(c);
    if (found.response) return found.response;
    const { embedding } = found.entry;
    const index = parsePointIndex(c.req.param('index'));
    if (index === null || index >= embedding.count) return notFound(c, 'point');
    const k = parseCount(c.req.query('k'), 8, 50);
    const neighbours = nearestNeighbours(embedding.points, embedding.count, embedding.dim, index, k);
    const labelOf = (at: number) => ({ index: at, label: embedding.labels[at], domain: embedding.domains ? embedding.domains[at] : 0 });
    return c.json({
      point: labelOf(index),
      neighbours: neighbours.map((entry) => ({ ...labelOf(entry.index), distance: entry.distance })),
    });
  });

  app.get('/api/runs/:id/confusion', (c) => {
    const found = withEmbedding(c);
    if (found.response) return found.response;
    const experiment = store.getExperiment(found.run.experimentName);
    const classNames = classNamesOf(imageSource(found.run.params, experiment?.filePath ?? null));
    const k = parseCount(c.req.query('k'), 5, 20);
    return c.json({ k, classNames, counts: embeddings.confusion(found.run, k, classNames.length) });
  });

  app.get('/api/runs/:id/images/:file', (c) => {
    const found = withEmbedding(c);
    if (found.response) return found.response;
    const match = /^(0|[1-9][0-9]{0,8})\.png$/.exec(c.req.param('file'));
    const index = match ? parsePointIndex(match[1]) : null;
    if (index === null || index >= found.entry.embedding.count) return notFound(c, 'image');
    const experiment = store.getExperiment(found.run.experimentName);
    const png = testImagePng(imageSource(found.run.params, experiment?.filePath ?? null), index, found.entry.embedding.domains);
    if (!png) return notFound(c, 'image (the data set has fewer test images)');
    return c.body(new Uint8Array(png), 200, { 'Content-Type': 'image/png', 'Cache-Control': 'private, max-age=3600' });
  });

  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      let closed = false;
      const unsubscribe = feed.subscribe((event) => {
        void stream.writeSSE({ event: 'change', data: JSON.stringify(event) });
      });
      stream.onAbort(() => {
        closed = true;
        unsubscribe();
      });
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ version: 1 }) });
      while (!closed) {
        await stream.sleep((options.keepAliveSeconds ?? 15) * 1000);
        if (!closed) await stream.write(': keep-alive\n\n');
      }
    }),
  );

  app.all('/api/*', (c) => notFound(c, 'no such API route'));
  app.notFound((c) => notFound(c, 'page'));
  app.onError((error, c) => {
    // Internal errors are logged on the server; the page gets a short message, not a stack.
    console.error(error);
    return c.json({ error: error instanceof Error ? error.message : String(error) }, 500);
  });
  return app;
}
