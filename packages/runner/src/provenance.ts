import { execFileSync } from 'node:child_process';
import { cpus, hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describeNumerics, tf, type Numerics } from '@siamese-lab/backend';
import type { DataFingerprint } from '@siamese-lab/data';
import type { OptimizerAsBuilt } from '@siamese-lab/run-record';

export interface Provenance {
  gitCommit: string | null;
  gitDirty: boolean | null;
  node: string;
  tfjs: string;
  backend: string;
  /** What decides the rounding: backend, GEMM provider and kernel, threads, CPU flags (describeNumerics()). */
  numerics: Numerics;
  /** The optimizer as tfjs built it (class and getConfig()), where the caller adds it (optimizerAsBuilt). */
  optimizer?: OptimizerAsBuilt;
  /** A content hash of the files the run's data came from (and, for image folders, of the decoded pixels) and its class names, where the caller adds it (dataProvenance). */
  data?: DataFingerprint & { classNames: string[] };
  cpu: string;
  hostname: string;
  commandLine: string[];
  packages: Record<string, string>;
  recordedAt: string;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

let cached: Omit<Provenance, 'backend' | 'numerics' | 'recordedAt'> | undefined;

/** Where a result came from: code version, runtime, numerics of the active backend, machine and the command that made it. */
export function collectProvenance(backendDescription: string, backendName?: string): Provenance {
  if (!cached) {
    const commit = git(['rev-parse', 'HEAD']);
    const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
    const require = createRequire(import.meta.url);
    const packages: Record<string, string> = {};
    for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'better-sqlite3', 'yaml', 'zod']) {
      try {
        packages[name] = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
      } catch {
        // Not resolvable from here (e.g. a transitive dependency): leave it out rather than guess.
      }
    }
    cached = {
      gitCommit: commit,
      gitDirty: status === null ? null : status.length > 0,
      node: process.version,
      tfjs: tf.version_core,
      cpu: cpus()[0]?.model ?? 'unknown',
      hostname: hostname(),
      commandLine: process.argv.slice(1),
      packages,
    };
  }
  return { ...cached, backend: backendDescription, numerics: describeNumerics(backendName), recordedAt: new Date().toISOString() };
}
