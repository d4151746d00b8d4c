import { mean, variance } from './descriptive.ts';
import { logGamma } from './distributions.ts';

/**
 * Hedges' g: the difference of means in units of the pooled standard deviation, times the exact
 * small-sample correction J(ν) = Γ(ν/2) / (√(ν/2) · Γ((ν − 1)/2)), ν = n_a + n_b − 2 (Cohen's d
 * overstates the effect with few seeds). NaN when ν < 2 or the pooled deviation is 0.
 */
export function hedgesG(a: readonly number[], b: readonly number[]): number {
  const df = a.length + b.length - 2;
  if (a.length < 2 || b.length < 2 || df < 2) return NaN;
  const pooled = Math.sqrt(((a.length - 1) * variance(a) + (b.length - 1) * variance(b)) / df);
  if (!(pooled > 0)) return NaN;
  const correction = Math.exp(logGamma(df / 2) - logGamma((df - 1) / 2)) / Math.sqrt(df / 2);
  return ((mean(a) - mean(b)) / pooled) * correction;
}
