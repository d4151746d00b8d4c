// Own data through the `lab` command: a sweep over an image folder decodes it once. The file's
// check decodes it before any run; each `--jobs` worker process then reads the decode cache.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { mnistDigits, writeDigitFolder } from '../../data/test/fixtures.ts';
import { lab, tempFolder, writeExperiment } from './helpers.ts';

const folder = tempFolder();
const previousCache = process.env.SIAMESE_LAB_CACHE;
beforeAll(async () => {
  process.env.SIAMESE_LAB_CACHE = join(folder, 'cache');
  await writeDigitFolder(join(folder, 'digits'), mnistDigits('train', 200));
});
afterAll(() => {
  if (previousCache === undefined) delete process.env.SIAMESE_LAB_CACHE;
  else process.env.SIAMESE_LAB_CACHE = previousCache;
  rmSync(folder, { recursive: true, force: true });
});

describe('lab run on an image folder', () => {
  it('decodes the folder once for a --jobs 2 sweep: both runs read the decode cache', () => {
    const file = writeExperiment(
      folder,
      'own.yaml',
      `name: own-cli
base:
  backend: cpu
  data: { dataset: image_folder, directory: digits, validation_size: 0, split: { test_fraction: 0.25 } }
  model: { tower_a: { hidden: [16] } }
  sampler: { batch_size: 16 }
  training: { steps: 10, log_every: 5 }
  evaluation: { test_limit: 50, verification_pairs: 40 }
sweep:
  seeds: 2
`,
    );
    const db = join(folder, 'runs.sqlite');
    const result = lab(['run', file, '--db', db, '--jobs', '2', '--no-report']);
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(join(folder, 'cache', 'decoded'))).toHaveLength(1);
    const store = openRunStore(db, { readonly: true });
    try {
      const runs = store.listRuns({ experiment: 'own-cli' });
      expect(runs.map((run) => run.status)).toEqual(['completed', 'completed']);
      const data = runs.map((run) => (run.provenance as { data: { cache: string; sha256: string; files: number } }).data);
      expect(data.map((entry) => entry.cache)).toEqual(['hit', 'hit']);
      expect(data[0]).toMatchObject({ sha256: data[1].sha256, files: 200 });
    } finally {
      store.close();
    }
  });
});
