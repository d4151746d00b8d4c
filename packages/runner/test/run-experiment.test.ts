import { describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { createPairSampler } from '@siamese-lab/data';
import { loadRunData, parseExperimentFile, runExperiment } from '../src/index.ts';
import { tinyBase, tinyExperiment } from './helpers.ts';

describe('runExperiment end to end', () => {
  it('trains, evaluates and records each run, then skips finished runs on a rerun', async () => {
    const { file, db } = tinyExperiment(`name: tiny-sweep
base:${tinyBase}
sweep:
  grid:
    optimizer.name: [sgd, adam]
`);
    const experiment = parseExperimentFile(file);
    const store = openRunStore(db);
    const first = await runExperiment(experiment, { store });
    expect(first).toMatchObject({ completed: 2, nan: 0, failed: 0, skipped: 0 });

    const runs = store.listRuns({ experiment: 'tiny-sweep' });
    expect(runs.map((run) => [run.status, run.params['optimizer.name'], run.stepsDone])).toEqual([
      ['completed', 'sgd', 30],
      ['completed', 'adam', 30],
    ]);
    for (const run of runs) {
      const metrics = store.getFinalMetrics(run.id);
      expect(metrics.nn_accuracy).toBeGreaterThan(0.1);
      expect(metrics.nn_accuracy).toBeLessThanOrEqual(1);
      expect(metrics.anisotropy).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(metrics.final_loss)).toBe(true);
      expect(store.getStepMetrics(run.id).map((row) => row.step)).toEqual([1, 5, 10, 15, 20, 25, 30]);
      const embedding = store.getEmbedding(run.id)!;
      expect(embedding.count).toBe(300);
      expect(embedding.points.length).toBe(600);
      expect(run.provenance).toMatchObject({ node: process.version });
      expect(run.backend).toBe('cpu');
    }

    const second = await runExperiment(experiment, { store });
    expect(second).toMatchObject({ completed: 0, skipped: 2 });
    expect(store.listRuns({ experiment: 'tiny-sweep' })).toHaveLength(2);
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  });

  it('is deterministic: the same config and seed give bit-identical metrics and weights', async () => {
    const { file, db } = tinyExperiment(`name: tiny-determinism
base:${tinyBase}
  optimizer: { name: adam }
`);
    const experiment = parseExperimentFile(file);
    const store = openRunStore(db);
    await runExperiment(experiment, { store });
    const [run] = store.listRuns();
    const firstMetrics = store.getFinalMetrics(run.id);
    const firstPoints = store.getEmbedding(run.id)!.points;
    const firstWeights = store.getCheckpoint(run.id)!.tensors;
    await runExperiment(experiment, { store, force: true });
    const { steps_per_second: _speed1, ...first } = firstMetrics;
    const { steps_per_second: _speed2, ...second } = store.getFinalMetrics(run.id);
    expect(second).toEqual(first);
    expect(store.getEmbedding(run.id)!.points).toEqual(firstPoints);
    expect(store.getCheckpoint(run.id)!.tensors).toEqual(firstWeights);
    store.close();
  });

  it('stops cleanly when asked, marking the run interrupted, and redoes it on the next run', async () => {
    const { file, db } = tinyExperiment(`name: tiny-interrupt
base:${tinyBase}
`);
    const experiment = parseExperimentFile(file);
    const store = openRunStore(db);
    let steps = 0;
    const outcome = await runExperiment(experiment, {
      store,
      onEvent: (event) => {
        if (event.kind === 'progress') steps = event.progress.step;
      },
      shouldStop: () => ++steps >= 10,
    });
    expect(outcome.interrupted).not.toBeNull();
    const [run] = store.listRuns();
    expect(run.status).toBe('interrupted');
    expect(run.stepsDone).toBeLessThan(30);
    const resumed = await runExperiment(experiment, { store });
    expect(resumed.completed).toBe(1);
    expect(store.getRun(run.id)!.status).toBe('completed');
    store.close();
  });
});

