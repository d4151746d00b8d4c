// Sweeps over a BullMQ queue on a private loopback redis-server: the normal case and the faults
// (a worker killed mid-run, the coordinator killed, Redis restarted). Workers and coordinator are
// separate `lab` processes, as on separate machines.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { connectRedis, jobIdOf, parseQueueAddress, QUEUE_NAME } from '@siamese-lab/queue';
import { openRunStore } from '@siamese-lab/store';
import { lab, tempFolder, writeExperiment } from './helpers.ts';
import { expectRecordedOnce, startLab, tinySweep, trainingsPerJob, workerOfJobs, workerPid, type LabProcess } from './queue-helpers.ts';
import { haveRedis, startRedis, type RedisServer } from './redis-server.ts';

const started: LabProcess[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  for (const process of started.splice(0)) process.kill();
  for (const server of servers.splice(0)) await server.stop();
});

async function redis(options: Parameters<typeof startRedis>[0] = {}): Promise<RedisServer> {
  const server = await startRedis(options);
  servers.push(server);
  return server;
}

function worker(url: string, extra: string[] = []): LabProcess {
  const process = startLab(['worker', '--queue', url, '--threads', '1', ...extra]);
  started.push(process);
  return process;
}

function coordinator(file: string, db: string, url: string): LabProcess {
  const process = startLab(['run', file, '--db', db, '--queue', url, '--no-report']);
  started.push(process);
  return process;
}

