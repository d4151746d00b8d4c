import type { RunProgress, RunStore } from '@siamese-lab/store';

import type { ChangeEvent } from './wire.ts';

export type { ChangeEvent } from './wire.ts';

type Listener = (event: ChangeEvent) => void;

const runChange = (run: RunProgress, change: ChangeEvent['runs'][number]['change']): ChangeEvent['runs'][number] => ({
  id: run.id,
  experimentName: run.experimentName,
  status: run.status,
  stepsDone: run.stepsDone,
  lastStep: run.lastStep,
  change,
});

const progressKey = (run: RunProgress) => `${run.status}|${run.stepsDone}|${run.lastStep}|${run.finishedAt}`;

/**
 * One poller per server, however many pages are open: every `intervalMs` it reads SQLite's
 * `data_version` (no table is touched); only when another connection has committed does it read
 * the runs' progress (one small query) and send the difference to every listener.
 */
export class LiveFeed {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private version: number | undefined;
  private known = new Map<number, RunProgress>();
  /** Polls that found a change and read the runs: for tests and the benchmark. */
  reads = 0;

  constructor(
    private readonly store: RunStore,
    private readonly intervalMs = 250,
  ) {
    for (const run of store.listRunProgress()) this.known.set(run.id, run);
    this.version = store.dataVersion();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => this.poll(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Checks for a change now; returns the event sent, if any. */
  poll(): ChangeEvent | null {
    let version: number;
    try {
      version = this.store.dataVersion();
    } catch {
      return null; // the database is busy or gone for a moment; the next poll tries again
    }
    if (version === this.version) return null;
    this.version = version;
    this.reads++;
    const current = new Map(this.store.listRunProgress().map((run) => [run.id, run]));
    const event: ChangeEvent = { runs: [], experiments: [] };
    const experiments = new Set<string>();
    for (const [id, run] of current) {
      const before = this.known.get(id);
      if (before && progressKey(before) === progressKey(run)) continue;
      event.runs.push(runChange(run, before ? 'changed' : 'added'));
      if (!before || before.status !== run.status || before.finishedAt !== run.finishedAt) experiments.add(run.experimentName);
    }
    for (const [id, run] of this.known) {
      if (current.has(id)) continue;
      event.runs.push(runChange(run, 'removed'));
      experiments.add(run.experimentName);
    }
    this.known = current;
    event.experiments = [...experiments].sort();
    for (const listener of this.listeners) listener(event);
    return event;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}
