import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { openRunStore } from '@siamese-lab/store';
import { writeFileSync } from 'node:fs';
import { startServer, type RunningServer } from '../src/index.ts';
import { createApp } from '../src/app.ts';
import { LiveFeed, type ChangeEvent } from '../src/live.ts';
import { type ExperimentsView, type ExperimentView } from '../src/views.ts';
import { seedDatabase, stepRows, syntheticOutcome, tempDatabase } from './fixtures.ts';

const json = async <T>(response: Response | Promise<Response>) => (await response).json() as Promise<T>;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('live feed', () => {
  it('polls once for all listeners and reports new runs, status changes and new steps', () => {
    const path = tempDatabase();
    const writer = seedDatabase(path, 2, { finished: 0 });
    const reader = openRunStore(path, { readonly: true });
    cleanups.push(
      () => writer.close(),
      () => reader.close(),
    );
    const feed = new LiveFeed(reader, 60_000);
    const received: ChangeEvent[][] = [[], [], []];
    const unsubscribes = received.map((list) => feed.subscribe((event) => list.push(event)));
    cleanups.push(() => feed.close());

    expect(feed.poll()).toBeNull(); // nothing committed since the feed started
    writer.appendStepMetrics(1, stepRows(60, 80));
    const steps = feed.poll()!;
    expect(steps.runs).toEqual([{ id: 1, experimentName: 'sweep', status: 'running', stepsDone: 0, lastStep: 80, change: 'changed' }]);
    expect(steps.experiments).toEqual([]);

    const experiment = writer.getExperiment('sweep')!;
    writer.planRun(experiment.id, { runIndex: 9, configHash: 'new', label: 'new', params: {} });
    const added = feed.poll()!;
    expect(added.runs).toMatchObject([{ id: 3, status: 'queued', change: 'added' }]);
    expect(added.experiments).toEqual(['sweep']);

    expect(received.map((list) => list.length)).toEqual([2, 2, 2]);
    expect(feed.reads).toBe(2);
    unsubscribes.forEach((unsubscribe) => unsubscribe());
    expect(feed.listenerCount).toBe(0);
  });
});

describe('a database being written by another process', () => {
  it('is read consistently: every page answer is one snapshot, and the writer is never blocked', async () => {
    const path = tempDatabase();
    openRunStore(path).close();
    const reader = openRunStore(path, { readonly: true });
    cleanups.push(() => reader.close());
    const app = createApp({ store: reader, feed: new LiveFeed(reader), assets: { script: '', style: '' }, allowedHosts: null });
    const writer = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'writer-process.ts'), path, '40'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    writer.stdout.on('data', (chunk) => (output += chunk));
    writer.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((done) => writer.on('exit', done));
    cleanups.push(() => writer.exitCode === null && writer.kill());

    let reads = 0;
    let sawPartial = false;
    let finished = false;
    void exited.then(() => (finished = true));
    while (!finished) {
      // Yield to the event loop (the handlers answer in microtasks): the child's exit must get through.
      await new Promise((done) => setTimeout(done, 5));
      const response = await app.request('/api/experiments/live');
      if (response.status === 404) continue; // not created yet
      const view = await json<ExperimentView>(response);
      reads++;
      const statuses = new Set<string>();
      for (const run of view.runs) {
        statuses.add(run.status);
        // A run's metrics arrive in the same transaction as its `completed` status: never one without the other.
        expect(Object.keys(run.metrics).length, `run ${run.id} ${run.status}`).toBe(run.status === 'completed' ? 4 : 0);
      }
      if (statuses.has('completed') && statuses.size > 1) sawPartial = true;
      const list = await json<ExperimentsView>(app.request('/api/experiments'));
      const entry = list.experiments.find((experiment) => experiment.name === 'live')!;
      expect(Object.values(entry.runCounts).reduce((sum, count) => sum + count, 0)).toBe(entry.runs);
    }
    expect(await exited).toBe(0);
    expect(output).toContain('wrote 40 runs; integrity ok');
    expect(reads).toBeGreaterThan(3);
    expect(sawPartial).toBe(true);
    const final = await json<ExperimentView>(app.request('/api/experiments/live'));
    expect(final.runs.every((run: { status: string }) => run.status === 'completed')).toBe(true);
  });
});

describe('one snapshot per answer', () => {
  it('does not mix states when a commit lands in the middle of a read', async () => {
    const path = tempDatabase();
    const writer = seedDatabase(path, 2); // run 1 completed, run 2 running
    const reader = openRunStore(path, { readonly: true });
    cleanups.push(
      () => reader.close(),
      () => writer.close(),
    );
    // The sweep finishes run 2 while the page's read is half done (after the run list was read).
    const readMetrics = reader.getFinalMetrics.bind(reader);
    let committed = false;
    reader.getFinalMetrics = (runId: number) => {
      if (!committed) {
        committed = true;
        writer.finishRun(2, syntheticOutcome(9), {});
      }
      return readMetrics(runId);
    };
    const app = createApp({ store: reader, feed: new LiveFeed(reader), assets: { script: '', style: '' }, allowedHosts: null });
    const during = await json<ExperimentView>(app.request('/api/experiments/sweep'));
    expect(committed).toBe(true);
    expect(during.runs.map((run) => [run.status, Object.keys(run.metrics).length])).toEqual([
      ['completed', 4],
      ['running', 0],
    ]);
    const after = await json<ExperimentView>(app.request('/api/experiments/sweep'));
    expect(after.runs.map((run) => [run.status, Object.keys(run.metrics).length])).toEqual([
      ['completed', 4],
      ['completed', 4],
    ]);
  });
});

describe('startServer', () => {
  it('refuses a missing or non-SQLite database with a LabError before listening', async () => {
    await expect(startServer({ db: '/nonexistent/runs.sqlite', port: 0, host: '127.0.0.1' })).rejects.toThrow(LabError);
    const path = tempDatabase();
    writeFileSync(path, 'not a database at all, just text\n');
    await expect(startServer({ db: path, port: 0, host: '127.0.0.1' })).rejects.toThrow(/not an SQLite database/);
  });

  it('listens on 127.0.0.1 and pushes a change event to an open event stream when another process commits', async () => {
    const path = tempDatabase();
    const writer = seedDatabase(path, 1, { finished: 0 });
    cleanups.push(() => writer.close());
    const server: RunningServer = await startServer({ db: path, port: 0, host: '127.0.0.1', pollMilliseconds: 50 });
    cleanups.push(() => server.close());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const response = await fetch(`${server.url}api/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(/event: hello/);
    writer.appendStepMetrics(1, stepRows(60, 90));
    await readUntil(/event: change\ndata: .*"lastStep":90/);
    expect(server.feed.listenerCount).toBe(1);
  });
});
