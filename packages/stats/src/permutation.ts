import { createRandom } from '@siamese-lab/core';

export interface PermutationTestResult {
  /** Two-sided p-value of mean(a) − mean(b), defined as scipy's: 2 · min(P(null ≥ observed), P(null ≤ observed)), at most 1. */
  p: number;
  observed: number;
  /** True when every relabelling was enumerated; false for a seeded Monte Carlo sample of them. */
  exact: boolean;
  /** Relabellings enumerated (exact) or drawn (Monte Carlo). */
  permutations: number;
  /** The smallest p this test can give with these group sizes (exact: 2 / C(n, n_a)). */
  smallestPossibleP: number;
}

export interface PermutationOptions {
  /** Enumerate every relabelling when there are at most this many (default 200,000). */
  maxExact?: number;
  /** Monte Carlo relabellings otherwise (default 9,999). */
  resamples?: number;
  seed?: number;
}

/** C(n, k) as a float (exact below 2^53). */
export function binomialCoefficient(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) result = (result * (n - Math.min(k, n - k) + i)) / i;
  return Math.round(result);
}

/**
 * Permutation test of a difference of means: how often relabelling the pooled values at random
 * gives a difference at least as far out as the observed one. Exact (every relabelling) when
 * there are few, else a seeded Monte Carlo sample, counted as scipy does ((hits + 1) / (B + 1)).
 * Null when a group is empty.
 */
export function permutationTest(
  a: readonly number[],
  b: readonly number[],
  options: PermutationOptions = {},
): PermutationTestResult | null {
  if (a.length === 0 || b.length === 0) return null;
  const pooled = [...a, ...b];
  const total = pooled.reduce((sum, value) => sum + value, 0);
  const sizeA = a.length;
  const sizeB = b.length;
  // The statistic from group A's sum, the same arithmetic for the observed and relabelled data.
  const statistic = (sumA: number) => sumA / sizeA - (total - sumA) / sizeB;
  const observed = statistic(a.reduce((sum, value) => sum + value, 0));
  // Ties up to rounding count as "as extreme" (scipy's relative tolerance).
  const tolerance = Math.abs(observed) * 1e-14;
  let atLeast = 0;
  let atMost = 0;
  const count = (sumA: number) => {
    const value = statistic(sumA);
    if (value >= observed - tolerance) atLeast++;
    if (value <= observed + tolerance) atMost++;
  };
  const combinations = binomialCoefficient(pooled.length, sizeA);
  const exact = combinations <= (options.maxExact ?? 200_000);
  let permutations: number;
  if (exact) {
    forEachSubsetSum(pooled, sizeA, count);
    permutations = combinations;
  } else {
    const random = createRandom(options.seed ?? 1);
    permutations = options.resamples ?? 9_999;
    const shuffled = [...pooled];
    for (let i = 0; i < permutations; i++) {
      // A partial Fisher–Yates shuffle: only the first sizeA places matter.
      let sumA = 0;
      for (let j = 0; j < sizeA; j++) {
        const pick = j + random.int(shuffled.length - j);
        [shuffled[j], shuffled[pick]] = [shuffled[pick], shuffled[j]];
        sumA += shuffled[j];
      }
      count(sumA);
    }
  }
  const adjustment = exact ? 0 : 1;
  const p = Math.min(1, (2 * (Math.min(atLeast, atMost) + adjustment)) / (permutations + adjustment));
  return { p, observed, exact, permutations, smallestPossibleP: Math.min(1, 2 / (exact ? combinations : permutations + 1)) };
}

/** Calls `visit` with the sum of every subset of `size` values (indices in lexicographic order). */
function forEachSubsetSum(values: readonly number[], size: number, visit: (sum: number) => void): void {
  const chosen = Array.from({ length: size }, (_, i) => i);
  for (;;) {
    let sum = 0;
    for (const index of chosen) sum += values[index];
    visit(sum);
    let position = size - 1;
    while (position >= 0 && chosen[position] === values.length - size + position) position--;
    if (position < 0) return;
    chosen[position]++;
    for (let i = position + 1; i < size; i++) chosen[i] = chosen[i - 1] + 1;
  }
}
