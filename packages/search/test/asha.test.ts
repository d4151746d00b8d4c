import { describe, expect, it } from 'vitest';
import {
  ashaRungs,
  checkRungLog,
  decideAtRung,
  judgedRungs,
  nextTrial,
  rungDecision,
  suggestParameters,
  trialObservations,
  type FinishedTrial,
  type Parameters,
  type RungReport,
} from '../src/index.ts';
import { optimizerSpace, searchOver } from './helpers.ts';

const settings = { min_steps: 1, max_steps: 9, reduction_factor: 3 };
/** The toy objective (a loss): trial t's value after s steps is base[t] + 1/s, so rankings hold at every rung. */
const base = [5, 3, 8, 1, 9, 2, 7, 4, 0.5];
const valueAt = (trial: number, steps: number) => base[trial] + 1 / steps;

/** One worker (--jobs 1): each trial in turn trains to 9 steps unless a rung stops it. */
function oneWorker(values: (trial: number, steps: number) => number, direction: 'minimize' | 'maximize') {
  const log: RungReport[] = [];
  const ended: string[] = [];
  for (let trial = 0; trial < base.length; trial++) {
    let end = 'completed at 9';
    for (const [rung, steps] of judgedRungs(settings).entries()) {
      const value = values(trial, steps);
      const decision = decideAtRung(log, rung, value, settings.reduction_factor, direction);
      log.push({ trial, rung, value, decision });
      if (decision === 'prune') {
        end = `pruned at ${steps}`;
        break;
      }
    }
    ended.push(end);
  }
  return { log, ended };
}

describe('ASHA, stopping variant', () => {
  it('puts its rungs at min_steps · η^k, with max_steps as the top rung, and judges below the top', () => {
    expect(ashaRungs(settings)).toEqual([1, 3, 9]);
    expect(judgedRungs(settings)).toEqual([1, 3]);
    expect(ashaRungs({ min_steps: 100, max_steps: 2700, reduction_factor: 3 })).toEqual([100, 300, 900, 2700]);
    expect(ashaRungs({ min_steps: 1, max_steps: 20, reduction_factor: 3 })).toEqual([1, 3, 20]);
    expect(ashaRungs({ min_steps: 10, max_steps: 40, reduction_factor: 4 })).toEqual([10, 40]);
  });

  it('continues iff fewer than ⌈n/η⌉ of the n values at the rung are strictly better', () => {
    expect(rungDecision([], 7, 3, 'minimize')).toBe('continue'); // n = 1: keep 1, none better
    expect(rungDecision([6], 7, 3, 'minimize')).toBe('prune'); // n = 2: keep 1, one better
    expect(rungDecision([6], 7, 3, 'maximize')).toBe('continue');
    expect(rungDecision([6, 8, 9], 7, 3, 'minimize')).toBe('continue'); // n = 4: keep 2, one better
    expect(rungDecision([6, 5, 9], 7, 3, 'minimize')).toBe('prune'); // n = 4: keep 2, two better
    expect(rungDecision([7, 7], 7, 3, 'minimize')).toBe('continue'); // ties are not better
    expect(rungDecision([NaN, NaN], 7, 3, 'minimize')).toBe('continue'); // non-finite is never better
    expect(rungDecision([], NaN, 3, 'minimize')).toBe('prune'); // and never continues
    expect(rungDecision([], Infinity, 3, 'maximize')).toBe('prune');
  });

  it('prunes on a toy objective exactly as the rule says (η = 3, rungs 1, 3, 9; nine trials one after another)', () => {
    // Minimise base[t] + 1/steps. At rung 0 (1 step) the values are base + 1, at rung 1 (3 steps) base + 1/3.
    // A trial continues iff fewer than ⌈n/3⌉ of the n values at the rung so far (its own included) beat it.
    //  t0: rung 0 {6}: n 1, keep 1, 0 better: on.   rung 1 {5.33}: n 1: on.  -> completed
    //  t1: rung 0 4: n 2, keep 1, 0 better (6): on.  rung 1 3.33: n 2, keep 1, 0 better: on.  -> completed
    //  t2: rung 0 9: n 3, keep 1, 2 better (6, 4): pruned at 1
    //  t3: rung 0 2: n 4, keep 2, 0 better: on.      rung 1 1.33: n 3, keep 1, 0 better: on.  -> completed
    //  t4: rung 0 10: n 5, keep 2, 4 better: pruned at 1
    //  t5: rung 0 3: n 6, keep 2, 1 better (2): on.  rung 1 2.33: n 4, keep 2, 1 better (1.33): on. -> completed
    //  t6: rung 0 8: n 7, keep 3, 4 better (6, 4, 2, 3): pruned at 1
    //  t7: rung 0 5: n 8, keep 3, 3 better (4, 2, 3): pruned at 1
    //  t8: rung 0 1.5: n 9, keep 3, 0 better: on.    rung 1 0.83: n 5, keep 2, 0 better: on.  -> completed
    // The first trials at a rung always go on (t0, t1): the stopping variant's price for never pausing.
    const { log, ended } = oneWorker(valueAt, 'minimize');
    expect(ended).toEqual([
      'completed at 9',
      'completed at 9',
      'pruned at 1',
      'completed at 9',
      'pruned at 1',
      'completed at 9',
      'pruned at 1',
      'pruned at 1',
      'completed at 9',
    ]);
    expect(log.map((r) => `${r.trial}@${r.rung}:${r.decision}`)).toEqual([
      '0@0:continue',
      '0@1:continue',
      '1@0:continue',
      '1@1:continue',
      '2@0:prune',
      '3@0:continue',
      '3@1:continue',
      '4@0:prune',
      '5@0:continue',
      '5@1:continue',
      '6@0:prune',
      '7@0:prune',
      '8@0:continue',
      '8@1:continue',
    ]);
    // Steps trained: five trials to 9, four stopped at 1.
    const steps = ended.map((e) => Number(e.split(' at ')[1])).reduce((a, b) => a + b, 0);
    expect(steps).toBe(5 * 9 + 4 * 1);
    // The log replays to the same decisions; an edited one is refused.
    expect(() => checkRungLog(log, 3, 'minimize')).not.toThrow();
    const edited = log.map((r, i) => (i === 4 ? { ...r, decision: 'continue' as const } : r));
    expect(() => checkRungLog(edited, 3, 'minimize')).toThrow(
      'entry 4 of the log (trial 2 at rung 0, value 9) says continue, but the rule decides prune',
    );
  });

  it('maximises when told to: the negated study makes the same decisions', () => {
    const minimised = oneWorker(valueAt, 'minimize');
    const maximised = oneWorker((t, s) => -valueAt(t, s), 'maximize');
    expect(maximised.ended).toEqual(minimised.ended);
    expect(maximised.log.map((r) => r.decision)).toEqual(minimised.log.map((r) => r.decision));
  });

  it('decides as reports arrive: with two workers, the order at a rung sets who is judged against whom', () => {
    // Trial 1 (4) reaches rung 0 before trial 0 (6): now trial 1 goes on first, and trial 0 is
    // judged against it (n 2, keep 1, one better): pruned, where one worker kept it.
    const log: RungReport[] = [];
    for (const [trial, value] of [
      [1, 4],
      [0, 6],
    ] as const)
      log.push({ trial, rung: 0, value, decision: decideAtRung(log, 0, value, 3, 'minimize') });
    expect(log.map((r) => r.decision)).toEqual(['continue', 'prune']);
  });
});

