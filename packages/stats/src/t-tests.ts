import { assertConfidence, mean, variance, type Interval } from './descriptive.ts';
import { studentTQuantile, studentTSurvival } from './distributions.ts';

export interface TTestResult {
  statistic: number;
  /** Degrees of freedom (Welch–Satterthwaite for two samples: usually not a whole number). */
  df: number;
  /** Two-sided p-value. */
  p: number;
  /** The estimate the interval is about: a difference of means, or a mean. */
  estimate: number;
  standardError: number;
  interval: Interval;
}

function tResult(estimate: number, nullValue: number, standardError: number, df: number, confidence: number): TTestResult | null {
  // No spread at all: the statistic is 0/0 or ±∞; say nothing rather than a p of 0 or 1.
  if (!(standardError > 0) || !(df > 0)) return null;
  const statistic = (estimate - nullValue) / standardError;
  const halfWidth = studentTQuantile(1 - (1 - confidence) / 2, df) * standardError;
  return {
    statistic,
    df,
    p: Math.min(1, 2 * studentTSurvival(Math.abs(statistic), df)),
    estimate,
    standardError,
    interval: { low: estimate - halfWidth, high: estimate + halfWidth, confidence },
  };
}

/**
 * Welch's two-sample t-test of mean(a) − mean(b) (unequal variances), with the matching interval
 * of the difference. Null when a group has fewer than two values or neither group varies.
 */
export function welchTTest(a: readonly number[], b: readonly number[], confidence = 0.95): TTestResult | null {
  assertConfidence(confidence);
  if (a.length < 2 || b.length < 2) return null;
  const shareA = variance(a) / a.length;
  const shareB = variance(b) / b.length;
  const df = (shareA + shareB) ** 2 / (shareA ** 2 / (a.length - 1) + shareB ** 2 / (b.length - 1));
  return tResult(mean(a) - mean(b), 0, Math.sqrt(shareA + shareB), df, confidence);
}

/** One-sample t-test of mean(values) against `reference`; the interval is the mean's. */
export function oneSampleTTest(values: readonly number[], reference: number, confidence = 0.95): TTestResult | null {
  assertConfidence(confidence);
  if (values.length < 2) return null;
  return tResult(mean(values), reference, Math.sqrt(variance(values) / values.length), values.length - 1, confidence);
}
