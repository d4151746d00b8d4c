import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLabError } from '@siamese-lab/core';
import { createBaseline, defaultBands, defaultBaselinePath, readBaseline, serializeBaseline, writeBaseline } from '../src/index.ts';
import { numericsOf, observedRun, tempFolder } from './helpers.ts';

const twoRuns = [
  observedRun(),
  observedRun({
    configHash: 'bbbb000011112222',
    label: 'optimizer.name=adam, seed=1',
    params: { seed: 1, 'optimizer.name': 'adam', 'loss.margin': 5, backend: 'auto' },
    metrics: { nn_accuracy: 0.9 },
  }),
];

describe('createBaseline', () => {
  it('records each run with its swept parameters, optimizer and seed and its numerics, leaves timing out, and carries the measured bands', () => {
    const baseline = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: twoRuns });
    expect(baseline.runs.map((run) => [run.config_hash, run.parameters, run.backend, run.status, run.steps_done])).toEqual([
      ['aaaa000011112222', { 'optimizer.name': 'sgd', seed: 1 }, 'blas', 'completed', 100],
      ['bbbb000011112222', { 'optimizer.name': 'adam', seed: 1 }, 'blas', 'completed', 100],
    ]);
    expect(baseline.runs[1].metrics).toEqual({ nn_accuracy: 0.9, final_loss: 2, anisotropy: 1.5, first_nan_step: null, nan_steps: 0 });
    expect(baseline.bands).toEqual(defaultBands);
    // Both runs share one numerics record, named by backend, provider, kernel and threads.
    expect(baseline.runs.map((run) => run.numerics)).toEqual(['blas-openblas-Haswell-2t', 'blas-openblas-Haswell-2t']);
    expect(baseline.numerics).toEqual({ 'blas-openblas-Haswell-2t': numericsOf() });
  });

  it('names each distinct numerics, and records none for runs from before numerics were tracked', () => {
    const runs = [
      observedRun({ numerics: numericsOf({ kernel: 'Prescott' }) }),
      observedRun({ configHash: 'b1', numerics: numericsOf({ kernel: 'Prescott', threads: 1 }) }),
      observedRun({ configHash: 'b2', numerics: { ...numericsOf({ kernel: 'Prescott' }), cpu: { model: 'Other CPU', flags: [] } } }),
      observedRun({ configHash: 'b3', numerics: null }),
    ];
    const baseline = createBaseline({ experiment: 'sweep', sweepKeys: [], runs });
    expect(baseline.runs.map((run) => run.numerics)).toEqual([
      'blas-openblas-Prescott-2t',
      'blas-openblas-Prescott-1t',
      'blas-openblas-Prescott-2t-2',
      null,
    ]);
  });

  it('keeps the reviewed tolerances of the file it re-records', () => {
    const previous = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: twoRuns });
    previous.bands.same_backend.sgd.nn_accuracy = { absolute: 0.123 };
    previous.seed_level.z = 2.5;
    previous.runs[0].tolerances = { anisotropy: { relative: 0.5 } };
    const again = createBaseline({ experiment: 'sweep', sweepKeys: ['optimizer.name'], runs: twoRuns, previous });
    expect(again.bands.same_backend.sgd.nn_accuracy).toEqual({ absolute: 0.123 });
    expect(again.seed_level.z).toBe(2.5);
    expect(defaultBands.same_backend.sgd.nn_accuracy).not.toEqual({ absolute: 0.123 });
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
    const parsed = JSON.parse(a) as { runs: Array<{ metrics: Record<string, number> }>; bands: { same_backend: Record<string, unknown> } };
    expect(Object.keys(parsed)).toEqual(['format', 'experiment', 'note', 'numerics', 'bands', 'seed_level', 'runs']);
    expect(Object.keys(parsed.runs[0])).toEqual([
      'config_hash',
      'label',
      'status',
      'backend',
      'numerics',
      'steps_done',
      'optimizer',
      'parameters',
      'metrics',
    ]);
    expect(Object.keys(parsed.runs[0].metrics)).toEqual([...Object.keys(parsed.runs[0].metrics)].sort());
    expect(Object.keys(parsed.bands.same_backend)).toEqual(['adam', 'sgd']);
    expect(a).toMatch(/"nn_accuracy": \{ "absolute": [\d.]+ \}/);
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
  type LooseFile = {
    format: unknown;
    bands: Record<string, Record<string, Record<string, unknown>>>;
    numerics: Record<string, unknown>;
    seed_level: Record<string, unknown>;
    runs: Array<{ config_hash: unknown; numerics?: unknown; metrics: Record<string, unknown> }>;
  };
  const broken: Array<[string, (file: LooseFile) => unknown, RegExp, string | undefined]> = [
    [
      'a negative tolerance',
      (file) => {
        file.bands.same_backend.sgd.nn_accuracy = { absolute: -1 };
        return file;
      },
      /tolerance absolute must be a number >= 0/,
      'bands.same_backend.sgd.nn_accuracy',
    ],
    [
      'an unknown tolerance key',
      (file) => {
        file.bands.same_backend.sgd.nn_accuracy = { abs: 0.1 };
        return file;
      },
      /unknown tolerance key `abs`/,
      'bands.same_backend.sgd.nn_accuracy',
    ],
    [
      'a missing band class',
      (file) => {
        delete file.bands.different_backend;
        return file;
      },
      /bands\.different_backend must be an object/,
      'bands.different_backend',
    ],
    [
      'a run naming unknown numerics',
      (file) => {
        file.runs[0].numerics = 'elsewhere';
        return file;
      },
      /"elsewhere" is not a name in the file's numerics/,
      'runs[0].numerics',
    ],
    [
      'a broken numerics record',
      (file) => {
        file.numerics['blas-openblas-Haswell-2t'] = { backend: 'blas' };
        return file;
      },
      /not a numerics record/,
      'numerics.blas-openblas-Haswell-2t',
    ],
    [
      'a seed level without z',
      (file) => {
        delete file.seed_level.z;
        return file;
      },
      /seed_level\.z must be a number > 0/,
      'seed_level.z',
    ],
    [
      'a text metric',
      (file) => {
        file.runs[1].metrics.nn_accuracy = '0.9';
        return file;
      },
      /finite number or null/,
      'runs[1].metrics.nn_accuracy',
    ],
    [
      'a repeated run',
      (file) => {
        file.runs[1].config_hash = file.runs[0].config_hash;
        return file;
      },
      /appears twice/,
      'runs[1].config_hash',
    ],
    [
      'another format',
      (file) => {
        file.format = 3;
        return file;
      },
      /unsupported baseline format 3/,
      'format',
    ],
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

  it('reads a format 1 file (no numerics) with the default bands and unknown numerics', () => {
    const path = join(tempFolder(), 'old.json');
    const old = {
      format: 1,
      experiment: 'sweep',
      note: '',
      tolerances: { nn_accuracy: { absolute: 0.5 } },
      cross_backend_tolerances: {},
      runs: [
        {
          config_hash: 'a1',
          label: 'x',
          status: 'completed',
          backend: 'blas',
          steps_done: 3,
          parameters: { seed: 1 },
          metrics: { nn_accuracy: 0.5 },
        },
      ],
    };
    writeFileSync(path, JSON.stringify(old));
    const read = readBaseline(path);
    expect(read.format).toBe(2);
    expect(read.bands).toEqual(defaultBands);
    expect(read.numerics).toEqual({});
    expect(read.runs[0]).toMatchObject({ config_hash: 'a1', numerics: null, metrics: { nn_accuracy: 0.5 } });
  });

  it('says how to record a baseline when the file is missing, and names bad JSON', () => {
    const folder = tempFolder();
    expect(() => readBaseline(join(folder, 'none.json'))).toThrow(/no baseline file/);
    writeFileSync(join(folder, 'bad.json'), '{ "format": 1, ');
    expect(() => readBaseline(join(folder, 'bad.json'))).toThrow(/not valid JSON/);
  });
});