describe('NaN incidence', () => {
  // Eight training images and eight pairs drawn with replacement per step: sooner or later a pair
  // is one image with itself, whose two embeddings are identical, so d = 0 exactly.
  const identicalPairs = (epsilon: string) => `name: nan-eps-${epsilon}
base:
  backend: cpu
  seed: 3
  data: { train_limit: 8 }
  model: { tower_a: { hidden: [16] } }
  sampler: { kind: with_replacement, batch_size: 8 }
  loss: { epsilon: ${epsilon} }
  training: { steps: 20, log_every: 1 }
  evaluation: { test_limit: 100, verification_pairs: 50 }
`;

  /** Replays the run's sampler to find the first step whose batch pairs an image with itself. */
  function firstSelfPairStep(): number {
    const data = loadRunData(parseExperimentFile(tinyExperiment(identicalPairs('0')).file).runs[0].spec.data);
    const sampler = createPairSampler({ kind: 'with_replacement', dataset: data.train, batchSize: 8, seed: 3 });
    for (let step = 1; step <= 20; step++) {
      const batch = sampler.nextBatch();
      if (batch.leftIndices.some((index, pair) => index === batch.rightIndices[pair])) return step;
    }
    throw new Error('no self-pair in 20 steps: pick another seed for this test');
  }

  it('the exact loss (epsilon 0) reaches NaN on an identical pair, and the database says when and why', async () => {
    const { file, db } = tinyExperiment(identicalPairs('0'));
    const store = openRunStore(db);
    const outcome = await runExperiment(parseExperimentFile(file), { store });
    expect(outcome.nan).toBe(1);
    const [run] = store.listRuns();
    expect(run.status).toBe('nan');
    expect(run.firstNanStep).toBe(firstSelfPairStep());
    expect(run.nanSteps).toBe(1);
    const detail = run.nanDetail as {
      reason: string;
      zeroDistancePairs: Array<{ leftIndex: number; rightIndex: number; distance: number }>;
    };
    expect(detail.reason).toMatch(/d = 0/);
    expect(detail.zeroDistancePairs.length).toBeGreaterThan(0);
    expect(detail.zeroDistancePairs.some((pair) => pair.leftIndex === pair.rightIndex && pair.distance === 0)).toBe(true);
    const batch = run.nanDetail as { pairLabels: number[]; pairDistances: number[] };
    expect(batch.pairLabels).toHaveLength(8);
    expect(batch.pairDistances).toHaveLength(8);
    expect(batch.pairDistances).toContain(0);
    expect(
      store
        .getStepMetrics(run.id)
        .filter((row) => row.nan)
        .map((row) => row.step),
    ).toEqual([run.firstNanStep]);
    store.close();
  });

  it('the seed epsilon (1e-6) keeps the same run finite', async () => {
    const { file, db } = tinyExperiment(identicalPairs('1.0e-6'));
    const store = openRunStore(db);
    const outcome = await runExperiment(parseExperimentFile(file), { store });
    expect(outcome.completed).toBe(1);
    const [run] = store.listRuns();
    expect(run.status).toBe('completed');
    expect(run.nanSteps).toBe(0);
    expect(run.firstNanStep).toBeNull();
    store.close();
  });

  it('skip_step keeps training past NaN steps and counts them', async () => {
    const { file, db } = tinyExperiment(identicalPairs('0').replace('log_every: 1 }', 'log_every: 1, on_nan: skip_step }'));
    const store = openRunStore(db);
    await runExperiment(parseExperimentFile(file), { store });
    const [run] = store.listRuns();
    expect(run.stepsDone).toBe(20);
    expect(run.nanSteps).toBeGreaterThanOrEqual(1);
    expect(run.firstNanStep).toBe(firstSelfPairStep());
    expect(Number.isFinite(store.getFinalMetrics(run.id).nn_accuracy)).toBe(true);
    store.close();
  });
});
