import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './bench-section.ts';

const labMain = fileURLToPath(new URL('../../cli/src/bin.ts', import.meta.url));
const SWEEP_RUNS = 8;

/** The 8-run sweep every variant trains: a 784-128-128-2 MLP, 8 seeds, a short run each. */
const sweepFile = (steps: number) => `name: bench-sweep
base:
  backend: blas
  data: { train_limit: 5000, validation_size: 1000 }
  model: { tower_a: { hidden: [128, 128] } }
  training: { steps: ${steps}, log_every: 50 }
  evaluation: { test_limit: 1000, verification_pairs: 500, store_checkpoint: false }
sweep:
  seeds: ${SWEEP_RUNS}
`;

function startLab(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...process.execArgv, labMain, ...args], {
    env: { ...process.env, INIT_CWD: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  return { child, output: () => output, exited: new Promise((resolve) => child.on('close', resolve)) };
}

/** Wall seconds of one `lab run` of the sweep into a fresh database. */
async function timeSweep(file: string, db: string, extra: string[]): Promise<number> {
  const started = performance.now();
  const run = startLab(['run', file, '--db', db, '--no-report', ...extra]);
  const code = await run.exited;
  if (code !== 0)
    throw new Error(`lab run ${extra.join(' ')} failed (exit ${code}): ${run.output().trim().split('\n').slice(-3).join(' | ')}`);
  return (performance.now() - started) / 1000;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The sweep through a loopback Redis and two `lab worker` processes (started, and ready, before the clock starts). */
async function timeQueueSweep(file: string, db: string, folder: string, threads: number): Promise<number> {
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', folder, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const workers: ReturnType<typeof startLab>[] = [];
  try {
    while (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG')
      await new Promise((resolve) => setTimeout(resolve, 100));
    for (let index = 0; index < 2; index++) workers.push(startLab(['worker', '--queue', url, '--threads', String(threads)]));
    while (!workers.every((worker) => /waiting for jobs/.test(worker.output()))) await new Promise((resolve) => setTimeout(resolve, 100));
    return await timeSweep(file, db, ['--queue', url]);
  } finally {
    for (const worker of workers) worker.child.kill('SIGKILL');
    redis.kill('SIGTERM');
  }
}

/**
 * `pnpm bench --only sweep`: the wall time of one 8-run sweep of a small network trained three
 * ways on this machine: one run at a time (all cores' BLAS threads), `--jobs 2` (half each), and
 * two queue workers on a loopback Redis (half each). Each includes process start-up, data
 * loading and evaluation, as a user sees it.
 */
export const sweepSection: BenchSection = {
  name: 'sweep',
  async run(options) {
    const steps = options.sweepSteps ?? 300;
    const folder = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
    const file = join(folder, 'sweep.yaml');
    writeFileSync(file, sweepFile(steps));
    const half = Math.max(1, Math.floor(availableParallelism() / 2));
    try {
      const wall: Record<string, number | null> = {};
      options.log(`sweep: ${SWEEP_RUNS} runs of ${steps} steps, --jobs 1`);
      wall.jobs_1 = await timeSweep(file, join(folder, 'jobs1.sqlite'), ['--jobs', '1']);
      options.log('sweep: --jobs 2');
      wall.jobs_2 = await timeSweep(file, join(folder, 'jobs2.sqlite'), ['--jobs', '2']);
      const haveRedis = spawnSync('redis-server', ['--version']).status === 0;
      if (haveRedis) {
        options.log('sweep: 2 queue workers on a loopback Redis');
        wall.queue_2_workers = await timeQueueSweep(file, join(folder, 'queue.sqlite'), folder, half);
      } else {
        options.log('sweep: redis-server not installed, the queue variant is skipped');
        wall.queue_2_workers = null;
      }
      const perHour = (seconds: number | null) => (seconds === null ? null : (SWEEP_RUNS / seconds) * 3600);
      const speedup = (seconds: number | null) => (seconds === null ? null : wall.jobs_1! / seconds);
      const rows = Object.entries(wall).map(([variant, seconds]) => ({
        variant,
        seconds,
        runs_per_hour: perHour(seconds),
        speedup_vs_jobs_1: speedup(seconds),
      }));
      const lines = [
        `sweep: ${SWEEP_RUNS} runs of a 784-128-128-2 MLP, ${steps} steps each (blas), wall time including start-up and evaluation`,
        `${'variant'.padEnd(18)}${'wall s'.padStart(9)}${'runs/h'.padStart(9)}${'speed-up'.padStart(10)}`,
        ...rows.map((row) =>
          row.seconds === null
            ? `${row.variant.padEnd(18)}  skipped (no redis-server)`
            : `${row.variant.padEnd(18)}${row.seconds.toFixed(1).padStart(9)}${row.runs_per_hour!.toFixed(0).padStart(9)}${row.speedup_vs_jobs_1!.toFixed(2).padStart(10)}`,
        ),
      ];
      return { lines, json: { sweep: { runs: SWEEP_RUNS, steps, cores: availableParallelism(), variants: rows } } };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
};