/** Jobs of the queue in each state (after a coordinator collects a job it removes it). */
async function queueCounts(url: string): Promise<Record<string, number>> {
  const connection = connectRedis(parseQueueAddress(url));
  const queue = new Queue(QUEUE_NAME, { connection });
  try {
    return await queue.getJobCounts('wait', 'active', 'completed', 'failed', 'delayed');
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Polls `condition` until it holds; fails with `what` after `seconds` rather than hanging the suite. */
async function until(what: string, condition: () => Promise<boolean>, seconds = 240): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Job ids of the experiment's runs the store has recorded as completed. */
function recordedJobIds(db: string, experiment: string): Set<string> {
  const store = openRunStore(db, { readonly: true });
  try {
    return new Set(
      store
        .listRuns({ experiment })
        .filter((run) => run.status === 'completed')
        .map((run) => jobIdOf(experiment, run.configHash)),
    );
  } finally {
    store.close();
  }
}

// Several `lab` processes training real (tiny) sweeps: minutes on a loaded machine.
describe.skipIf(!haveRedis)('lab run --queue with lab worker processes', { timeout: 600_000 }, () => {
  it('three workers and a coordinator: every run of a 12-run sweep recorded once, with the metrics of a local sweep', async () => {
    const server = await redis();
    const folder = tempFolder();
    const file = writeExperiment(folder, 'sweep.yaml', tinySweep('queue-twelve', { seeds: 6, steps: 30 }));
    const workers = [worker(server.url), worker(server.url), worker(server.url)];
    const db = join(folder, 'queue.sqlite');
    const sweep = coordinator(file, db, server.url);
    // The coordinator's store answers while the sweep is running.
    await sweep.waitFor(/-> completed/);
    const listed = lab(['ls', 'queue-twelve', '--db', db]);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/completed/);
    const report = lab(['report', 'queue-twelve', '--db', db]);
    expect(report.status, report.stderr).toBe(0);
    expect(await sweep.exited, sweep.stderr()).toBe(0);
    expect(sweep.stderr()).toMatch(/queue-twelve: 12 completed, 0 nan, 0 failed, 0 already done/);
    const distributed = expectRecordedOnce(db, 'queue-twelve', 12, 30);
    expect([...trainingsPerJob(...workers).values()]).toEqual(Array(12).fill(1));
    expect(new Set(workerOfJobs(db, 'queue-twelve').values()).size).toBeGreaterThan(1);
    expect(await queueCounts(server.url)).toMatchObject({ wait: 0, active: 0, completed: 0, failed: 0 });

    // The same sweep on this machine, one process, the same backend and threads per run.
    const local = lab(['run', file, '--db', join(folder, 'local.sqlite'), '--threads', '1', '--no-report']);
    expect(local.status, local.stderr).toBe(0);
    expect(distributed).toEqual(expectRecordedOnce(join(folder, 'local.sqlite'), 'queue-twelve', 12, 30));

    // Enqueueing the same sweep again adds nothing: every run is finished.
    const again = coordinator(file, db, server.url);
    expect(await again.exited).toBe(0);
    expect(again.stderr()).toMatch(/0 to run, 12 already finished/);
  });

  it('SIGKILL of a worker in the middle of a run: the job goes to another worker and the run is recorded once', async () => {
    const server = await redis();
    const folder = tempFolder();
    const file = writeExperiment(folder, 'sweep.yaml', tinySweep('queue-kill-worker', { seeds: 2, steps: 2000 }));
    const db = join(folder, 'queue.sqlite');
    const victim = worker(server.url, ['--lock-seconds', '4']);
    await victim.waitFor(/waiting for jobs/);
    const sweep = coordinator(file, db, server.url);
    // Killed as soon as it starts training: a fixed wait let a fast machine finish the whole run first.
    await victim.waitFor(/ training /);
    victim.child.kill('SIGKILL');
    const killedJob = [...trainingsPerJob(victim).keys()][0];
    expect(victim.stderr()).not.toMatch(new RegExp(`completed .*\\(job ${killedJob}\\)`)); // killed mid-run
    const survivor = worker(server.url, ['--lock-seconds', '4']);
    expect(await sweep.exited, sweep.stderr()).toBe(0);
    expect(sweep.stderr()).toMatch(/queue-kill-worker: 4 completed, 0 nan, 0 failed/);
    expectRecordedOnce(db, 'queue-kill-worker', 4, 2000);
    // The killed job was trained again, to the end, by the survivor, whose result is the one recorded.
    expect(trainingsPerJob(survivor).get(killedJob)).toBe(1);
    expect(workerOfJobs(db, 'queue-kill-worker').get(killedJob)).toMatch(new RegExp(`:${workerPid(survivor)}$`));
  });

  it('SIGKILL of the coordinator: workers finish; the next lab run --queue collects without retraining and enqueues only what is missing', async () => {
    const server = await redis();
    const folder = tempFolder();
    const file = writeExperiment(folder, 'sweep.yaml', tinySweep('queue-kill-coordinator', { seeds: 3, steps: 200 }));
    const db = join(folder, 'queue.sqlite');
    const workers = [worker(server.url), worker(server.url)];
    const first = coordinator(file, db, server.url);
    await first.waitFor(/-> completed/);
    first.child.kill('SIGKILL');
    await first.exited;
    // The workers go on with every job of the sweep.
    await until('the workers train all six jobs', async () => {
      const counts = await queueCounts(server.url);
      return trainingsPerJob(...workers).size === 6 && counts.wait + counts.active + counts.delayed === 0;
    });
    expect([...trainingsPerJob(...workers).values()]).toEqual(Array(6).fill(1));
    // The first coordinator collected one run or more (one poll may collect several) before the kill.
    const collected = recordedJobIds(db, 'queue-kill-coordinator');
    expect(collected.size).toBeGreaterThanOrEqual(1);
    expect(collected.size, 'the first coordinator finished the sweep before it was killed').toBeLessThan(6);
    // One finished job the coordinator never collected is lost (removed by hand): the only one to train again.
    const connection = connectRedis(parseQueueAddress(server.url));
    const queue = new Queue(QUEUE_NAME, { connection });
    const lost = (await queue.getRanges(['completed'])).find((jobId) => !collected.has(jobId))!;
    expect(lost).toBeDefined();
    await (await queue.getJob(lost))!.remove();
    await queue.close();
    connection.disconnect();

    const missing = 6 - collected.size;
    const second = coordinator(file, db, server.url);
    expect(await second.exited, second.stderr()).toBe(0);
    expect(second.stderr()).toMatch(new RegExp(`1 job\\(s\\) added, ${missing - 1} already there`));
    expect(second.stderr()).toMatch(
      new RegExp(`queue-kill-coordinator: ${missing} completed, 0 nan, 0 failed, ${collected.size} already done`),
    );
    expectRecordedOnce(db, 'queue-kill-coordinator', 6, 200);
    const after = trainingsPerJob(...workers);
    expect(after.get(lost)).toBe(2);
    expect([...after.entries()].filter(([job]) => job !== lost).every(([, count]) => count === 1)).toBe(true);
  });

  it('stop and restart of redis-server (append-only file) during a sweep: no run lost or duplicated', async () => {
    const server = await redis({ appendOnly: true });
    const folder = tempFolder();
    const file = writeExperiment(folder, 'sweep.yaml', tinySweep('queue-redis-restart', { seeds: 4, steps: 60 }));
    const db = join(folder, 'queue.sqlite');
    const workers = [worker(server.url), worker(server.url)];
    const sweep = coordinator(file, db, server.url);
    await sweep.waitFor(/-> completed/);
    expect(sweep.child.exitCode).toBeNull(); // the sweep is still going when Redis goes away
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await server.start();
    expect(await sweep.exited, sweep.stderr()).toBe(0);
    expect(sweep.stderr()).toMatch(/queue-redis-restart: 8 completed, 0 nan, 0 failed/);
    expectRecordedOnce(db, 'queue-redis-restart', 8, 60);
    // Every job was trained; one interrupted by the restart may have been trained twice, never recorded twice.
    expect(trainingsPerJob(...workers).size).toBe(8);
  });
});
