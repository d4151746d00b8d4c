import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperimentFile } from '../src/index.ts';
import { parseErrorOf as errorOf } from './helpers.ts';

const folder = mkdtempSync(join(tmpdir(), 'lab-spec-'));
let counter = 0;
function file(text: string, name = `experiment-${++counter}.yaml`): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

describe('parseExperimentFile', () => {
  it('fills every default of the seed into base', () => {
    const spec = parseExperimentFile(file('name: seed\n'));
    expect(spec.runs).toHaveLength(1);
    const run = spec.runs[0].spec;
    expect(run.model.tower_a.hidden).toEqual([1024, 1024]);
    expect(run.model.embedding_dim).toBe(2);
    expect(run.model.share_weights).toBe(true);
    expect(run.loss).toEqual({ kind: 'contrastive', distance: 'euclidean', margin: 5, epsilon: 1e-6, reducer: 'mean' });
    expect(run.sampler).toEqual({ kind: 'epoch', batch_size: 128 });
    expect(run.optimizer).toEqual({ name: 'sgd', learning_rate: 0.01 });
  });

  it('expands grid × seeds in order, with labels, flattened params and distinct hashes', () => {
    const spec = parseExperimentFile(
      file(`name: sweep
base:
  training: { steps: 10 }
sweep:
  grid:
    optimizer.name: [sgd, adam]
    loss.epsilon: [1.0e-6, 0]
  seeds: [1, 2]
`),
    );
    expect(spec.runs).toHaveLength(8);
    expect(spec.sweepKeys).toEqual(['optimizer.name', 'loss.epsilon', 'seed']);
    expect(spec.runs[0].label).toBe('optimizer.name=sgd, loss.epsilon=0.000001, seed=1');
    expect(spec.runs[7].params).toMatchObject({ 'optimizer.name': 'adam', 'loss.epsilon': 0, seed: 2, 'training.steps': 10 });
    expect(new Set(spec.runs.map((run) => run.configHash)).size).toBe(8);
  });

  it('gives the same config hash for the same configuration written differently', () => {
    const a = parseExperimentFile(file('name: a\nbase:\n  loss: { margin: 5, epsilon: 1.0e-6 }\n  seed: 1\n'));
    const b = parseExperimentFile(file('name: b\nbase:\n  seed: 1\n  loss:\n    epsilon: 0.000001\n'));
    expect(a.runs[0].configHash).toBe(b.runs[0].configHash);
  });

  it('expands zip lists together and ranges into values', () => {
    const spec = parseExperimentFile(
      file(`name: zipped
sweep:
  zip:
    optimizer.name: [sgd, adam]
    optimizer.learning_rate: [0.1, 0.001]
  grid:
    loss.margin: { from: 1, to: 2, step: 0.5 }
`),
    );
    expect(spec.runs.map((run) => [run.spec.loss.margin, run.spec.optimizer.name, run.spec.optimizer.learning_rate])).toEqual([
      [1, 'sgd', 0.1],
      [1, 'adam', 0.001],
      [1.5, 'sgd', 0.1],
      [1.5, 'adam', 0.001],
      [2, 'sgd', 0.1],
      [2, 'adam', 0.001],
    ]);
  });

  it('inherits from the file named by extends, the child winning key by key', () => {
    file('name: parent\nbase:\n  loss: { margin: 3 }\n  training: { steps: 50 }\nsweep:\n  seeds: [1, 2]\n', 'parent.yaml');
    const spec = parseExperimentFile(file('name: child\nextends: parent.yaml\nbase:\n  training: { steps: 70 }\n'));
    expect(spec.name).toBe('child');
    expect(spec.runs).toHaveLength(2);
    expect(spec.runs[0].spec.loss.margin).toBe(3);
    expect(spec.runs[0].spec.training.steps).toBe(70);
  });
});

