import { describe, expect, it } from 'vitest';
import {
  ashaObservations,
  ashaRungs,
  ashaStepsSpent,
  ashaTrials,
  createAsha,
  promotionFor,
  recordJob,
  recordReport,
  replayAsha,
  type AshaDecision,
  type AshaState,
  suggestParameters,
  type Parameters,
} from '../src/index.ts';
import { optimizerSpace, searchOver } from './helpers.ts';

const settings = { min_steps: 1, max_steps: 9, reduction_factor: 3 };
/** The toy objective (a loss): trial t's value after s steps is base[t] + 1/s, so rankings hold at every rung. */
const base = [5, 3, 8, 1, 9, 2, 7, 4, 0.5];
const valueAt = (trial: number, steps: number) => base[trial] + 1 / steps;

/** One worker (--jobs 1): ask, train, report, until the rule says done. Returns the decisions in order. */
function oneWorker(state: AshaState): { state: AshaState; decisions: string[] } {
  const decisions: string[] = [];
  for (let decision = promotionFor(state); decision.kind !== 'done'; decision = promotionFor(state)) {
    if (decision.kind === 'wait') throw new Error('one worker never waits');
    decisions.push(`${decision.kind} ${decision.trial} -> rung ${decision.rung}`);
    state = recordReport(recordJob(state, decision), decision.trial, valueAt(decision.trial, decision.steps));
  }
  return { state, decisions };
}

