// One result per configuration, however the sweep is scheduled: one process with every thread,
// two processes with one thread each, or queue workers started with other thread counts. The
// config hash does not include the thread count, so a resumed sweep may mix these: they must agree
// bit for bit (the GEMM's output blocks are fixed by the shape, see packages/backend/native/gemm.cc).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lab, tempFolder, writeExperiment } from './helpers.ts';
import { expectRecordedOnce, startLab, type LabProcess } from './queue-helpers.ts';
import { haveRedis, startRedis, type RedisServer } from './redis-server.ts';

// The seed's network and batch (256 stacked rows through 784-1024-1024-2), whose products the
// libraries split across threads (oneDNN splits the hidden layer's input gradient differently on 1
// and 2 threads), for a few steps.
const sweep = `name: scheduling
base:
  backend: blas
  data: { train_limit: 600, validation_size: 100 }
  sampler: { batch_size: 128 }
  training: { steps: 30, log_every: 10 }
  evaluation: { test_limit: 200, verification_pairs: 50, store_checkpoint: true }
sweep:
  grid:
    optimizer.name: [sgd, adam]
  seeds: 2
`;

/** Metrics as they are; embeddings and weights (millions of numbers) as hashes, so that a failure prints a short diff. */
function fingerprint(runs: ReturnType<typeof expectRecordedOnce>) {
  const hash = (values: number[]) => createHash('sha256').update(Float64Array.from(values)).digest('hex').slice(0, 16);
  return Object.fromEntries(
    Object.entries(runs).map(([configHash, run]) => [
      configHash,
      { metrics: run.metrics, points: hash(run.points), weights: run.weights.map(hash) },
    ]),
  );
}

const started: LabProcess[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  for (const process of started.splice(0)) process.kill();
  for (const server of servers.splice(0)) await server.stop();
});

// Several `lab` processes training real (small) sweeps: minutes on a loaded machine.
describe('one result however a sweep is scheduled', { timeout: 600_000 }, () => {
  const folder = tempFolder();
  const file = writeExperiment(folder, 'scheduling.yaml', sweep);

  const runLocally = (name: string, args: string[]) => {
    const db = join(folder, `${name}.sqlite`);
    const result = lab(['run', file, '--db', db, '--no-report', ...args]);
    expect(result.status, result.stderr).toBe(0);
    return fingerprint(expectRecordedOnce(db, 'scheduling', 4, 30));
  };

  it('--jobs 1 with two threads and --jobs 2 with one thread each: every metric, embedding and weight identical', () => {
    const together = runLocally('jobs-1', ['--jobs', '1', '--threads', '2']);
    expect(runLocally('jobs-2', ['--jobs', '2', '--threads', '1'])).toEqual(together);
  });

  it.skipIf(!haveRedis)('two queue workers with 1 and 3 threads: the same results as --jobs 1', async () => {
    const server = await startRedis();
    servers.push(server);
    for (const threads of ['1', '3']) started.push(startLab(['worker', '--queue', server.url, '--threads', threads]));
    const db = join(folder, 'queue.sqlite');
    const coordinator = startLab(['run', file, '--db', db, '--queue', server.url, '--no-report']);
    started.push(coordinator);
    expect(await coordinator.exited, coordinator.stderr()).toBe(0);
    const distributed = fingerprint(expectRecordedOnce(db, 'scheduling', 4, 30));
    expect(distributed).toEqual(runLocally('jobs-1-again', ['--jobs', '1', '--threads', '2']));
  });
});
