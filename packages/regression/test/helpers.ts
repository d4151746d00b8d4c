import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObservedRun } from '../src/index.ts';

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
    ...overrides,
    metrics: { nn_accuracy: 0.8, final_loss: 2, anisotropy: 1.5, first_nan_step: null, nan_steps: 0, steps_per_second: 40, ...overrides.metrics },
  };
}
