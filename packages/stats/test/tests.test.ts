import { describe, expect, it } from 'vitest';
import { mean } from '../src/index.ts';
import { binomialCoefficient, permutationTest } from '../src/permutation.ts';
import { fisherExactTest } from '../src/proportions.ts';
import { hedgesG } from '../src/effect-size.ts';
import { meanInterval, standardDeviation } from '../src/descriptive.ts';
import { oneSampleTTest, welchTTest } from '../src/t-tests.ts';
import { expectClose, reference, sample } from './reference.ts';

describe('descriptive statistics and the t interval of a mean, against scipy', () => {
  for (const entry of reference.samples) {
    it(entry.name, () => {
      expectClose(mean(entry.values), entry.mean, 1e-14);
      expectClose(standardDeviation(entry.values), entry.sd, 1e-12);
      const interval95 = meanInterval(entry.values)!;
      expectClose(interval95.low, entry.ci95[0], 1e-11, 1e-13);
      expectClose(interval95.high, entry.ci95[1], 1e-11, 1e-13);
      const interval99 = meanInterval(entry.values, 0.99)!;
      expectClose(interval99.low, entry.ci99[0], 1e-11, 1e-13);
      expectClose(interval99.high, entry.ci99[1], 1e-11, 1e-13);
    });
  }
  it('gives no interval for one value', () => {
    expect(meanInterval([1.5])).toBeNull();
    expect(standardDeviation([1.5])).toBeNaN();
  });
});

describe("two groups: Welch's t, Hedges' g and the exact permutation test, against scipy", () => {
  for (const entry of reference.comparisons) {
    it(`${entry.a} vs ${entry.b}`, () => {
      const [a, b] = [sample(entry.a), sample(entry.b)];
      const welch = welchTTest(a, b)!;
      expectClose(welch.statistic, entry.welch.t, 1e-12);
      expectClose(welch.df, entry.welch.df, 1e-12);
      expectClose(welch.p, entry.welch.p, 1e-9);
      expectClose(welch.interval.low, entry.welch.ci95[0], 1e-10, 1e-13);
      expectClose(welch.interval.high, entry.welch.ci95[1], 1e-10, 1e-13);
      const welch90 = welchTTest(a, b, 0.9)!;
      expectClose(welch90.interval.low, entry.welch.ci90[0], 1e-10, 1e-13);
      expectClose(welch90.interval.high, entry.welch.ci90[1], 1e-10, 1e-13);
      expectClose(hedgesG(a, b), entry.hedges_g, 1e-12);
      const permutation = permutationTest(a, b)!;
      expect(permutation.exact).toBe(true);
      expect(permutation.permutations).toBe(entry.permutation.permutations);
      expectClose(permutation.p, entry.permutation.p, 1e-12);
    });
  }

  it('says nothing when a group has one value or nothing varies', () => {
    expect(welchTTest([1], [1, 2, 3])).toBeNull();
    expect(welchTTest([2, 2, 2], [1, 1])).toBeNull();
    expect(hedgesG([2, 2], [1, 1])).toBeNaN();
    expect(permutationTest([], [1])).toBeNull();
  });

  it('the smallest possible permutation p: 3 vs 3 seeds can never reach 0.05', () => {
    const result = permutationTest([10, 11, 12], [1, 2, 3])!;
    expect(result.p).toBeCloseTo(0.1, 12);
    expect(result.smallestPossibleP).toBeCloseTo(2 / binomialCoefficient(6, 3), 12);
  });

  it('Monte Carlo when there are too many relabellings: seeded, and close to the exact p', () => {
    const [a, b] = [sample('adam'), sample('sgd')];
    const exact = permutationTest(a, b)!;
    const sampled = permutationTest(a, b, { maxExact: 100, resamples: 20_000, seed: 5 })!;
    expect(sampled.exact).toBe(false);
    expect(sampled).toEqual(permutationTest(a, b, { maxExact: 100, resamples: 20_000, seed: 5 }));
    // Binomial standard error of a p near 0.002 from 20,000 draws is about 0.0003.
    expect(Math.abs(sampled.p - exact.p)).toBeLessThan(0.0015);
    expect(permutationTest(a, b, { maxExact: 100, resamples: 20_000, seed: 6 })!.p).not.toBe(sampled.p);
  });

  it('binomial coefficients', () => {
    expect(binomialCoefficient(12, 6)).toBe(924);
    expect(binomialCoefficient(40, 20)).toBe(137846528820);
    expect(binomialCoefficient(3, 5)).toBe(0);
  });
});

describe('one-sample t-test, against scipy', () => {
  for (const entry of reference.one_sample) {
    it(`${entry.name} against ${entry.reference}`, () => {
      const result = oneSampleTTest(sample(entry.name), entry.reference)!;
      expectClose(result.statistic, entry.t, 1e-12);
      expect(result.df).toBe(entry.df);
      expectClose(result.p, entry.p, 1e-9, 1e-300);
      expectClose(result.interval.low, entry.ci95[0], 1e-11, 1e-13);
      expectClose(result.interval.high, entry.ci95[1], 1e-11, 1e-13);
    });
  }
});

describe("Fisher's exact test, against scipy", () => {
  for (const { table, p } of reference.fisher) {
    it(JSON.stringify(table), () => {
      const result = fisherExactTest(
        { successes: table[0][0], trials: table[0][0] + table[0][1] },
        { successes: table[1][0], trials: table[1][0] + table[1][1] },
      );
      expectClose(result.p, p, 1e-9);
    });
  }
  it('rejects impossible counts', () => {
    expect(() => fisherExactTest({ successes: 4, trials: 3 }, { successes: 0, trials: 3 })).toThrow(/successes <= trials/);
  });
});