describe('ASHA', () => {
  it('puts its rungs at min_steps · η^k, with max_steps as the top rung', () => {
    expect(ashaRungs(settings)).toEqual([1, 3, 9]);
    expect(ashaRungs({ min_steps: 100, max_steps: 2700, reduction_factor: 3 })).toEqual([100, 300, 900, 2700]);
    expect(ashaRungs({ min_steps: 1, max_steps: 20, reduction_factor: 3 })).toEqual([1, 3, 20]);
    expect(ashaRungs({ min_steps: 10, max_steps: 40, reduction_factor: 4 })).toEqual([10, 40]);
  });

  it('promotes and prunes on a toy objective exactly as the rule says (η = 3, min 1, max 9, 9 trials, one worker)', () => {
    // Rungs 1, 3, 9 steps. Values at rung 0 (1 step) are base + 1: trial 0: 6, 1: 4, 2: 9, 3: 2, 4: 10,
    // 5: 3, 6: 8, 7: 5, 8: 1.5. A rung of n reports may promote its best ⌊n/3⌋ not yet promoted;
    // the rule looks at rung 1 (→ 2) before rung 0 (→ 1), and starts a trial only if neither has one.
    //  1-3. start 0, 1, 2: rung 0 has 0, 1, 2 reports: ⌊n/3⌋ = 0, nothing to promote.
    //  4. rung 0 = {6, 4, 9}: top 1 = trial 1 (4): promote 1 to rung 1 (value 3 + 1/3).
    //  5. rung 1 = {1}: ⌊1/3⌋ = 0; rung 0's top 1 is trial 1, already promoted: start 3 (2).
    //  6. rung 0 = {6, 4, 9, 2}: top ⌊4/3⌋ = 1 = trial 3: promote 3 to rung 1 (1 + 1/3).
    //  7-8. rung 1 = {1, 3}: 0; rung 0's top 1 (trial 3) is promoted: start 4 (10), then start 5 (3).
    //  9. rung 0 = {6, 4, 9, 2, 10, 3}: top 2 = trials 3, 5; 5 is not promoted: promote 5 to rung 1.
    // 10. rung 1 = {3.33, 1.33, 2.33}: top 1 = trial 3: promote 3 to rung 2 (9 steps; completed).
    // 11-13. rung 1's top 1 and rung 0's top 2 (3, 5) are promoted: start 6 (8), 7 (5), 8 (1.5).
    // 14. rung 1's top 1 is still trial 3; rung 0 has 9 reports, top 3 = trials 8 (1.5), 3, 5:
    //     promote 8 to rung 1 (0.5 + 1/3 = 0.83).
    // 15. rung 1 = {1: 3.33, 3: 1.33, 5: 2.33, 8: 0.83}: top ⌊4/3⌋ = 1 = trial 8: promote 8 to rung 2.
    // 16. nothing to promote, 9 trials started (the budget): done.
    // Trial 1 was promoted on the strength of the first three trials only, though it is not among
    // the final top three of rung 0 (8, 3, 5): ASHA's asynchronous promotions, as the paper says.
    const { state, decisions } = oneWorker(createAsha(settings, 'minimize', { trials: 9 }));
    expect(decisions).toEqual([
      'start 0 -> rung 0',
      'start 1 -> rung 0',
      'start 2 -> rung 0',
      'promote 1 -> rung 1',
      'start 3 -> rung 0',
      'promote 3 -> rung 1',
      'start 4 -> rung 0',
      'start 5 -> rung 0',
      'promote 5 -> rung 1',
      'promote 3 -> rung 2',
      'start 6 -> rung 0',
      'start 7 -> rung 0',
      'start 8 -> rung 0',
      'promote 8 -> rung 1',
      'promote 8 -> rung 2',
    ]);
    const standing = Object.fromEntries(ashaTrials(state).map((t) => [t.trial, `${t.status} at ${t.steps}`]));
    expect(standing).toEqual({
      0: 'pruned at 1',
      1: 'pruned at 3',
      2: 'pruned at 1',
      3: 'completed at 9',
      4: 'pruned at 1',
      5: 'pruned at 3',
      6: 'pruned at 1',
      7: 'pruned at 1',
      8: 'completed at 9',
    });
    // 9 trials × 1 step, 4 promotions to rung 1 × 2 more steps, 2 to rung 2 × 6 more steps.
    expect(ashaStepsSpent(state)).toBe(9 + 4 * 2 + 2 * 6);
    // The same log replays to the same decisions.
    expect(replayAsha(settings, 'minimize', { trials: 9 }, state.log)).toEqual(state);
  });

  it('maximises when told to: the same study on the negated values makes the same decisions', () => {
    let state = createAsha(settings, 'maximize', { trials: 9 });
    const decisions: string[] = [];
    for (let d = promotionFor(state); d.kind === 'start' || d.kind === 'promote'; d = promotionFor(state)) {
      decisions.push(`${d.kind} ${d.trial} -> rung ${d.rung}`);
      state = recordReport(recordJob(state, d), d.trial, -valueAt(d.trial, d.steps));
    }
    expect(decisions).toEqual(oneWorker(createAsha(settings, 'minimize', { trials: 9 })).decisions);
  });

  it('stops at the steps budget, and never promotes a NaN run', () => {
    // 12 steps: starts 0, 1, 2 (3 steps), promotes 1 (2 more: 5), starts 3 (6), promotes 3 (8),
    // starts 4 and 5 (10), promotes 5 (12): nothing else fits.
    const { state, decisions } = oneWorker(createAsha(settings, 'minimize', { steps: 12 }));
    expect(decisions.at(-1)).toBe('promote 5 -> rung 1');
    expect(ashaStepsSpent(state)).toBe(12);
    expect(promotionFor(state)).toEqual({ kind: 'done' });

    let nan = createAsha(settings, 'minimize', { trials: 4 });
    for (let trial = 0; trial < 3; trial++) {
      const start = promotionFor(nan);
      if (start.kind !== 'start') throw new Error(`expected a new trial, got ${start.kind}`);
      nan = recordReport(recordJob(nan, start), trial, NaN);
    }
    expect(promotionFor(nan)).toEqual({ kind: 'start', trial: 3, rung: 0, from_steps: 0, steps: 1 });
  });

  it('with two workers, decides as reports arrive, waits while a report may still promote, and replays from its log', () => {
    // Workers A and B; trial 1's report comes before trial 0's.
    let state = createAsha(settings, 'minimize', { trials: 3 });
    const take = (): AshaDecision => {
      const decision = promotionFor(state);
      if (decision.kind === 'start' || decision.kind === 'promote') state = recordJob(state, decision);
      return decision;
    };
    expect(take()).toMatchObject({ kind: 'start', trial: 0 }); // A
    expect(take()).toMatchObject({ kind: 'start', trial: 1 }); // B
    state = recordReport(state, 1, 4); // B finishes first
    expect(take()).toMatchObject({ kind: 'start', trial: 2 }); // B
    expect(take()).toEqual({ kind: 'wait' }); // a third worker: the trial budget is spent, two trials still run
    state = recordReport(state, 2, 9);
    expect(take()).toEqual({ kind: 'wait' }); // trial 0 still runs
    state = recordReport(state, 0, 6); // rung 0 = {0: 6, 1: 4, 2: 9}: top 1 = trial 1
    expect(take()).toEqual({ kind: 'promote', trial: 1, rung: 1, from_steps: 1, steps: 3 });
    expect(ashaTrials(state).map((t) => t.status)).toEqual(['paused', 'running', 'paused']);
    state = recordReport(state, 1, 3.3);
    expect(take()).toEqual({ kind: 'done' });
    expect(ashaTrials(state).map((t) => t.status)).toEqual(['pruned', 'pruned', 'pruned']);

    const log = JSON.parse(JSON.stringify(state.log)) as AshaState['log'];
    expect(replayAsha(settings, 'minimize', { trials: 3 }, log)).toEqual(state);
    // A log whose recorded decision the rule would not make is refused.
    const edited = log.map((entry) => (entry.kind === 'promote' ? { ...entry, trial: 0 } : entry));
    expect(() => replayAsha(settings, 'minimize', { trials: 3 }, edited)).toThrow(
      'entry 6 of the log is promote trial 0 to rung 1 (1 -> 3 steps), but the rule decides promote trial 1 to rung 1 (1 -> 3 steps) there',
    );
  });

  it('refuses a report for a trial that has no job, and a job that is not the rule’s decision', () => {
    const state = createAsha(settings, 'minimize', { trials: 3 });
    expect(() => recordReport(state, 0, 1)).toThrow('trial 0 has no job waiting for a report');
    expect(() => recordJob(state, { kind: 'start', trial: 1, rung: 0, from_steps: 0, steps: 1 })).toThrow(
      'the job is start trial 1 to rung 0 (0 -> 1 steps), but the rule decides start trial 0 to rung 0 (0 -> 1 steps) here',
    );
  });
});

