import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLabError } from '@siamese-lab/core';
import { createBaseline, defaultBaselinePath, defaultTolerances, readBaseline, serializeBaseline, writeBaseline } from '../src/index.ts';
import { observedRun, tempFolder } from './helpers.ts';

const twoRuns = [
  observedRun(),
  observedRun({ configHash: 'bbbb000011112222', label: 'optimizer.name=adam, seed=1', params: { seed: 1, 'optimizer.name': 'adam', 'loss.margin': 5, backend: 'auto' }, metrics: { nn_accuracy: 0.9 } }),
];

describe('createBaseline', () => {
  it('records each run with its swept parameters and seed, leaves timing out, and gives every metric a default tolerance', () => {
    const baseline = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: twoRuns });
    expect(baseline.runs.map((run) => [run.config_hash, run.parameters, run.backend, run.status, run.steps_done])).toEqual([
      ['aaaa000011112222', { 'optimizer.name': 'sgd', seed: 1 }, 'blas', 'completed', 100],
      ['bbbb000011112222', { 'optimizer.name': 'adam', seed: 1 }, 'blas', 'completed', 100],
    ]);
    expect(baseline.runs[1].metrics).toEqual({ nn_accuracy: 0.9, final_loss: 2, anisotropy: 1.5, first_nan_step: null, nan_steps: 0 });
    expect(Object.keys(baseline.tolerances).sort()).toEqual(['anisotropy', 'final_loss', 'first_nan_step', 'nan_steps', 'nn_accuracy']);
    expect(baseline.tolerances.nn_accuracy).toEqual(defaultTolerances.nn_accuracy);
    expect(baseline.cross_backend_tolerances.nn_accuracy.absolute).toBeGreaterThan(defaultTolerances.nn_accuracy.absolute!);
  });

  it('keeps the reviewed tolerances of the file it re-records', () => {
    const previous = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: twoRuns });
    previous.tolerances.nn_accuracy = { absolute: 0.123 };
    previous.runs[0].tolerances = { anisotropy: { relative: 0.5 } };
    const again = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: twoRuns, previous });
    expect(again.tolerances.nn_accuracy).toEqual({ absolute: 0.123 });
    expect(again.runs[0].tolerances).toEqual({ anisotropy: { relative: 0.5 } });
    expect(again.runs[1].tolerances).toBeUndefined();
  });
});

describe('baseline files', () => {
  it('serializes deterministically whatever the key order of the input', () => {
    const shuffled = twoRuns.map((run) => ({ ...run, metrics: Object.fromEntries(Object.entries(run.metrics).reverse()) }));
    const a = serializeBaseline(createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: twoRuns }));
    const b = serializeBaseline(createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: shuffled }));
    expect(a).toBe(b);
    expect(a.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(a) as { runs: Array<{ metrics: Record<string, number> }> };
    expect(Object.keys(parsed)).toEqual(['format', 'experiment', 'note', 'tolerances', 'cross_backend_tolerances', 'runs']);
    expect(Object.keys(parsed.runs[0].metrics)).toEqual([...Object.keys(parsed.runs[0].metrics)].sort());
    expect(a).toContain('"nn_accuracy": { "absolute": 0.02 }');
  });

  it('writes atomically (no temporary file left) and reads back what it wrote', () => {
    const folder = tempFolder();
    const path = join(folder, 'baselines', 'sweep.json');
    const baseline = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: twoRuns });
    writeBaseline(path, baseline);
    expect(readdirSync(join(folder, 'baselines'))).toEqual(['sweep.json']);
    expect(readBaseline(path)).toEqual(baseline);
    expect(serializeBaseline(readBaseline(path))).toBe(readFileSync(path, 'utf8'));
  });

  it('puts the baseline beside the experiment file, else in experiments/baselines', () => {
    expect(defaultBaselinePath('sweep', 'experiments/sweep.yaml')).toBe(join('experiments', 'baselines', 'sweep.json'));
    expect(defaultBaselinePath('sweep')).toBe(join('experiments', 'baselines', 'sweep.json'));
  });

  /** A baseline file as JSON, loose enough to be corrupted in every way a hand edit could. */
  type LooseFile = { format: unknown; tolerances: Record<string, unknown>; runs: Array<{ config_hash: unknown; metrics: Record<string, unknown> }> };
  const broken: Array<[string, (file: LooseFile) => unknown, RegExp, string | undefined]> = [
    ['a negative tolerance', (file) => { file.tolerances.nn_accuracy = { absolute: -1 }; return file; }, /tolerance absolute must be a number >= 0/, 'tolerances.nn_accuracy'],
    ['an unknown tolerance key', (file) => { file.tolerances.nn_accuracy = { abs: 0.1 }; return file; }, /unknown tolerance key `abs`/, 'tolerances.nn_accuracy'],
    ['a text metric', (file) => { file.runs[1].metrics.nn_accuracy = '0.9'; return file; }, /finite number or null/, 'runs[1].metrics.nn_accuracy'],
    ['a repeated run', (file) => { file.runs[1].config_hash = file.runs[0].config_hash; return file; }, /appears twice/, 'runs[1].config_hash'],
    ['another format', (file) => { file.format = 2; return file; }, /unsupported baseline format 2/, 'format'],
  ];
  for (const [what, corrupt, message, field] of broken) {
    it(`refuses ${what} with a LabError naming the file and field`, () => {
      const path = join(tempFolder(), 'sweep.json');
      const file = JSON.parse(serializeBaseline(createBaseline({ experiment: 'sweep', sweepKeys: [], runs: twoRuns }))) as LooseFile;
      writeFileSync(path, JSON.stringify(corrupt(file)));
      const error = (() => {
        try {
          readBaseline(path);
        } catch (caught) {
          return caught;
        }
      })();
      expect(isLabError(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
      expect(error).toMatchObject({ location: path, field });
    });
  }

  it('says how to record a baseline when the file is missing, and names bad JSON', () => {
    const folder = tempFolder();
    expect(() => readBaseline(join(folder, 'none.json'))).toThrow(/no baseline file/);
    writeFileSync(join(folder, 'bad.json'), '{ "format": 1, ');
    expect(() => readBaseline(join(folder, 'bad.json'))).toThrow(/not valid JSON/);
  });
});
