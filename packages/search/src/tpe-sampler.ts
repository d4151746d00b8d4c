/**
 * The Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio and Kégl, "Algorithms for
 * Hyper-Parameter Optimization", NeurIPS 2011), with Optuna's TPESampler defaults as the reference
 * (independent sampling, multivariate off).
 *
 * For trial i, given the finished trials: below `startup_trials` of them, the random sampler's
 * draw (the same as suggestRandom for that trial). Otherwise the trials are ranked and split: the
 * best min(ceil(gamma · n), max_good) are good, the rest bad. For each active parameter, a Parzen
 * estimator l(x) over the good trials that have it and g(x) over the bad ones; `ei_candidates`
 * draws from l, and the one with the largest log l(x) − log g(x) is suggested (this ratio is
 * monotone in the expected improvement, as the paper shows).
 *
 * Ranking, as Optuna's _split_trials: complete trials by their value, then pruned trials, those that
 * reached more steps first and among equal steps by the value at their last rung (Optuna's
 * "(-step, value)" key): a pruned trial counts with the value it reported at its last rung.
 *
 * Where this differs from Optuna, and why:
 * - A complete trial whose value is not finite (a run that ended as NaN) is ranked after every
 *   finite one, where Optuna marks such a trial failed and leaves it out. Divergence is a result
 *   here (the lab records it), and a bad one: it steers TPE away from where runs diverge.
 * - Int parameters are sampled and scored as continuous on [low − 0.5, high + 0.5] (log of that
 *   with log: true) and rounded afterwards; Optuna scores the rounded value with a discretised
 *   kernel. For a TPE on ranges of more than a few integers the two are nearly the same; this keeps
 *   one kind of kernel.
 * - The randomness of trial i is a pure function of (seed, i, parameter), not one generator shared
 *   by the study: the same history gives the same suggestion in any process, whatever ran before.
 * - The suggestion depends only on the observations given (sorted by trial number first, so their
 *   order does not matter). With several workers the caller records which trials had finished when
 *   it asked (the study's log), and a rerun passes the same ones.
 */
import type { Direction, Parameters, SamplerSettings, SearchSettings, Space } from './space.ts';
import { fromInternal, internalBounds, isActive, parameterOrder, toInternal } from './space.ts';
import { suggestRandom, trialRandom } from './random-sampler.ts';
import { categoricalProbabilities, numericalLogDensity, numericalMixture, sampleCategorical, sampleNumerical } from './parzen.ts';

/** A finished trial as the samplers see it. */
export interface Observation {
  trial: number;
  params: Parameters;
  /** The objective: at the top rung (complete), or at the last rung reached (pruned). */
  value: number;
  status: 'complete' | 'pruned';
  /** The steps of the rung the value was measured at. */
  steps: number;
}

export type TpeSettings = Pick<SamplerSettings, 'startup_trials' | 'ei_candidates' | 'gamma' | 'max_good' | 'prior_weight'>;

export const defaultTpeSettings: TpeSettings = { startup_trials: 10, ei_candidates: 24, gamma: 0.1, max_good: 25, prior_weight: 1 };

/** Lower is better: the value with its sign set by the direction, non-finite values last. */
function score(value: number, direction: Direction): number {
  if (!Number.isFinite(value)) return Infinity;
  return direction === 'minimize' ? value : -value;
}

