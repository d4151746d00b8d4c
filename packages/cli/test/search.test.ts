import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperimentFile } from '@siamese-lab/runner';
import { openRunStore } from '@siamese-lab/store';
import { lab, labInBackground, tempFolder, writeExperiment } from './helpers.ts';

/** A small TPE + ASHA search: 8 trials of 30 steps on the tiny MLP, judged at 10 (η = 3). */
const search = `name: small-search
base:
  backend: cpu
  data: { train_limit: 400, validation_size: 300 }
  model: { tower_a: { hidden: [16] } }
  sampler: { batch_size: 16 }
  training: { log_every: 5 }
  evaluation: { test_limit: 150, verification_pairs: 80, validation_limit: 150, store_checkpoint: false, store_embeddings: false }
search:
  seed: 2
  space:
    loss.margin: { kind: uniform, low: 0.5, high: 5 }
    optimizer.learning_rate: { kind: log_uniform, low: 1.0e-4, high: 0.3 }
    optimizer.name: { kind: choice, values: [sgd, adam] }
  sampler: { kind: tpe, startup_trials: 3 }
  objective: { metric: validation_map_at_r, direction: maximize }
  budget: { trials: 8 }
  asha: { min_steps: 10, max_steps: 30, reduction_factor: 3 }
`;

function withoutSpeed(metrics: Record<string, number | null>): Record<string, number | null | undefined> {
  return { ...metrics, steps_per_second: undefined };
}

/** Every trial of the search: its label, status, sampled values, steps and metrics (what must be the same). */
function trials(db: string) {
  const store = openRunStore(db, { readonly: true });
  try {
    return store
      .listRuns({ experiment: 'small-search' })
      .sort((a, b) => a.runIndex - b.runIndex)
      .map((run) => ({
        label: run.label,
        status: run.status,
        steps: run.stepsDone,
        params: [run.params['loss.margin'], run.params['optimizer.learning_rate'], run.params['optimizer.name']],
        // Everything but the speed, which is the machine's.
        metrics: withoutSpeed(store.getFinalMetrics(run.id)),
        rungs: store.getStepValues(run.id).filter((value) => value.name === 'rung_objective'),
      }));
  } finally {
    store.close();
  }
}

/** Starts the search and SIGKILLs it once `trialsToWait` trials have ended; resolves when it is dead. */
function killAfter(args: string[], trialsToWait: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = labInBackground(args);
    let ended = 0;
    child.stderr!.on('data', (chunk: Buffer) => {
      ended += (chunk.toString().match(/^ {2}-> /gm) ?? []).length;
      // Kill inside the next trial, a few steps in.
      if (ended >= trialsToWait) setTimeout(() => child.kill('SIGKILL'), 150);
    });
    child.stdout!.resume();
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`the search ended (${signal}) before it was killed`)),
    );
  });
}

