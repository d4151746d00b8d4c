import { studentTQuantile } from './distributions.ts';

/** A two-sided interval; null bounds when it cannot be given (fewer than two values). */
export interface Interval {
  low: number;
  high: number;
  /** The coverage it was built for, e.g. 0.95. */
  confidence: number;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** The sample variance (divisor n − 1); NaN below two values. */
export function variance(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const center = mean(values);
  let sum = 0;
  for (const value of values) sum += (value - center) ** 2;
  return sum / (values.length - 1);
}

export function standardDeviation(values: readonly number[]): number {
  return Math.sqrt(variance(values));
}

/** Checks a confidence level once for every interval builder. */
export function assertConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new Error(`a confidence level is between 0 and 1 (exclusive), got ${confidence}`);
}

/** The t-based interval of a mean: mean ± t(1 − α/2, n − 1) · sd / √n. Null below two values. */
export function meanInterval(values: readonly number[], confidence = 0.95): Interval | null {
  assertConfidence(confidence);
  if (values.length < 2) return null;
  const center = mean(values);
  const halfWidth = studentTQuantile(1 - (1 - confidence) / 2, values.length - 1) * Math.sqrt(variance(values) / values.length);
  return { low: center - halfWidth, high: center + halfWidth, confidence };
}

/** A quantile of sorted values with linear interpolation between order statistics (numpy's default, "type 7"). */
export function sortedQuantile(sorted: ArrayLike<number>, probability: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * probability;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}