describe('the budget', () => {
  it('starts a trial only if it fits whatever the running ones do, waits while they may free steps', () => {
    expect(nextTrial({ trials: 2 }, 9, [])).toEqual({ kind: 'start', trial: 0 });
    expect(nextTrial({ trials: 2 }, 9, [{ trial: 0, running: true, steps: 0 }])).toEqual({ kind: 'start', trial: 1 });
    const twoRunning = [
      { trial: 0, running: true, steps: 0 },
      { trial: 1, running: true, steps: 0 },
    ];
    expect(nextTrial({ trials: 2 }, 9, twoRunning)).toEqual({ kind: 'wait' });
    expect(
      nextTrial({ trials: 2 }, 9, [
        { ...twoRunning[0], running: false, steps: 9 },
        { ...twoRunning[1], running: false },
      ]),
    ).toEqual({
      kind: 'done',
    });
    // 20 steps of 9-step trials: two fit while both may run to 9 (18 + 9 > 20 for a third) ...
    expect(nextTrial({ steps: 20 }, 9, twoRunning)).toEqual({ kind: 'wait' });
    // ... and once one was pruned at 1, a third fits (1 + 9 + 9 = 19).
    expect(nextTrial({ steps: 20 }, 9, [{ trial: 0, running: false, steps: 1 }, twoRunning[1]])).toEqual({ kind: 'start', trial: 2 });
    expect(
      nextTrial({ steps: 20 }, 9, [
        { trial: 0, running: false, steps: 9 },
        { trial: 1, running: false, steps: 9 },
      ]),
    ).toEqual({
      kind: 'done',
    });
  });
});

describe('what TPE learns from finished trials', () => {
  it('completed with their value, pruned at their rung, NaN as the worst pruned trial, failed left out', () => {
    const params: Parameters = { x: 1 };
    const trials: FinishedTrial[] = [
      { trial: 0, params, status: 'completed', value: 0.5, steps: 9 },
      { trial: 1, params, status: 'pruned', value: 0.2, steps: 3 },
      { trial: 2, params, status: 'nan', value: 0.1, steps: 7 },
      { trial: 3, params, status: 'failed', value: 0.9, steps: 9 },
    ];
    expect(trialObservations(trials)).toEqual([
      { trial: 0, params, status: 'complete', value: 0.5, steps: 9 },
      { trial: 1, params, status: 'pruned', value: 0.2, steps: 3 },
      { trial: 2, params, status: 'pruned', value: NaN, steps: 0 },
    ]);
  });

  it('a one-worker study of TPE with the stopping rule is the same for the same seed', () => {
    const study = (seed: number) => {
      const search = searchOver(optimizerSpace, { seed, budget: { trials: 25 }, asha: { min_steps: 10, max_steps: 90 } });
      const rungs = judgedRungs(search.asha!);
      const loss = (p: Parameters, steps: number) =>
        (p['optimizer.name'] === 'adam' ? 0 : 1) + Math.abs(Math.log10(p['optimizer.learning_rate'] as number) + 2) + 10 / steps;
      const log: RungReport[] = [];
      const finished: FinishedTrial[] = [];
      for (let trial = 0; trial < 25; trial++) {
        const params = suggestParameters(search, trial, trialObservations(finished));
        let end: FinishedTrial = { trial, params, status: 'completed', value: loss(params, 90), steps: 90 };
        for (const [rung, steps] of rungs.entries()) {
          const value = loss(params, steps);
          const decision = decideAtRung(log, rung, value, 3, 'minimize');
          log.push({ trial, rung, value, decision });
          if (decision === 'prune') {
            end = { trial, params, status: 'pruned', value, steps };
            break;
          }
        }
        finished.push(end);
      }
      return finished;
    };
    const first = study(3);
    expect(first.some((t) => t.status === 'pruned')).toBe(true);
    expect(study(3)).toEqual(first);
    expect(study(4)).not.toEqual(first);
  });
});
