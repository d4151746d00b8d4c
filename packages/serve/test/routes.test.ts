import { mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { dataSettingsSchema, loadDataSource, loadMnist, transformDataset } from '@siamese-lab/data';
import { mnistDigits, writeDigitFolder } from '../../data/test/fixtures.ts';
import type { RunStore } from '@siamese-lab/store';
import { openRunStore } from '@siamese-lab/store';
import type { ChartSection } from '@siamese-lab/report';
import { createApp } from '../src/app.ts';
import { LiveFeed } from '../src/live.ts';
import { type CompareView, type ExperimentsView, type ExperimentView } from '../src/views.ts';
import type { RunPageData } from '../src/wire.ts';
import { seedDatabase, stepRows, syntheticOutcome, tempDatabase } from './fixtures.ts';

const opened: RunStore[] = [];
afterAll(() => opened.forEach((store) => store.close()));

/** The app over a read-only connection, as `lab serve` opens it, after seeding through a writer. */
function appFor(runs: number, options: { dim?: number } = {}) {
  const path = tempDatabase();
  const writer = seedDatabase(path, runs, options);
  const reader = openRunStore(path, { readonly: true });
  opened.push(writer, reader);
  const feed = new LiveFeed(reader);
  const app = createApp({ store: reader, feed, assets: { script: '/* app */', style: '/* style */' }, allowedHosts: ['127.0.0.1:9'] });
  const get = (path: string) => app.request(`http://127.0.0.1:9${path}`, { headers: { host: '127.0.0.1:9' } });
  const getJson = async <T>(path: string) => (await get(path)).json() as Promise<T>;
  return { app, get, getJson, writer, reader, feed };
}

const errorOf = (response: Response) => response.json() as Promise<{ error: string }>;

const runRoutes = (id: number) => [
  `/api/runs/${id}`,
  `/api/runs/${id}/curves`,
  `/api/runs/${id}/embedding`,
  `/api/runs/${id}/neighbours/0?k=5`,
  `/api/runs/${id}/confusion`,
  `/api/runs/${id}/images/0.png`,
];

describe('every route', () => {
  it('answers for a database with no runs: empty lists, and 404 with a JSON error for runs', async () => {
    const { get, getJson } = appFor(0);
    expect((await get('/')).status).toBe(200);
    expect(await getJson<ExperimentsView>('/api/experiments')).toEqual({ experiments: [] });
    for (const path of ['/api/experiments/sweep', '/api/experiments/sweep/charts', ...runRoutes(1)]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).error, path).toMatch(/not found/);
    }
    expect((await get('/api/compare?runs=1,2')).status).toBe(404);
  });

  it('answers for a database with one run (running, no embedding yet)', async () => {
    const { get, getJson } = appFor(1, {});
    const experiments = await getJson<ExperimentsView>('/api/experiments');
    expect(experiments.experiments).toMatchObject([{ name: 'sweep', runs: 1, runCounts: { running: 1 } }]);
    const experiment = await getJson<ExperimentView>('/api/experiments/sweep');
    expect(experiment.runs).toHaveLength(1);
    expect(experiment.runs[0]).toMatchObject({ id: 1, status: 'running', stepsDone: 0 });
    const charts = await getJson<{ charts: ChartSection[] }>('/api/experiments/sweep/charts');
    expect(charts.charts.map((chart) => chart.id)).toContain('loss-curves');
    const run = await getJson<RunPageData>('/api/runs/1');
    expect(run).toMatchObject({
      run: { id: 1, status: 'running' },
      embedding: null,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    });
    const curves = await getJson<{ charts: ChartSection[]; points: number }>('/api/runs/1/curves');
    expect(curves.points).toBe(5);
    expect(curves.charts.map((chart) => chart.id)).toEqual(['loss-curves', 'distance-curves']);
    expect((await get('/api/runs/1/embedding')).status).toBe(404);
    expect((await getJson<{ error: string }>('/api/runs/1/images/0.png')).error).toMatch(/embedding/);
  });

  it('answers for a database with 100 runs', async () => {
    const { get, getJson } = appFor(100);
    const experiment = await getJson<ExperimentView>('/api/experiments/sweep');
    expect(experiment.runs).toHaveLength(100);
    expect(experiment.paramKeys).toEqual(['optimizer.name', 'seed']);
    expect(experiment.runs.filter((run) => run.status === 'completed')).toHaveLength(99);
    // The best run of a metric is the completed run with the highest (or lowest) value.
    const completed = experiment.runs.filter((run) => run.status === 'completed');
    const bestAccuracy = Math.max(...completed.map((run) => run.metrics.nn_accuracy!));
    expect(experiment.best.nn_accuracy).toEqual(completed.filter((run) => run.metrics.nn_accuracy! === bestAccuracy).map((run) => run.id));
    expect(experiment.best.anisotropy).toBeUndefined();

    const some = await getJson<{ charts: ChartSection[] }>('/api/experiments/sweep/charts?runs=1,2,3');
    const embedding = some.charts.find((chart) => chart.id === 'embedding');
    expect(embedding?.spec).toBeTruthy();
    for (const id of [1, 50, 99]) {
      for (const path of runRoutes(id)) expect((await get(path)).status, path).toBe(200);
    }
    const compare = await getJson<CompareView>('/api/compare?runs=1,2,3');
    expect(compare.differing.map((row: { key: string }) => row.key)).toEqual(['optimizer.name', 'seed']);
    expect(compare.runs.map((run) => run.id)).toEqual([1, 2, 3]);
  });

  it('serves the embedding as binary, neighbours in the full space, a confusion table and PNG test images', async () => {
    const { get, getJson, reader } = appFor(3, { dim: 5 });
    const run = await getJson<RunPageData>('/api/runs/1');
    expect(run.embedding).toMatchObject({ count: 120, dim: 5, projection: 'pca' });
    const bytes = new Uint8Array(await (await get('/api/runs/1/embedding')).arrayBuffer());
    expect(bytes.length).toBe(120 * 10);
    const labels = bytes.subarray(120 * 8, 120 * 9);
    expect([...labels.subarray(0, 12)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);

    const neighbours = await getJson<{ point: unknown; neighbours: Array<{ index: number }> }>('/api/runs/1/neighbours/7?k=4');
    expect(neighbours.point).toEqual({ index: 7, label: 7, domain: 0 });
    expect(neighbours.neighbours).toHaveLength(4);
    const stored = reader.getEmbedding(1)!;
    const distance = (a: number, b: number) =>
      Math.hypot(...Array.from({ length: 5 }, (_, d) => stored.points[a * 5 + d] - stored.points[b * 5 + d]));
    const all = Array.from({ length: 120 }, (_, j) => j)
      .filter((j) => j !== 7)
      .sort((a, b) => distance(7, a) - distance(7, b) || a - b);
    expect(neighbours.neighbours.map((entry: { index: number }) => entry.index)).toEqual(all.slice(0, 4));

    const confusion = await getJson<{ counts: number[][] }>('/api/runs/1/confusion?k=3');
    expect(confusion.counts.flat().reduce((sum: number, count: number) => sum + count, 0)).toBe(120 * 3);

    const image = await get('/api/runs/1/images/3.png');
    expect(image.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await image.arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([28, 28]);
  });
});

describe('the charts request', () => {
  it('follows the database: after another connection commits, the curves have the new steps', async () => {
    const { getJson, writer } = appFor(2); // run 2 is running, logged steps 10..50
    const rowsOfRun2 = async () => {
      const { charts } = await getJson<{ charts: ChartSection[] }>('/api/experiments/sweep/charts');
      const spec = charts.find((chart) => chart.id === 'loss-curves')!.spec as unknown as { data: { values: Array<{ r: number }> } };
      return spec.data.values.filter((row) => row.r === 1).length;
    };
    expect(await rowsOfRun2()).toBe(5);
    expect(await rowsOfRun2()).toBe(5);
    writer.appendStepMetrics(2, stepRows(60, 100));
    expect(await rowsOfRun2()).toBe(10);
  });
});

describe('a two-source run', () => {
  it('serves domain B points as the run rendered them (here rotated and downsampled to 14x14)', async () => {
    const path = tempDatabase();
    const writer = openRunStore(path);
    opened.push(writer);
    const experiment = writer.upsertExperiment({ name: 'two', description: '', filePath: null, spec: {}, sweepKeys: [] });
    const params = { 'data.dataset': 'mnist', 'data.right.rotate90': true, 'data.right.invert': false, 'data.right.downsample': 2 };
    const run = writer.planRun(experiment.id, { runIndex: 0, configHash: 'two', label: 'two', params });
    writer.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 });
    const outcome = syntheticOutcome(1, { points: 40 });
    const domainA = outcome.embedding;
    const points = new Float32Array(80 * 2);
    points.set(domainA.points);
    points.set(domainA.points, 80);
    const labels = Uint8Array.from([...domainA.labels, ...domainA.labels]);
    const domains = Uint8Array.from({ length: 80 }, (_, i) => (i < 40 ? 0 : 1));
    writer.finishRun(run.id, { ...outcome, embedding: { ...domainA, points, labels, domains } }, params);
    const reader = openRunStore(path, { readonly: true });
    opened.push(reader);
    const app = createApp({ store: reader, feed: new LiveFeed(reader), assets: { script: '', style: '' }, allowedHosts: null });
    const size = async (index: number) => {
      const png = Buffer.from(await (await app.request(`/api/runs/1/images/${index}.png`)).arrayBuffer());
      return [png.readUInt32BE(16), png.readUInt32BE(20)];
    };
    expect(await size(5)).toEqual([28, 28]);
    expect(await size(45)).toEqual([14, 14]);
    // Point 45 is test image 5 in domain B: the same transform the runner applies.
    const png = Buffer.from(await (await app.request('/api/runs/1/images/45.png')).arrayBuffer());
    const raw = inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)));
    const domainB = transformDataset(loadMnist().test, { rotate90: true, invert: false, downsample: 2 });
    const expected = Array.from(domainB.images.subarray(5 * 196, 6 * 196), (value) => Math.round(value * 255));
    const pixels = Array.from({ length: 14 }, (_, row) => [...raw.subarray(row * 15 + 1, row * 15 + 15)]).flat();
    expect(pixels).toEqual(expected);
    const view = (await (await app.request('/api/runs/1')).json()) as RunPageData;
    expect(view.embedding).toMatchObject({ count: 80, twoSource: true });
    expect(view.images).toEqual({ dataset: 'mnist', twoSource: true });
  });
});