describe('a study: TPE suggests, ASHA schedules (one worker)', () => {
  /** A whole study on a toy loss; returns every job as "trial: parameters, steps". */
  function runStudy(seed: number): string[] {
    const search = searchOver(optimizerSpace, { seed, budget: { trials: 30 }, asha: { min_steps: 10, max_steps: 90 } });
    let state = createAsha(search.asha!, search.objective.direction, search.budget);
    const params: Parameters[] = [];
    const jobs: string[] = [];
    const loss = (p: Parameters, steps: number) =>
      (p['optimizer.name'] === 'adam' ? 0 : 1) + Math.abs(Math.log10(p['optimizer.learning_rate'] as number) + 2) + 10 / steps;
    for (let d = promotionFor(state); d.kind === 'start' || d.kind === 'promote'; d = promotionFor(state)) {
      if (d.kind === 'start') params[d.trial] = suggestParameters(search, d.trial, ashaObservations(state, params));
      jobs.push(`${d.trial}: ${JSON.stringify(params[d.trial])}, ${d.steps}`);
      state = recordReport(recordJob(state, d), d.trial, loss(params[d.trial], d.steps));
    }
    expect(promotionFor(state)).toEqual({ kind: 'done' });
    return jobs;
  }

  it('gives the same jobs and parameters for the same seed, others for another seed', () => {
    const jobs = runStudy(3);
    expect(jobs.filter((job) => job.endsWith(', 10'))).toHaveLength(30);
    expect(jobs.some((job) => job.endsWith(', 90'))).toBe(true);
    expect(runStudy(3)).toEqual(jobs);
    expect(runStudy(4)).not.toEqual(jobs);
  });
});

describe('a study with several workers is reproduced from its log', () => {
  it('replaying the log gives each new trial the same history, so TPE suggests the same parameters', () => {
    // Three workers; reports come back in an order set by the parameters (a slow configuration
    // reports late), so the interleaving is not the one-worker order.
    const search = searchOver(optimizerSpace, { seed: 11, budget: { trials: 24 }, asha: { min_steps: 10, max_steps: 90 } });
    const loss = (p: Parameters, steps: number) => Math.abs(Math.log10(p['optimizer.learning_rate'] as number) + 2) + 10 / steps;
    let state = createAsha(search.asha!, search.objective.direction, search.budget);
    const params: Parameters[] = [];
    const running: { trial: number; steps: number; finishesAt: number }[] = [];
    let clock = 0;
    for (;;) {
      while (running.length < 3) {
        const d = promotionFor(state);
        if (d.kind !== 'start' && d.kind !== 'promote') break;
        if (d.kind === 'start') params[d.trial] = suggestParameters(search, d.trial, ashaObservations(state, params));
        state = recordJob(state, d);
        const duration = (d.steps - d.from_steps) * (1 + (params[d.trial]['model.embedding_dim'] as number) / 16);
        running.push({ trial: d.trial, steps: d.steps, finishesAt: clock + duration });
      }
      if (running.length === 0) break;
      running.sort((a, b) => a.finishesAt - b.finishesAt || a.trial - b.trial);
      const next = running.shift()!;
      clock = next.finishesAt;
      state = recordReport(state, next.trial, loss(params[next.trial], next.steps));
    }
    expect(promotionFor(state)).toEqual({ kind: 'done' });
    expect(state.log.filter((e) => e.kind === 'promote').length).toBeGreaterThan(0);

    // The rerun: only the log (as JSON) and the file; each start's parameters from the replayed state.
    const log = JSON.parse(JSON.stringify(state.log)) as AshaState['log'];
    const replayed: Parameters[] = [];
    log.forEach((entry, index) => {
      if (entry.kind !== 'start') return;
      const before = replayAsha(search.asha!, search.objective.direction, search.budget, log.slice(0, index));
      replayed[entry.trial] = suggestParameters(search, entry.trial, ashaObservations(before, replayed));
    });
    expect(replayed).toEqual(params);
    expect(replayAsha(search.asha!, search.objective.direction, search.budget, log)).toEqual(state);
  });
});