/** The good and the bad trials, each ordered by trial number (oldest first, as the weights expect). */
export function splitObservations(
  observations: Observation[],
  direction: Direction,
  settings: Pick<TpeSettings, 'gamma' | 'max_good'>,
): { good: Observation[]; bad: Observation[] } {
  const nGood = Math.min(Math.ceil(settings.gamma * observations.length), settings.max_good);
  const complete = observations
    .filter((o) => o.status === 'complete')
    .sort((a, b) => score(a.value, direction) - score(b.value, direction) || a.trial - b.trial);
  const pruned = observations
    .filter((o) => o.status === 'pruned')
    .sort((a, b) => b.steps - a.steps || score(a.value, direction) - score(b.value, direction) || a.trial - b.trial);
  const ranked = [...complete, ...pruned].map((o, rank) => ({ o, rank }));
  // Infinity − Infinity is NaN: ties among non-finite values fall back to the trial number above.
  const byTrial = (a: { o: Observation }, b: { o: Observation }) => a.o.trial - b.o.trial;
  return {
    good: ranked
      .filter((r) => r.rank < nGood)
      .sort(byTrial)
      .map((r) => r.o),
    bad: ranked
      .filter((r) => r.rank >= nGood)
      .sort(byTrial)
      .map((r) => r.o),
  };
}

export interface TpeRequest {
  space: Space;
  seed: number;
  trial: number;
  direction: Direction;
  /** The finished trials known when the trial is suggested (complete and pruned; not running). */
  observations: Observation[];
  settings?: Partial<TpeSettings>;
}

/** Trial `trial`'s parameters under TPE. Deterministic given the same request. */
export function suggestTpe(request: TpeRequest): Parameters {
  const settings = { ...defaultTpeSettings, ...request.settings };
  const { space, seed, trial, direction } = request;
  const observations = [...request.observations].sort((a, b) => a.trial - b.trial);
  if (observations.length === 0 || observations.length < settings.startup_trials) return suggestRandom(space, seed, trial);
  const { good, bad } = splitObservations(observations, direction, settings);
  const values: Parameters = {};
  for (const name of parameterOrder(space)) {
    const parameter = space[name];
    if (!isActive(parameter, values)) continue;
    const random = trialRandom(seed, trial, name, 'tpe');
    const goodValues = good.map((o) => o.params[name]).filter((v) => v !== undefined);
    const badValues = bad.map((o) => o.params[name]).filter((v) => v !== undefined);
    if (parameter.kind === 'choice') {
      const indices = (list: typeof goodValues) => list.map((v) => parameter.values.indexOf(v)).filter((i) => i >= 0);
      const l = categoricalProbabilities(indices(goodValues), parameter.values.length, settings.prior_weight);
      const g = categoricalProbabilities(indices(badValues), parameter.values.length, settings.prior_weight);
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < settings.ei_candidates; c++) {
        const candidate = sampleCategorical(l, random);
        const candidateScore = Math.log(l[candidate]) - Math.log(g[candidate]);
        if (best < 0 || candidateScore > bestScore) [best, bestScore] = [candidate, candidateScore];
      }
      values[name] = parameter.values[best];
    } else {
      const { low, high } = internalBounds(parameter);
      const internal = (list: typeof goodValues) =>
        list
          .filter((v): v is number => typeof v === 'number' && v >= parameter.low && v <= parameter.high)
          .map((v) => toInternal(parameter, v));
      const l = numericalMixture(internal(goodValues), low, high, settings.prior_weight);
      const g = numericalMixture(internal(badValues), low, high, settings.prior_weight);
      let best = NaN;
      let bestScore = -Infinity;
      for (let c = 0; c < settings.ei_candidates; c++) {
        const candidate = sampleNumerical(l, random);
        const candidateScore = numericalLogDensity(l, candidate) - numericalLogDensity(g, candidate);
        if (Number.isNaN(best) || candidateScore > bestScore) [best, bestScore] = [candidate, candidateScore];
      }
      values[name] = fromInternal(parameter, best);
    }
  }
  return values;
}

/** Trial `trial`'s parameters under the block's sampler (random or tpe), its seed and its objective's direction. */
export function suggestParameters(search: SearchSettings, trial: number, observations: Observation[]): Parameters {
  if (search.sampler.kind === 'random') return suggestRandom(search.space, search.seed, trial);
  return suggestTpe({
    space: search.space,
    seed: search.seed,
    trial,
    direction: search.objective.direction,
    observations,
    settings: search.sampler,
  });
}
