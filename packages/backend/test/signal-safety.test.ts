// oneDNN 2.x's JIT GEMM kernels point the stack pointer into the heap while they run (oneDNN
// issue 4845): a signal handled on a thread inside one corrupts the heap. These tests train in a
// child process while signals arrive, and fail (the child aborts with "corrupted size vs.
// prev_size" or "free(): invalid pointer") when products run with signals deliverable.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadBlasAddon } from '../src/native-addon.ts';

const hasBlas = loadBlasAddon().addon !== undefined;
const child = resolve(import.meta.dirname, 'signal-child.ts');
const profiles = mkdtempSync(join(tmpdir(), 'siamese-signals-'));
afterAll(() => rmSync(profiles, { recursive: true, force: true }));

interface ChildResult {
  status: number | null;
  stderr: string;
  result?: { loss: number; checksum: number; signals: number };
}

function parse(status: number | null, stdout: string, stderr: string): ChildResult {
  const line = stdout.trim().split('\n').pop();
  return { status, stderr, ...(status === 0 && line ? { result: JSON.parse(line) as ChildResult['result'] } : {}) };
}

function train(nodeFlags: string[], steps: number): ChildResult {
  const run = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', child, String(steps)], { encoding: 'utf8', timeout: 120_000 });
  return parse(run.status, run.stdout, run.stderr);
}

describe.skipIf(!hasBlas)('products are safe from signals', () => {
  test('training under a sampling profiler (SIGPROF on the main thread every 50 µs) neither crashes nor changes a bit', () => {
    const quiet = train([], 300);
    const profiled = train(['--cpu-prof', '--cpu-prof-dir', profiles, '--cpu-prof-interval', '50'], 300);
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(profiled.status, profiled.stderr).toBe(0);
    expect(profiled.result).toEqual(quiet.result);
    expect(Number.isFinite(quiet.result!.loss)).toBe(true);
  });

  test('a stream of process-directed signals reaches the JavaScript handler and never a thread inside a product', async () => {
    const steps = 1500;
    const quiet = train([], steps);
    const proc = spawn(process.execPath, ['--import', 'tsx', child, String(steps), 'usr2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sender: NodeJS.Timeout | undefined;
    proc.stdout.on('data', (chunk) => {
      stdout += chunk;
      // Done training: stop before the child tears down its handler on the way out.
      if (stdout.includes('\n')) clearInterval(sender);
    });
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      // The handler is in place: from now on SIGUSR2 no longer ends the child.
      if (sender === undefined && stderr.includes('ready')) sender = setInterval(() => proc.kill('SIGUSR2'), 1);
    });
    const [status, signal] = await new Promise<[number | null, string | null]>((resolveExit) =>
      proc.on('exit', (code, killedBy) => resolveExit([code, killedBy])),
    );
    clearInterval(sender);
    const storm = parse(status, stdout, `${stderr}\n(signal ${signal})`);
    expect(storm.status, storm.stderr).toBe(0);
    expect(storm.result!.signals).toBeGreaterThan(0);
    expect({ ...storm.result, signals: 0 }).toEqual({ ...quiet.result, signals: 0 });
  }, 60_000);
});
