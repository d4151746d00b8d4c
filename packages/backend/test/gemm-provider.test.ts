// The GEMM provider of the blas backend: which one is chosen, the env switch, and machines
// whose addon lacks one library (simulated by hiding it from the real addon).
import { afterEach, describe, expect, test } from 'vitest';
import { selectBackend, type BlasAddon } from '../src/index.ts';
import { setBlasAddonLoader } from '../src/native-addon.ts';
import { loadRealAddon, trainDenseLayer } from './helpers.ts';

const realAddon = loadRealAddon();
const built = realAddon?.providers() ?? [];

/** The real addon as if it had been built without `missing`. */
function addonWithout(missing: string): BlasAddon {
  return new Proxy(realAddon!, {
    get(target, property: string) {
      if (property === 'providers') return () => target.providers().filter((name) => name !== missing);
      if (property === 'setProvider') return (name: string) => name !== missing && target.setProvider(name);
      const value = (target as unknown as Record<string, unknown>)[property];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A few SGD steps of a dense layer on the active backend: the loss must fall. */
function trainsHere(): void {
  const { first, last } = trainDenseLayer('relu', 30);
  expect(last).toBeLessThan(first);
}

afterEach(() => {
  delete process.env.SIAMESE_LAB_GEMM;
  setBlasAddonLoader();
});

describe.skipIf(!realAddon)('GEMM provider choice', () => {
  test('the documented order: oneDNN first when built with it, and the line says which', async () => {
    const lines: string[] = [];
    const active = await selectBackend('blas', { log: (line) => lines.push(line), blasThreads: 1 });
    expect(active.gemm?.name).toBe(built[0]);
    expect(built[0]).toBe(built.includes('onednn') ? 'onednn' : 'openblas');
    expect(active.gemm?.threads).toBe(1);
    expect(active.gemm?.version).toMatch(/^(oneDNN|OpenBLAS) \d+\.\d+/);
    expect(active.gemm?.kernel).not.toBe('');
    expect(lines.filter((line) => line.startsWith('backend: blas'))).toHaveLength(1);
    expect(lines.join('\n')).toContain(active.gemm!.version);
  });

  for (const provider of built) {
    test(`SIAMESE_LAB_GEMM=${provider} selects it, with no warning`, async () => {
      process.env.SIAMESE_LAB_GEMM = provider;
      const active = await selectBackend('blas');
      expect(active.gemm?.name).toBe(provider);
      expect(active.warnings).toEqual([]);
      trainsHere();
    });
  }

  for (const missing of built) {
    const other = built.find((name) => name !== missing);
    test.skipIf(!other)(`without ${missing} the lab trains on ${other}, and says so in one line when it is the first choice`, async () => {
      setBlasAddonLoader(() => addonWithout(missing));
      const lines: string[] = [];
      const active = await selectBackend('auto', { log: (line) => lines.push(line) });
      expect(active.name).toBe('blas');
      expect(active.gemm?.name).toBe(other);
      if (missing === 'onednn') {
        expect(active.warnings).toHaveLength(1);
        expect(active.warnings[0]).toMatch(/oneDNN .* not in this build; using openblas/);
        expect(active.warnings[0]).not.toContain('\n');
      } else {
        expect(active.warnings).toEqual([]);
      }
      trainsHere();
    });

    test.skipIf(!other)(`SIAMESE_LAB_GEMM=${missing} on a build without it falls back to ${other} in one line`, async () => {
      setBlasAddonLoader(() => addonWithout(missing));
      process.env.SIAMESE_LAB_GEMM = missing;
      const active = await selectBackend('blas');
      expect(active.gemm?.name).toBe(other);
      expect(active.warnings).toHaveLength(1);
      expect(active.warnings[0]).toContain(`SIAMESE_LAB_GEMM=${missing}`);
      expect(active.warnings[0]).toContain(`using ${other}`);
    });
  }

  test('an unknown SIAMESE_LAB_GEMM value is named, and the default is used', async () => {
    process.env.SIAMESE_LAB_GEMM = 'mkl';
    const active = await selectBackend('blas');
    expect(active.gemm?.name).toBe(built[0]);
    expect(active.warnings[0]).toContain('unknown provider');
  });

  test('the GEMM-only bound of a small MLP step runs on the provider in use', () => {
    const bound = realAddon!.gemmBound(16, [20, 12, 2], 3);
    expect(bound.bestMs).toBeGreaterThan(0);
    expect(bound.meanMs).toBeGreaterThanOrEqual(bound.bestMs);
  });
});
