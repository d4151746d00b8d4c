// A `lab run --jobs N` worker process: trains the runs its sweep sends, one at a time, with the
// same local runner as an in-process sweep, writing to the shared store under the runs' leases.
import { isLabError } from '@siamese-lab/core';
import { openRunStore, type RunStore } from '@siamese-lab/store';
import { createLocalRunner } from './execute.ts';
import type { FromWorkerProcess, ToWorkerProcess } from './parallel.ts';

let stopRequested = false;
// The terminal's Ctrl-C (or a SIGTERM to the group) reaches every process of it: stop after the current step, as the sweep does.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopRequested = true;
  });
}
// The sweep has ended (or died): nothing more to do here.
process.on('disconnect', () => process.exit(0));

const send = (message: FromWorkerProcess) => process.send?.(message);
let store: RunStore | undefined;
let runStored: ReturnType<typeof createLocalRunner> | undefined;
let work = Promise.resolve();

process.on('message', (message: ToWorkerProcess) => {
  if (message.type === 'stop') {
    stopRequested = true;
    return;
  }
  if (message.type === 'init') {
    store = openRunStore(message.db);
    runStored = createLocalRunner(
      { filePath: message.filePath },
      {
        store,
        backend: message.backend,
        threads: message.threads,
        force: message.force,
        leaseSeconds: message.leaseSeconds,
        onEvent: (event) => send({ type: 'event', event }),
        shouldStop: () => stopRequested,
      },
    );
    return;
  }
  const { run, runId, position, toRun, trial } = message;
  work = work.then(async () => {
    try {
      const tally = await runStored!(run, runId, position, toRun, trial);
      send({ type: 'tally', runId, tally });
    } catch (error) {
      if (!isLabError(error)) throw error;
      send({ type: 'input-error', message: error.message, location: error.location, field: error.field, hint: error.hint });
    }
  });
  work.catch((error: unknown) => {
    // A bug outside a run (the store, the IPC): report it with its stack and end; the sweep names the run.
    process.stderr.write(`internal error in worker process ${process.pid}:\n${error instanceof Error ? error.stack : String(error)}\n`);
    store?.close();
    process.exit(70);
  });
});
