/**
 * The Parzen estimators of TPE, as Optuna's TPESampler builds them for independent sampling
 * (optuna/samplers/_tpe/parzen_estimator.py, defaults consider_prior, consider_magic_clip, no
 * consider_endpoints): a mixture of truncated normal kernels, one per observation plus a prior
 * kernel, for numerical parameters; smoothed counts for choices.
 */
import type { Random } from '@siamese-lab/core';

/**
 * Optuna's default_weights: equal weights up to 25 observations; beyond that the 25 newest weigh
 * 1 and the older ones ramp linearly from 1/n up to 1 (observations ordered oldest first).
 */
export function observationWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const weights: number[] = [];
  for (let i = 0; i < ramp; i++) weights.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) weights.push(1);
  return weights;
}

function normalise(weights: number[]): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

/** Complementary error function (Numerical Recipes' erfcc, fractional error below 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

const normalCdf = (z: number) => 0.5 * erfc(-z / Math.SQRT2);

function logSumExp(terms: number[]): number {
  const max = Math.max(...terms);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - max), 0));
}

function pickIndex(weights: number[], random: Random): number {
  const u = random.next();
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i];
    if (u < cumulative) return i;
  }
  return weights.length - 1;
}

export interface NumericalMixture {
  low: number;
  high: number;
  weights: number[];
  mus: number[];
  sigmas: number[];
}

/**
 * The mixture over [low, high] (internal scale) for observations given oldest first. Each
 * observation's bandwidth is the distance to its farther neighbour among the sorted observations,
 * the prior's centre and the range's ends (the outermost two use their inner neighbour, as
 * without consider_endpoints), clipped to [range / min(100, 1 + kernels), range] ("magic clip");
 * the prior kernel sits at the centre with the whole range as its bandwidth. Not Scott's rule.
 */
export function numericalMixture(observations: number[], low: number, high: number, priorWeight: number): NumericalMixture {
  const n = observations.length;
  const range = high - low;
  const priorMu = 0.5 * (low + high);
  const withPrior = [...observations, priorMu];
  const order = withPrior.map((_, i) => i).sort((a, b) => withPrior[a] - withPrior[b] || a - b);
  const ends = [low, ...order.map((i) => withPrior[i]), high];
  const sortedSigmas = order.map((_, j) => Math.max(ends[j + 1] - ends[j], ends[j + 2] - ends[j + 1]));
  if (ends.length >= 4) {
    sortedSigmas[0] = ends[2] - ends[1];
    sortedSigmas[sortedSigmas.length - 1] = ends[ends.length - 2] - ends[ends.length - 3];
  }
  const sigmas = new Array<number>(n + 1);
  order.forEach((i, j) => (sigmas[i] = sortedSigmas[j]));
  const minSigma = range / Math.min(100, 1 + (n + 1));
  for (let i = 0; i < n; i++) sigmas[i] = Math.min(range, Math.max(minSigma, sigmas[i]));
  sigmas[n] = range;
  return { low, high, weights: normalise([...observationWeights(n), priorWeight]), mus: withPrior, sigmas };
}

/** A draw from the mixture: a kernel by weight, then its normal truncated to [low, high] by rejection. */
export function sampleNumerical(mixture: NumericalMixture, random: Random): number {
  const k = pickIndex(mixture.weights, random);
  const mu = mixture.mus[k];
  const sigma = mixture.sigmas[k];
  // Every centre lies in [low, high] and sigma is at most the range, so a draw lands inside with
  // probability at least P(0 < Z < 1) ≈ 0.34: the loop ends after a few tries.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const u1 = 1 - random.next();
    const u2 = random.next();
    const x = mu + sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    if (x >= mixture.low && x <= mixture.high) return x;
  }
  return Math.min(mixture.high, Math.max(mixture.low, mu));
}

/** The log density of the mixture at x (each kernel normalised over [low, high]). */
export function numericalLogDensity(mixture: NumericalMixture, x: number): number {
  const terms = mixture.mus.map((mu, k) => {
    const sigma = mixture.sigmas[k];
    const mass = normalCdf((mixture.high - mu) / sigma) - normalCdf((mixture.low - mu) / sigma);
    const z = (x - mu) / sigma;
    return Math.log(mixture.weights[k]) - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI) - 0.5 * z * z - Math.log(mass);
  });
  return logSumExp(terms);
}

/**
 * The probabilities of a choice's values: kernel i puts 1 + prior_weight / (n + 1) on its observed
 * value and prior_weight / (n + 1) on every value (normalised), the prior kernel is uniform, and
 * the kernels are mixed with the observation weights and prior_weight, as in Optuna.
 */
export function categoricalProbabilities(observedIndices: number[], choices: number, priorWeight: number): number[] {
  const n = observedIndices.length;
  if (n === 0) return new Array<number>(choices).fill(1 / choices);
  const mixture = normalise([...observationWeights(n), priorWeight]);
  const smoothing = priorWeight / (n + 1);
  const probabilities = new Array<number>(choices).fill(mixture[n] / choices);
  observedIndices.forEach((observed, i) => {
    const rowTotal = 1 + smoothing * choices;
    for (let c = 0; c < choices; c++) probabilities[c] += (mixture[i] * (smoothing + (c === observed ? 1 : 0))) / rowTotal;
  });
  return probabilities;
}

export function sampleCategorical(probabilities: number[], random: Random): number {
  return pickIndex(probabilities, random);
}