describe('bad experiment files', () => {
  it('names a missing file', () => {
    const error = errorOf(join(folder, 'nope.yaml'));
    expect(error.message).toMatch(/not found/);
    expect(error.location).toContain('nope.yaml');
  });

  it('points at the line of a YAML syntax error', () => {
    const error = errorOf(file('name: broken\nbase:\n  loss: { margin: 5\n  seed: 1\n'));
    expect(error.message).toMatch(/not valid YAML/);
    expect(error.location).toMatch(/:\d+:\d+$/);
  });

  it('rejects an unknown optimizer with the file, line, field and a suggestion', () => {
    const path = file('name: typo\nbase:\n  optimizer:\n    name: adma\n');
    const error = errorOf(path);
    expect(error.location).toBe(`${path}:4:11`);
    expect(error.field).toBe('base.optimizer.name');
    expect(error.message).toMatch(/`adma` is not allowed.*sgd.*adam.*did you mean `adam`/);
  });

  it('rejects a negative margin, naming the field and line', () => {
    const path = file('name: negative\nbase:\n  loss:\n    margin: -1\n');
    const error = errorOf(path);
    expect(error.location).toBe(`${path}:4:13`);
    expect(error.field).toBe('base.loss.margin');
    expect(error.message).toMatch(/margin must be greater than 0/);
  });

  it('rejects an odd batch_size for the balanced sampler at its line (the sampler settings check it)', () => {
    const path = file('name: odd\nbase:\n  sampler:\n    kind: balanced\n    batch_size: 7\n');
    const error = errorOf(path);
    expect(error.location).toBe(`${path}:5:17`);
    expect(error.field).toBe('base.sampler.batch_size');
    expect(error.message).toMatch(/balanced sampler needs an even batch_size/);
  });

  it('rejects an unknown key with a did-you-mean hint pointing at the key', () => {
    const path = file('name: unknown\nbase:\n  loss:\n    margn: 5\n');
    const error = errorOf(path);
    expect(error.location).toBe(`${path}:4:5`);
    expect(error.field).toBe('base.loss.margn');
    expect(error.hint).toMatch(/did you mean `margin`/);
  });

  it('rejects a sweep over a parameter that does not exist', () => {
    const path = file('name: sweep-typo\nsweep:\n  grid:\n    optimiser.name: [sgd]\n');
    const error = errorOf(path);
    expect(error.field).toBe('sweep.grid.optimiser.name');
    expect(error.hint).toMatch(/did you mean `optimizer`/);
    expect(error.location).toBe(`${path}:4:5`);
  });

  it('points at the sweep entry when a swept value is invalid', () => {
    const path = file('name: sweep-bad\nsweep:\n  grid:\n    loss.margin: [5, -2]\n');
    const error = errorOf(path);
    expect(error.field).toBe('sweep.grid.loss.margin');
    expect(error.message).toMatch(/margin must be greater than 0 \(in the sweep value -2\)/);
    expect(error.location).toBe(`${path}:4:18`);
  });

  it('rejects zip lists of different lengths', () => {
    const error = errorOf(file('name: zip\nsweep:\n  zip:\n    loss.margin: [1, 2]\n    seed: [1]\n'));
    expect(error.message).toMatch(/same length/);
  });

  it('rejects an empty sweep list', () => {
    expect(errorOf(file('name: empty\nsweep:\n  grid:\n    loss.margin: []\n')).message).toMatch(/at least one value/);
  });

  it('rejects an empty file and a file that is not a mapping', () => {
    expect(errorOf(file('')).message).toMatch(/empty/);
    expect(errorOf(file('- a\n- b\n')).message).toMatch(/mapping/);
  });

  it('rejects a name that could escape the results folder', () => {
    expect(errorOf(file('name: ../../etc\n')).field).toBe('name');
  });

  it('rejects a billion-laughs file instead of expanding it', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      lines.push(`${next}: &${next} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
    }
    lines.push('name: laughs');
    expect(errorOf(file(lines.join('\n'))).message).toMatch(/alias|could not be read/i);
  });

  it('rejects an extends cycle', () => {
    file('name: x\nextends: cycle-b.yaml\n', 'cycle-a.yaml');
    file('name: y\nextends: cycle-a.yaml\n', 'cycle-b.yaml');
    expect(errorOf(join(folder, 'cycle-a.yaml')).message).toMatch(/cycle/);
  });
});