describe('lab run on a search', () => {
  it('killed mid-way and resumed gives the same trials as a search that was not; lab search best prints a file that runs', async () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'search.yaml', search);
    const whole = join(folder, 'whole.sqlite');
    const first = lab(['run', file, '--db', whole, '--no-report']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/small-search: \d+ completed, \d+ pruned, 0 nan, 0 failed/);
    const expected = trials(whole);
    expect(expected).toHaveLength(8);
    expect(expected.map((t) => t.status)).toContain('pruned');

    const killed = join(folder, 'killed.sqlite');
    await killAfter(['run', file, '--db', killed, '--no-report'], 4);
    expect(trials(killed).filter((t) => t.status === 'completed' || t.status === 'pruned').length).toBeLessThan(8);
    const resumed = lab(['run', file, '--db', killed, '--no-report']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(trials(killed)).toEqual(expected);

    // ls, show and export show the trials with their status and rung history.
    const ls = lab(['ls', 'small-search', '--db', killed]);
    expect(ls.stdout).toMatch(/pruned\s+trial \d/);
    const store = openRunStore(killed, { readonly: true });
    const pruned = store.listRuns({ experiment: 'small-search', status: 'pruned' })[0];
    store.close();
    const show = lab(['show', String(pruned.id), '--db', killed]);
    expect(show.stdout).toMatch(/status\s+pruned/);
    expect(show.stdout).toMatch(/rung history step 10: /);
    const exported = JSON.parse(lab(['export', 'small-search', '--db', killed]).stdout) as Array<{ status: string }>;
    expect(exported.filter((run) => run.status === 'pruned').length).toBe(expected.filter((t) => t.status === 'pruned').length);

    // The best trial as an experiment file: it parses, with the trial's values fixed and five seeds.
    const best = lab(['search', 'best', 'small-search', '--db', killed]);
    expect(best.status, best.stderr).toBe(0);
    const bestFile = writeExperiment(folder, 'best.yaml', best.stdout);
    const rerun = parseExperimentFile(bestFile);
    expect(rerun.name).toBe('small-search-best');
    expect(rerun.runs.map((run) => run.spec.seed)).toEqual([1, 2, 3, 4, 5]);
    const winner = expected
      .filter((t) => t.status === 'completed')
      .sort((a, b) => (b.metrics.validation_map_at_r ?? 0) - (a.metrics.validation_map_at_r ?? 0))[0];
    expect([rerun.runs[0].spec.loss.margin, rerun.runs[0].spec.optimizer.learning_rate, rerun.runs[0].spec.optimizer.name]).toEqual(
      winner.params,
    );
    expect(rerun.runs[0].spec.training.steps).toBe(30);
    expect(best.stderr).toMatch(new RegExp(`best: ${winner.label} `));
  }, 600_000);

  it('with --jobs 2 trains trials in two workers and records every decision (the report has a search section)', () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'search.yaml', search);
    const db = join(folder, 'runs.sqlite');
    const result = lab(['run', file, '--db', db, '--jobs', '2', '--threads', '1']);
    expect(result.status, result.stderr).toBe(0);
    const all = trials(db);
    expect(all.map((t) => t.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `trial ${i}`));
    expect(all.every((t) => t.status === 'completed' || t.status === 'pruned')).toBe(true);
    const store = openRunStore(db, { readonly: true });
    const experiment = store.getExperiment('small-search')!;
    const events = store.listSearchEvents(experiment.id);
    store.close();
    expect(events.filter((e) => e.kind === 'suggest')).toHaveLength(8);
    // Every trial has a rung decision at step 10.
    expect(new Set(events.filter((e) => e.kind === 'rung' && e.step === 10).map((e) => e.trial)).size).toBe(8);
    const html = readdirSync(join(folder, 'small-search')).find((name) => name.endsWith('.html'));
    const text = readFileSync(join(folder, 'small-search', html!), 'utf8');
    expect(text).toContain('id="section-search"');
    expect(text).toMatch(/8 trials \(/);
  }, 600_000);

  const badInputs: Array<[string, string, string, RegExp]> = [
    [
      'an empty range',
      'low: 0.5, high: 5',
      'low: 5, high: 5',
      /search\.yaml:\d+:\d+, field `search.space.loss.margin.high`: the range from 5 to 5 is empty/,
    ],
    [
      'an inverted range',
      'low: 0.5, high: 5',
      'low: 5, high: 0.5',
      /search\.yaml:\d+:\d+, field `search.space.loss.margin.high`: the range from 5 to 0.5 is inverted/,
    ],
    [
      'a log-uniform range touching 0',
      'low: 1.0e-4, high: 0.3',
      'low: 0, high: 0.3',
      /search\.yaml:\d+:\d+, field `search.space.optimizer.learning_rate.low`: a log-uniform range needs low and high greater than 0/,
    ],
    [
      'an objective that is not a recorded metric',
      'metric: validation_map_at_r',
      'metric: validation_accuracy',
      /search\.yaml:\d+:\d+, field `search.objective.metric`: objective.metric validation_accuracy is not a metric the runs record/,
    ],
    [
      'a budget of 0',
      'budget: { trials: 8 }',
      'budget: { trials: 0 }',
      /search\.yaml:\d+:\d+, field `search.budget.trials`: budget.trials must be at least 1/,
    ],
    [
      'a condition that never holds',
      'values: [sgd, adam] }',
      'values: [sgd, adam] }\n    optimizer.momentum: { kind: uniform, low: 0.5, high: 0.9, condition: { parameter: optimizer.name, in: [momentum] } }',
      /search\.yaml:\d+:\d+, field `search.space.optimizer.momentum.condition.in`: `momentum` is never a value of `optimizer.name`/,
    ],
  ];
  for (const [what, from, to, message] of badInputs) {
    it(`refuses ${what}: exit 2, the file and line, nothing written`, () => {
      const folder = tempFolder();
      const file = writeExperiment(folder, 'search.yaml', search.replace(from, to));
      const db = join(folder, 'runs.sqlite');
      const result = lab(['run', file, '--db', db]);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(existsSync(db)).toBe(false);
    });
  }
});
