import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const main = resolve(import.meta.dirname, '../src/bin.ts');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `lab` CLI as a user would, in a fresh process. */
export function lab(args: string[], options: { cwd?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: '' },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function labInBackground(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    env: { ...process.env, INIT_CWD: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), 'lab-cli-'));
}

export function writeExperiment(folder: string, name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

/** A real but small sweep: MNIST, a narrow MLP, few steps. */
export const tinyBase = `
  backend: cpu
  data: { train_limit: 1000 }
  model: { tower_a: { hidden: [32] } }
  sampler: { batch_size: 32 }
  training: { steps: 40, log_every: 10 }
  evaluation: { test_limit: 300, verification_pairs: 200, store_checkpoint: false }
`;
