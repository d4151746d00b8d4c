// Workers in their own network namespace, reaching Redis over a veth pair: the queue over a real
// interface, with a password (the address is not loopback). Needs the right to create namespaces
// (root, CAP_NET_ADMIN); skipped with a message where that is not allowed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder, writeExperiment } from './helpers.ts';
import { expectRecordedOnce, startLab, tinySweep, workerOfJobs, type LabProcess } from './queue-helpers.ts';
import { haveRedis, startRedis, type RedisServer } from './redis-server.ts';

const suffix = String(process.pid % 100000);
const namespace = `lab-test-${suffix}`;
const hostSide = `labh${suffix}`;
const namespaceSide = `labn${suffix}`;
// A /30 of 10.231.0.0/16 chosen by pid: only these two addresses, only on this pair.
const subnet = `10.231.${process.pid % 250}`;
const hostAddress = `${subnet}.1`;

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/** Creates the namespace and the veth pair; the reason it cannot, or undefined when it could. */
function createNetwork(): string | undefined {
  if (!haveRedis) return 'redis-server is not installed';
  const probe = ip('netns', 'add', namespace);
  if (probe.status !== 0) return `network namespaces are not permitted here (ip netns add: ${probe.stderr.trim() || probe.error?.message})`;
  const steps = [
    ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', namespaceSide],
    ['link', 'set', namespaceSide, 'netns', namespace],
    ['addr', 'add', `${hostAddress}/30`, 'dev', hostSide],
    ['link', 'set', hostSide, 'up'],
    ['netns', 'exec', namespace, 'ip', 'addr', 'add', `${subnet}.2/30`, 'dev', namespaceSide],
    ['netns', 'exec', namespace, 'ip', 'link', 'set', namespaceSide, 'up'],
    ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up'],
  ];
  for (const step of steps) {
    const result = ip(...step);
    if (result.status !== 0) return `could not set up the veth pair (ip ${step.join(' ')}: ${result.stderr.trim()})`;
  }
  return undefined;
}

let unavailable: string | undefined;
let server: RedisServer | undefined;
const workers: LabProcess[] = [];

beforeAll(() => {
  unavailable = createNetwork();
  if (unavailable) console.warn(`skipping the network-namespace queue test: ${unavailable}`);
});

afterAll(async () => {
  for (const worker of workers) worker.kill();
  await server?.stop();
  // Deleting the namespace deletes its end of the pair, and with it the host's end.
  ip('netns', 'del', namespace);
});

// Several `lab` processes training real (tiny) sweeps: minutes on a loaded machine.
describe('queue workers in their own network namespace', { timeout: 600_000 }, () => {
  it('train a sweep whose jobs and results cross a veth pair to a password-protected Redis', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const password = `pw-${suffix}-${Date.now()}`;
    server = await startRedis({ host: hostAddress, password });
    const url = `redis://:${password}@${hostAddress}:${server.port}`;
    // The namespace reaches only the pair: its workers talk to Redis over a real interface.
    for (let index = 0; index < 2; index++)
      workers.push(startLab(['worker', '--queue', url, '--threads', '1'], { prefix: ['ip', 'netns', 'exec', namespace] }));
    const folder = tempFolder();
    const file = writeExperiment(folder, 'sweep.yaml', tinySweep('queue-netns', { seeds: 2, steps: 30 }));
    const db = join(folder, 'queue.sqlite');
    const sweep = startLab(['run', file, '--db', db, '--queue', url, '--no-report']);
    expect(await sweep.exited, sweep.stderr()).toBe(0);
    expect(sweep.stderr()).toMatch(/queue-netns: 4 completed, 0 nan, 0 failed/);
    expect(sweep.stderr()).not.toContain(password); // printed addresses hide it
    expectRecordedOnce(db, 'queue-netns', 4, 30);
    expect(workerOfJobs(db, 'queue-netns').size).toBe(4);

    // Without the password, Redis (not only lab) turns a worker away.
    const intruder = startLab(['worker', '--queue', `redis://${hostAddress}:${server.port}`, '--insecure'], {
      prefix: ['ip', 'netns', 'exec', namespace],
    });
    workers.push(intruder);
    await intruder.waitFor(/NOAUTH|Authentication required|WRONGPASS/);
  });
});
