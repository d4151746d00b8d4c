// A `lab worker` asked to stop (SIGTERM, as a service manager sends it) exits within a bounded
// time whatever the state of its queue, Redis down included; the job it had in hand is recorded
// or handed back to the queue, never lost. Private loopback redis-servers, tiny seeded sweeps.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFolder, writeExperiment } from './helpers.ts';
import { expectRecordedOnce, startLab, tinySweep, trainingsPerJob, workerOfJobs, workerPid, type LabProcess } from './queue-helpers.ts';
import { haveRedis, startRedis, type RedisServer } from './redis-server.ts';

/** STOP_GRACE_SECONDS of packages/queue/src/worker.ts (the worker prints it; the tests check that they agree). */
const GRACE_SECONDS = 15;
/**
 * Added to the grace for the exit deadline. The deadline is a liveness bound that catches a hang
 * (the bug: a stopped worker waiting for Redis for ever), not a speed threshold: the measured
 * exits are well inside it.
 */
const SLACK_SECONDS = 10;

const started: LabProcess[] = [];
const servers: { server: RedisServer; dir: string }[] = [];
const folders: string[] = [];
/** Worker processes a `--concurrency` supervisor started, to end if the test fails before they exit. */
const grandchildren: number[] = [];
afterEach(async () => {
  for (const process of started.splice(0)) process.kill();
  for (const pid of grandchildren.splice(0)) if (isLabWorker(pid)) process.kill(pid, 'SIGKILL');
  for (const { server, dir } of servers.splice(0)) {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** Whether `pid` is still a running `lab worker` (not a process that reused the number). */
function isLabWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('worker');
  } catch {
    return false;
  }
}

async function redis(options: { appendOnly?: boolean } = {}): Promise<RedisServer> {
  const server = await startRedis(options);
  // Its data folder, to remove afterwards (startRedis makes one per server).
  const dir = spawnSync('redis-cli', ['-h', server.host, '-p', String(server.port), 'config', 'get', 'dir'], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')[1];
  servers.push({ server, dir });
  return server;
}

function folder(): string {
  const path = tempFolder();
  folders.push(path);
  return path;
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

/**
 * The exit status of `process` and the milliseconds from `since` to its exit (its output closed,
 * so a supervisor's children have exited too); fails, rather than hanging the suite, when it has
 * not exited `seconds` after `since`.
 */
async function exitWithin(process: LabProcess, since: number, seconds: number): Promise<{ code: number | null; ms: number }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not exit within ${seconds} s of the stop:\n${process.stderr()}`)),
      since + seconds * 1000 - Date.now(),
    );
  });
  try {
    const code = await Promise.race([process.exited, deadline]);
    return { code, ms: Date.now() - since };
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Long enough (about 6 s here) to be mid-run when the stop and Redis's shutdown come.
const STEPS = 10_000;

describe.skipIf(!haveRedis)('lab worker stopping while Redis is unreachable', { timeout: 300_000 }, () => {
  it('idle, Redis down, SIGTERM: a worker and a --concurrency 2 supervisor (with its workers) exit 0 within the bound', async () => {
    const server = await redis();
    const single = worker(server.url);
    const supervisor = worker(server.url, ['--concurrency', '2']);
    await single.waitFor(/waiting for jobs/);
    await supervisor.waitFor(/waiting for jobs/, 2);
    const children = [...supervisor.stderr().matchAll(/worker (\d+) waiting for jobs/g)].map((match) => Number(match[1]));
    grandchildren.push(...children);
    await server.stop();
    await single.waitFor(/queue problem \(retrying\): .*ECONNREFUSED/); // it knows Redis is gone

    const since = Date.now();
    single.child.kill('SIGTERM');
    supervisor.child.kill('SIGTERM');
    const bound = GRACE_SECONDS + SLACK_SECONDS;
    const [alone, supervised] = await Promise.all([exitWithin(single, since, bound), exitWithin(supervisor, since, bound)]);
    console.info(`idle, Redis down: worker exited in ${alone.ms} ms, supervisor and its two workers in ${supervised.ms} ms`);
    expect(alone.code, single.stderr()).toBe(0);
    expect(supervised.code, supervisor.stderr()).toBe(0);
    expect(children.filter(isLabWorker)).toEqual([]);
    // Nothing was in hand: no job to leave behind, each worker says it stopped.
    expect(single.stderr()).toMatch(/ stopped\n/);
    expect(supervisor.stderr().match(/ stopped\n/g)).toHaveLength(2);
    expect(single.stderr() + supervisor.stderr()).not.toMatch(/leaving job/);
  });

  it('a job in hand, SIGTERM and Redis shut down mid-run: training ends, the grace passes, exit 2; once Redis is back another worker trains the job, recorded once', async () => {
    const server = await redis({ appendOnly: true });
    const dir = folder();
    const file = writeExperiment(dir, 'sweep.yaml', tinySweep('stop-redis-down', { seeds: 1, steps: STEPS }));
    const db = join(dir, 'queue.sqlite');
    const first = worker(server.url, ['--lock-seconds', '4']);
    await first.waitFor(/waiting for jobs/);
    const sweep = coordinator(file, db, server.url);
    await first.waitFor(/ training /);
    const job = [...trainingsPerJob(first).keys()][0];
    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    await server.stop();

    // The job in hand is finished although Redis is gone; then Redis gets the grace, in vain.
    await first.waitFor(new RegExp(`completed .*\\(job ${job}\\)`));
    const trainedAt = Date.now();
    const { code, ms } = await exitWithin(first, trainedAt, GRACE_SECONDS + SLACK_SECONDS);
    console.info(`job in hand, Redis down: exited ${Date.now() - stoppedAt} ms after SIGTERM, ${ms} ms after its training ended`);
    expect(code, first.stderr()).toBe(2);
    expect(ms, 'it gave Redis the grace before leaving the job').toBeGreaterThan(GRACE_SECONDS * 1000 - 1000);
    const log = first.stderr();
    expect(log.indexOf(`finishing job ${job}, then stopping (Redis gets ${GRACE_SECONDS} s`)).toBeGreaterThan(-1);
    expect(log.indexOf(`finishing job ${job}`)).toBeLessThan(log.search(new RegExp(`completed .*\\(job ${job}\\)`))); // stopped mid-run
    expect(log).toContain(`Redis unreachable; leaving job ${job} to be handed back when its lock expires, exiting`);

    // Redis back from its append-only file: the job, still active, goes to a new worker when its lock expires.
    await server.start();
    const second = worker(server.url, ['--lock-seconds', '2']);
    expect(await sweep.exited, sweep.stderr()).toBe(0);
    expect(sweep.stderr()).toMatch(/stop-redis-down: 2 completed, 0 nan, 0 failed/);
    expectRecordedOnce(db, 'stop-redis-down', 2, STEPS);
    expect(trainingsPerJob(first)).toEqual(new Map([[job, 1]]));
    expect(trainingsPerJob(second).get(job)).toBe(1);
    expect(workerOfJobs(db, 'stop-redis-down').get(job)).toMatch(new RegExp(`:${workerPid(second)}$`));
  });

  it('a job in hand, SIGTERM and Redis down until 3 s after the run ends: the worker hands the result over within the grace and exits 0', async () => {
    const server = await redis({ appendOnly: true });
    const dir = folder();
    const file = writeExperiment(dir, 'sweep.yaml', tinySweep('stop-redis-back', { seeds: 1, steps: STEPS }));
    const db = join(dir, 'queue.sqlite');
    // A lock that outlives the outage, so that the result is still this worker's to hand over.
    const first = worker(server.url, ['--lock-seconds', '120']);
    await first.waitFor(/waiting for jobs/);
    const sweep = coordinator(file, db, server.url);
    await first.waitFor(/ training /);
    const job = [...trainingsPerJob(first).keys()][0];
    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    await server.stop();
    await first.waitFor(new RegExp(`completed .*\\(job ${job}\\)`));
    const trainedAt = Date.now();
    await sleep(3000);
    await server.start();
    const { code, ms } = await exitWithin(first, trainedAt, GRACE_SECONDS + SLACK_SECONDS);
    console.info(`job in hand, Redis back after 3 s: exited ${Date.now() - stoppedAt} ms after SIGTERM, ${ms} ms after its training ended`);
    expect(code, first.stderr()).toBe(0);
    expect(ms, 'it waited for Redis to come back and take the result').toBeGreaterThan(3000);
    expect(first.stderr()).toMatch(/ stopped\n/);
    expect(first.stderr()).not.toMatch(/leaving job/);

    // The other job of the sweep, still waiting, for a second worker; the first job is not trained again.
    const second = worker(server.url, ['--lock-seconds', '2']);
    expect(await sweep.exited, sweep.stderr()).toBe(0);
    expect(sweep.stderr()).toMatch(/stop-redis-back: 2 completed, 0 nan, 0 failed/);
    expectRecordedOnce(db, 'stop-redis-back', 2, STEPS);
    expect(trainingsPerJob(first)).toEqual(new Map([[job, 1]]));
    expect(trainingsPerJob(second).has(job)).toBe(false);
    expect(workerOfJobs(db, 'stop-redis-back').get(job)).toMatch(new RegExp(`:${workerPid(first)}$`));
  });
});