describe('bad input', () => {
  it('gives 404 (or 400 for a malformed list) with a JSON error for every bad id or name', async () => {
    const { get, getJson } = appFor(2);
    const notFound = [
      '/api/runs/0',
      '/api/runs/-1',
      '/api/runs/abc',
      '/api/runs/1e3',
      '/api/runs/01',
      '/api/runs/99999',
      '/api/runs/99999999999999999999',
      '/api/runs/1%20OR%201=1',
      '/api/experiments/nope',
      '/api/experiments/..',
      '/api/experiments/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      "/api/experiments/x'%3B%20DROP%20TABLE%20runs%3B--",
      '/api/runs/1/images/..%2f..%2f..%2fetc%2fpasswd',
      '/api/runs/1/images/5.svg',
      '/api/runs/1/images/99999.png',
      '/api/runs/1/neighbours/120',
      '/api/runs/1/neighbours/-3',
      '/api/nothing',
      '/etc/passwd',
    ];
    for (const path of notFound) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toMatch(/application\/json/);
      expect(typeof (await errorOf(response)).error, path).toBe('string');
    }
    for (const path of ['/api/compare?runs=1', '/api/compare?runs=1,x', '/api/experiments/sweep/charts?runs=1;2']) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(typeof (await errorOf(response)).error, path).toBe('string');
    }
    // The database is untouched by all of that.
    expect((await getJson<ExperimentView>('/api/experiments/sweep')).runs).toHaveLength(2);
  });

  it('sends a Content-Security-Policy with no inline or eval script, and refuses a foreign Host header', async () => {
    const { app, get } = appFor(1);
    for (const path of ['/', '/api/experiments', '/api/runs/99']) {
      const policy = (await get(path)).headers.get('content-security-policy')!;
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain("script-src 'self'");
      expect(policy).not.toMatch(/unsafe-(inline|eval)/);
    }
    const page = await (await get('/')).text();
    expect(page).not.toMatch(/<script>|<style>|\sstyle=|\son\w+=/);
    // DNS rebinding: a page of another site that resolves its name to 127.0.0.1.
    const rebound = await app.request('http://evil.example:9/api/experiments', { headers: { host: 'evil.example:9' } });
    expect(rebound.status).toBe(421);
  });
});

