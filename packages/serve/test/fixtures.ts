import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '@siamese-lab/core';
import { openRunStore, type RunStore } from '@siamese-lab/store';

export const tempDatabase = () => join(mkdtempSync(join(tmpdir(), 'lab-serve-')), 'runs.sqlite');

export const metricNamesWritten = ['nn_accuracy', 'map_at_r', 'anisotropy', 'final_loss'];

/** A finished run's outcome with `points` test points (MNIST test images 0..points-1) in `dim` dimensions. */
export function syntheticOutcome(seed: number, options: { points?: number; dim?: number; steps?: number } = {}) {
  const random = createRandom(seed);
  const points = options.points ?? 120;
  const dim = options.dim ?? 2;
  const labels = Uint8Array.from({ length: points }, (_, i) => i % 10);
  const values = new Float32Array(points * dim);
  for (let i = 0; i < points; i++) {
    for (let d = 0; d < dim; d++) values[i * dim + d] = (d === 0 ? labels[i] : d === 1 ? labels[i] % 3 : 0) + 0.3 * (random.next() - 0.5);
  }
  return {
    status: 'completed' as const,
    wallSeconds: 1.5,
    stepsDone: options.steps ?? 50,
    nanSteps: 0,
    firstNanStep: null,
    metrics: {
      nn_accuracy: 0.5 + 0.4 * random.next(),
      map_at_r: 0.3 * random.next(),
      anisotropy: 1 + random.next(),
      final_loss: random.next(),
    },
    embedding: { dim, points: values, labels, domains: null, classShapes: null },
  };
}

export function stepRows(from: number, to: number, every = 10) {
  const rows = [];
  for (let step = from; step <= to; step += every)
    rows.push({ step, loss: 1 / step, positiveDistance: 0.5, negativeDistance: 2, learningRate: 0.01, nan: false });
  return rows;
}

/**
 * A database with `runs` runs of experiment `sweep` through the store's public write API: the
 * first `finished` completed (curves, metrics, embedding), the next one running, the rest queued.
 */
export function seedDatabase(path: string, runs: number, options: { finished?: number; dim?: number; experiment?: string } = {}): RunStore {
  const store = openRunStore(path);
  if (runs === 0 && options.experiment === undefined) return store;
  const experiment = store.upsertExperiment({
    name: options.experiment ?? 'sweep',
    description: 'a <b>synthetic</b> sweep',
    filePath: null,
    spec: { base: { data: { dataset: 'mnist' } } },
    sweepKeys: ['optimizer.name', 'seed'],
  });
  const finished = options.finished ?? runs - 1;
  for (let index = 0; index < runs; index++) {
    const params = {
      seed: index % 3,
      'optimizer.name': index % 2 ? 'adam' : 'sgd',
      'data.dataset': 'mnist',
      'model.embedding_dim': options.dim ?? 2,
    };
    const run = store.planRun(experiment.id, {
      runIndex: index,
      configHash: `hash-${index}`,
      label: `optimizer.name=${params['optimizer.name']}, seed=${params.seed}`,
      params,
    });
    if (index > finished) continue;
    store.claimRun(run.id, { backend: 'cpu', provenance: { node: 'v20' }, leaseSeconds: 600 });
    store.appendStepMetrics(run.id, stepRows(10, 50));
    if (index < finished) store.finishRun(run.id, syntheticOutcome(index + 1, { dim: options.dim }), params);
  }
  return store;
}
