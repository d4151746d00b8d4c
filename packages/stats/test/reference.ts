import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** scipy's numbers for the same inputs, written by fixtures/make-reference.py. */
export const reference = JSON.parse(readFileSync(new URL('./fixtures/reference.json', import.meta.url), 'utf8')) as {
  samples: Array<{ name: string; values: number[]; mean: number; sd: number; ci95: [number, number]; ci99: [number, number] }>;
  comparisons: Array<{
    a: string;
    b: string;
    welch: { t: number; df: number; p: number; ci95: [number, number]; ci90: [number, number] };
    welch_greater_p: number;
    hedges_g: number;
    permutation: { p: number; permutations: number };
  }>;
  one_sample: Array<{ name: string; reference: number; t: number; df: number; p: number; ci95: [number, number] }>;
  t_cdf: Array<{ df: number; t: number; cdf: number; sf: number }>;
  t_quantile: Array<{ df: number; p: number; t: number }>;
  incomplete_beta: Array<{ a: number; b: number; x: number; value: number }>;
  fisher: Array<{ table: [[number, number], [number, number]]; p: number }>;
};

export const sample = (name: string): number[] => reference.samples.find((entry) => entry.name === name)!.values;

/** |actual − expected| within `relative` of |expected|, or `absolute` near zero. */
export function expectClose(actual: number, expected: number, relative = 1e-9, absolute = 1e-14): void {
  expect(Number.isFinite(actual), `${actual} should be finite`).toBe(true);
  expect(Math.abs(actual - expected), `${actual} vs scipy's ${expected}`).toBeLessThanOrEqual(
    Math.max(absolute, relative * Math.abs(expected)),
  );
}
