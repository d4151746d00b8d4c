import { describe, expect, it } from 'vitest';
import { openRunStore, type RunStore } from '@siamese-lab/store';
import { suggestRandom, trialObservations, suggestParameters, type FinishedTrial, type Parameters } from '@siamese-lab/search';
import { parseExperimentFile, runExperiment } from '../src/index.ts';
import { replaySearchLog } from '../src/search/run-search.ts';
import { tinyExperiment } from './helpers.ts';

/** A small search over the tiny MLP: 6 trials of 24 steps, judged at 6 and 12 (η = 2), random sampling. */
function searchYaml(sampler = '{ kind: random }', extra = ''): string {
  return `name: tiny-search
base:
  backend: cpu
  data: { train_limit: 600, validation_size: 400 }
  model: { tower_a: { hidden: [16] } }
  sampler: { batch_size: 32 }
  training: { log_every: 6 }
  evaluation: { test_limit: 200, verification_pairs: 100, validation_limit: 200, store_checkpoint: false }
search:
  seed: 5
  space:
    loss.margin: { kind: uniform, low: 0.5, high: 5 }
    optimizer.learning_rate: { kind: log_uniform, low: 1.0e-4, high: 0.3 }
    optimizer.name: { kind: choice, values: [sgd, adam] }
  sampler: ${sampler}
  objective: { metric: validation_map_at_r, direction: maximize }
  budget: { trials: 6 }
  asha: { min_steps: 6, max_steps: 24, reduction_factor: 2 }
${extra}`;
}

function trialsOf(store: RunStore, experiment = 'tiny-search') {
  return store
    .listRuns({ experiment })
    .sort((a, b) => a.runIndex - b.runIndex)
    .map((run) => ({ run, metrics: store.getFinalMetrics(run.id), values: store.getStepValues(run.id) }));
}

describe('a search run by the runner', () => {
  it('runs its trials as runs: sampled params, completed or pruned at a rung, rung history, the log replays', async () => {
    const { file, db } = tinyExperiment(searchYaml());
    const experiment = parseExperimentFile(file);
    const store = openRunStore(db);
    const outcome = await runExperiment(experiment, { store });
    expect(outcome.completed + outcome.pruned).toBe(6);
    const trials = trialsOf(store);
    expect(trials.map((t) => t.run.label)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `trial ${i}`));
    // Random search: trial i's parameters are suggestRandom(space, seed, i), set into base.
    trials.forEach(({ run }, i) => {
      const drawn = suggestRandom(experiment.search!.settings.space, 5, i);
      expect(run.params['loss.margin']).toBe(drawn['loss.margin']);
      expect(run.params['optimizer.learning_rate']).toBe(drawn['optimizer.learning_rate']);
      expect(run.params['optimizer.name']).toBe(drawn['optimizer.name']);
      expect(run.params['training.steps']).toBe(24);
    });
    const events = store.listSearchEvents(outcome.experimentId);
    for (const { run, metrics, values } of trials) {
      // The first trial reaches every rung first: it always goes on.
      const rungs = values.filter((v) => v.name === 'rung_objective').map((v) => v.step);
      const decisions = events.filter((e) => e.kind === 'rung' && e.trial === run.runIndex).map((e) => e.decision);
      if (run.status === 'pruned') {
        expect(decisions.at(-1)).toBe('prune');
        expect(run.stepsDone).toBe(metrics.pruned_at_step);
        expect(rungs.at(-1)).toBe(metrics.pruned_at_step);
        expect(metrics.map_at_r).toBeUndefined(); // never scored on the test set
      } else {
        expect(run.status).toBe('completed');
        expect(rungs).toEqual([6, 12]);
        expect(decisions).toEqual(['continue', 'continue']);
        expect(run.stepsDone).toBe(24);
        expect(metrics.validation_map_at_r).toBeGreaterThan(0);
      }
    }
    expect(trials[0].run.status).toBe('completed');
    expect(trials.map((t) => t.run.status)).toContain('pruned');
    // The rung value is the validation metric as the end-of-run evaluation computes it.
    const first = trials[0].values.filter((v) => v.step === 6);
    expect(first.find((v) => v.name === 'rung_objective')?.value).toBe(first.find((v) => v.name === 'validation_map_at_r')?.value);
    expect(replaySearchLog(store, experiment)).toMatchObject({ trials: 6 });
    // Run again: nothing to do.
    const again = await runExperiment(experiment, { store });
    expect(again).toMatchObject({ completed: 0, pruned: 0, skipped: 6 });
    store.close();
  }, 300_000);

  it('TPE: each trial is suggested from the trials finished before it, as the log records', async () => {
    const { file, db } = tinyExperiment(searchYaml('{ kind: tpe, startup_trials: 3 }'));
    const experiment = parseExperimentFile(file);
    const store = openRunStore(db);
    await runExperiment(experiment, { store });
    const trials = trialsOf(store);
    const events = store.listSearchEvents(trials[0].run.experimentId).filter((e) => e.kind === 'suggest');
    expect(events.map((e) => (e.data as { observed: number[] }).observed)).toEqual([
      [],
      [0],
      [0, 1],
      [0, 1, 2],
      [0, 1, 2, 3],
      [0, 1, 2, 3, 4],
    ]);
    // Recompute trial 5 from the store alone.
    const finished: FinishedTrial[] = trials.slice(0, 5).map(({ run, metrics }) => {
      const params: Parameters = {
        'loss.margin': run.params['loss.margin'] as number,
        'optimizer.learning_rate': run.params['optimizer.learning_rate'] as number,
        'optimizer.name': run.params['optimizer.name'] as string,
      };
      return run.status === 'pruned'
        ? { trial: run.runIndex, params, status: 'pruned', value: metrics.rung_objective ?? NaN, steps: metrics.pruned_at_step! }
        : { trial: run.runIndex, params, status: 'completed', value: metrics.validation_map_at_r ?? NaN, steps: 24 };
    });
    const fifth = suggestParameters(experiment.search!.settings, 5, trialObservations(finished));
    expect(trials[5].run.params['optimizer.learning_rate']).toBe(fifth['optimizer.learning_rate']);
    expect(replaySearchLog(store, experiment).trials).toBe(6);
    store.close();
  }, 300_000);
});
