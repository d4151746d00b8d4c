import { logGamma } from './distributions.ts';

export interface Count {
  /** Runs with the property (e.g. ended as NaN). */
  successes: number;
  /** All runs. */
  trials: number;
}

export interface FisherResult {
  /** Two-sided p-value (scipy's definition: every table at most as probable as the observed one). */
  p: number;
  proportions: [number, number];
  difference: number;
}

const logChoose = (n: number, k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);

/**
 * Fisher's exact test of two proportions (the 2x2 table [[k_a, n_a − k_a], [k_b, n_b − k_b]]):
 * exact with any number of runs, which matters when every run of a setting ended the same way.
 */
export function fisherExactTest(a: Count, b: Count): FisherResult {
  for (const count of [a, b]) {
    if (
      !Number.isInteger(count.successes) ||
      !Number.isInteger(count.trials) ||
      count.successes < 0 ||
      count.successes > count.trials ||
      count.trials < 1
    ) {
      throw new Error(`a count needs whole numbers 0 <= successes <= trials, trials >= 1; got ${count.successes} of ${count.trials}`);
    }
  }
  const total = a.trials + b.trials;
  const successes = a.successes + b.successes;
  // Hypergeometric probability that group A holds k of the successes, margins fixed.
  const logProbability = (k: number) => logChoose(successes, k) + logChoose(total - successes, a.trials - k) - logChoose(total, a.trials);
  const observed = logProbability(a.successes);
  let p = 0;
  for (let k = Math.max(0, successes - b.trials); k <= Math.min(successes, a.trials); k++) {
    const logP = logProbability(k);
    // Relative slack 1e-7, as scipy: tables as probable as the observed one up to rounding count.
    if (logP <= observed + 1e-7) p += Math.exp(logP);
  }
  const proportions: [number, number] = [a.successes / a.trials, b.successes / b.trials];
  return { p: Math.min(1, p), proportions, difference: proportions[0] - proportions[1] };
}
