import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeIdx } from '@siamese-lab/data';
import { loadRunData, parseExperimentFile, preflightExperiment } from '../src/index.ts';

/** A tiny IDX dataset (8x8 images) in `folder`. */
function writeIdxFolder(folder: string, trainCount: number): void {
  mkdirSync(folder, { recursive: true });
  const images = (count: number) =>
    encodeIdx({ dataType: 'uint8', dims: [count, 8, 8], data: Uint8Array.from({ length: count * 64 }, (_, i) => (i * 37) % 256) });
  const labels = (count: number) =>
    encodeIdx({ dataType: 'uint8', dims: [count], data: Uint8Array.from({ length: count }, (_, i) => i % 10) });
  writeFileSync(join(folder, 'train-images-idx3-ubyte'), images(trainCount));
  writeFileSync(join(folder, 'train-labels-idx1-ubyte'), labels(trainCount));
  writeFileSync(join(folder, 't10k-images-idx3-ubyte'), images(20));
  writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), labels(20));
}

const base = (directory: string) => `
  backend: cpu
  data: { dataset: idx, directory: ${directory}, validation_size: 4 }
  sampler: { batch_size: 8 }
`;

describe('relative data folders', () => {
  // The tests run with the package folder as working directory, never the experiment's folder.
  const root = mkdtempSync(join(tmpdir(), 'lab-data-folder-'));

  it('resolve against the experiment file’s folder, not the working directory', () => {
    const folder = join(root, 'own');
    writeIdxFolder(join(folder, 'digits'), 40);
    const file = join(folder, 'experiment.yaml');
    writeFileSync(file, `name: idx-relative\nbase:${base('./digits')}`);
    const experiment = parseExperimentFile(file);
    expect(experiment.runs[0].spec.data.directory).toBe('./digits');
    expect(experiment.runs[0].dataFolder).toBe(folder);
    expect(() => preflightExperiment(experiment)).not.toThrow();
    const run = experiment.runs[0];
    expect(loadRunData(run.spec.data, { relativeTo: run.dataFolder }).train.count).toBe(36);
  });

  it('resolve against the folder of the file that sets them: a parent’s base, or the sweep', () => {
    writeIdxFolder(join(root, 'parent', 'digits'), 30);
    writeIdxFolder(join(root, 'child', 'other'), 50);
    writeFileSync(join(root, 'parent', 'parent.yaml'), `name: parent\nbase:${base('digits')}`);
    mkdirSync(join(root, 'child'), { recursive: true });
    const inherited = join(root, 'child', 'inherits.yaml');
    writeFileSync(inherited, 'name: inherits\nextends: ../parent/parent.yaml\nbase:\n  seed: 2\n');
    const [run] = parseExperimentFile(inherited).runs;
    expect(run.dataFolder).toBe(join(root, 'parent'));
    expect(loadRunData(run.spec.data, { relativeTo: run.dataFolder }).train.count).toBe(26);

    const swept = join(root, 'child', 'sweeps.yaml');
    writeFileSync(swept, 'name: sweeps\nextends: ../parent/parent.yaml\nsweep:\n  grid: { data.directory: [other] }\n');
    const [sweptRun] = parseExperimentFile(swept).runs;
    expect(sweptRun.dataFolder).toBe(join(root, 'child'));
    expect(loadRunData(sweptRun.spec.data, { relativeTo: sweptRun.dataFolder }).train.count).toBe(46);
  });
});
