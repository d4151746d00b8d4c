// Runs in its own worker (vitest isolates files): the addon is "missing" for the whole file.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { availableBackends, selectBackend, tf } from '../src/index.ts';
import { FAST_PATH_HINT } from '../src/select-backend.ts';
import { setBlasAddonLoader } from '../src/native-addon.ts';
import { trainDenseLayer } from './helpers.ts';

beforeAll(() => {
  setBlasAddonLoader(() => {
    throw new Error("Cannot find module '../build/Release/siamese_lab_blas.node'");
  });
  process.env.SIAMESE_LAB_DISABLE_TENSORFLOW = '1';
});
afterAll(() => {
  setBlasAddonLoader();
  delete process.env.SIAMESE_LAB_DISABLE_TENSORFLOW;
});

for (const requested of ['blas', 'auto'] as const) {
  test(`${requested} without the addon falls back to wasm with one warning line, and still trains`, async () => {
    const lines: string[] = [];
    const active = await selectBackend(requested, { log: (line) => lines.push(line) });
    expect(active.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(active.warnings).toHaveLength(1);
    expect(active.warnings[0]).not.toContain('\n');
    expect(active.warnings[0]).toContain('not built');
    expect(active.warnings[0]).toContain(FAST_PATH_HINT);
    expect(lines).toContain(active.warnings[0]);

    const { first, last } = trainDenseLayer('linear', 50);
    expect(last).toBeLessThan(first);
  });
}

test('SIAMESE_LAB_DISABLE_BLAS=1 also falls back, saying why', async () => {
  setBlasAddonLoader();
  process.env.SIAMESE_LAB_DISABLE_BLAS = '1';
  try {
    const active = await selectBackend('blas');
    expect(active.name).toBe('wasm');
    expect(active.warnings).toHaveLength(1);
    expect(active.warnings[0]).toContain('SIAMESE_LAB_DISABLE_BLAS');
    expect(await availableBackends()).toEqual(['wasm', 'cpu']);
  } finally {
    delete process.env.SIAMESE_LAB_DISABLE_BLAS;
  }
});

test('asking for tensorflow when it is absent is a LabError with a hint', async () => {
  const error = await selectBackend('tensorflow').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LabError);
  expect((error as LabError).hint).toContain('blas');
});