describe('a run on an image folder', () => {
  it('serves its test images as the run split them, and names its classes by their folders', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'lab-serve-folder-'));
    // The decode cache of this test's folder in the folder, not the user's.
    const previousCache = process.env.SIAMESE_LAB_CACHE;
    process.env.SIAMESE_LAB_CACHE = join(folder, 'cache');
    onTestFinished(() => {
      if (previousCache === undefined) delete process.env.SIAMESE_LAB_CACHE;
      else process.env.SIAMESE_LAB_CACHE = previousCache;
    });
    const digits = mnistDigits('train', 60);
    await writeDigitFolder(join(folder, 'digits'), digits);
    for (let label = 0; label < 10; label++) renameSync(join(folder, 'digits', String(label)), join(folder, 'digits', `digit-${label}`));
    const data = { dataset: 'image_folder', directory: join(folder, 'digits'), validation_size: 0, split: { test_fraction: 0.5, seed: 3 } };
    const path = tempDatabase();
    const writer = openRunStore(path);
    opened.push(writer);
    const experiment = writer.upsertExperiment({ name: 'own', description: '', filePath: null, spec: {}, sweepKeys: [] });
    const params = {
      'data.dataset': 'image_folder',
      'data.directory': data.directory,
      'data.validation_size': 0,
      'data.split.test_fraction': 0.5,
      'data.split.stratified': true,
      'data.split.seed': 3,
    };
    const run = writer.planRun(experiment.id, { runIndex: 0, configHash: 'own', label: 'own', params });
    writer.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 });
    writer.finishRun(run.id, syntheticOutcome(1, { points: 20 }), params);
    const reader = openRunStore(path, { readonly: true });
    opened.push(reader);
    const app = createApp({ store: reader, feed: new LiveFeed(reader), assets: { script: '', style: '' }, allowedHosts: null });
    const png = Buffer.from(await (await app.request('/api/runs/1/images/7.png')).arrayBuffer());
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([28, 28]);
    // Test image 7 of the run's split: the loader's own split of the same folder.
    const test = loadDataSource(dataSettingsSchema.parse(data)).test;
    const raw = inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)));
    const pixels = Array.from({ length: 28 }, (_, row) => [...raw.subarray(row * 29 + 1, row * 29 + 29)]).flat();
    expect(pixels).toEqual(Array.from(test.images.subarray(7 * 784, 8 * 784), (value) => Math.round(value * 255)));
    const confusion = (await (await app.request('/api/runs/1/confusion')).json()) as { classNames: string[] };
    expect(confusion.classNames).toEqual(Array.from({ length: 10 }, (_, label) => `digit-${label}`));
  });
});
