import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Numerics } from '@siamese-lab/backend';
import type { ObservedRun } from '../src/index.ts';

/** A numerics record as describeNumerics() gives it on the blas backend; fields can be overridden. */
export function numericsOf(overrides: { kernel?: string; threads?: number; backend?: string; provider?: string } = {}): Numerics {
  return {
    backend: overrides.backend ?? 'blas',
    gemm: { provider: overrides.provider ?? 'openblas', version: 'OpenBLAS 0.3.21', kernel: overrides.kernel ?? 'Haswell' },
    threads: { openblas: overrides.threads ?? 2, omp: null },
    cpu: { model: 'Test CPU', flags: ['avx', 'avx2', 'fma'] },
    env: { OPENBLAS_CORETYPE: null },
  };
}

export function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), 'lab-regression-'));
}

/** A finished run as the store would give it, with metrics that can be overridden. */
export function observedRun(overrides: Partial<ObservedRun> & { metrics?: Record<string, number | null> } = {}): ObservedRun {
  return {
    configHash: 'aaaa000011112222',
    label: 'optimizer.name=sgd, seed=1',
    status: 'completed',
    backend: 'blas',
    stepsDone: 100,
    params: { seed: 1, 'optimizer.name': 'sgd', 'loss.margin': 5, backend: 'auto' },
    numerics: numericsOf(),
    optimizer: { class: 'SGD', learningRate: 0.01 },
    ...overrides,
    metrics: {
      nn_accuracy: 0.8,
      final_loss: 2,
      anisotropy: 1.5,
      first_nan_step: null,
      nan_steps: 0,
      steps_per_second: 40,
      ...overrides.metrics,
    },
  };
}
