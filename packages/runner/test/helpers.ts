import { LabError } from '@siamese-lab/core';
import { parseExperimentFile } from '../src/index.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder with an experiment file in it; returns the file's path and a database path beside it. */
export function tinyExperiment(yaml: string): { file: string; db: string; folder: string } {
  const folder = mkdtempSync(join(tmpdir(), 'lab-run-'));
  const file = join(folder, 'experiment.yaml');
  writeFileSync(file, yaml);
  return { file, db: join(folder, 'runs.sqlite'), folder };
}

/** A small but real configuration: MNIST images, a narrow MLP, few steps. */
export const tinyBase = `
  backend: cpu
  data: { train_limit: 1000 }
  model: { tower_a: { hidden: [32] } }
  sampler: { batch_size: 32 }
  training: { steps: 30, log_every: 5 }
  evaluation: { test_limit: 300, verification_pairs: 200 }
`;

/** Writes experiment files into one temporary folder, each under a fresh name unless one is given. */
export function experimentFileWriter(prefix: string): (text: string, name?: string) => string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  let counter = 0;
  return (text, name = `experiment-${++counter}.yaml`) => {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  };
}

/** The LabError that parsing an experiment file throws (fails the test if it throws none). */
export function parseErrorOf(path: string): LabError {
  try {
    parseExperimentFile(path);
  } catch (error) {
    if (error instanceof LabError) return error;
    throw error;
  }
  throw new Error('expected a LabError');
}
