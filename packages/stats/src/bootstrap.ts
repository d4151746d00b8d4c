import { createRandom } from '@siamese-lab/core';
import { assertConfidence, mean, sortedQuantile, variance, type Interval } from './descriptive.ts';

export type BootstrapMethod = 'studentized' | 'percentile';

export interface BootstrapOptions {
  confidence?: number;
  /** Resamples (default 4,000). */
  resamples?: number;
  /** The generator's seed: the same inputs and seed give the same interval (default 1). */
  seed?: number;
  /**
   * studentized (default): the bootstrap-t interval, which keeps its coverage with a handful of
   * seeds; percentile: the plain percentile interval, too narrow below about 20 values a group
   * (the coverage test in test/bootstrap.test.ts measures both).
   */
  method?: BootstrapMethod;
}

export interface BootstrapInterval extends Interval {
  method: BootstrapMethod;
  resamples: number;
  seed: number;
  /** Studentized only: resamples left out because neither group varied in them (t undefined). */
  degenerate: number;
}

function resample(values: readonly number[], random: ReturnType<typeof createRandom>, into: number[]): number[] {
  for (let i = 0; i < values.length; i++) into[i] = values[random.int(values.length)];
  return into;
}

/**
 * A seeded bootstrap interval of mean(a) − mean(b), resampling each group within itself (the
 * groups are independent runs, e.g. seeds of two settings). Null when a group has fewer than two
 * values, or (studentized) when neither group varies.
 */
export function bootstrapDifferenceInterval(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions = {},
): BootstrapInterval | null {
  const confidence = options.confidence ?? 0.95;
  assertConfidence(confidence);
  const resamples = options.resamples ?? 4_000;
  const seed = options.seed ?? 1;
  const method = options.method ?? 'studentized';
  if (a.length < 2 || b.length < 2) return null;
  const random = createRandom(seed);
  const difference = mean(a) - mean(b);
  const standardError = (x: readonly number[], y: readonly number[]) => Math.sqrt(variance(x) / x.length + variance(y) / y.length);
  const observedError = standardError(a, b);
  if (method === 'studentized' && !(observedError > 0)) return null;
  const bufferA = new Array<number>(a.length);
  const bufferB = new Array<number>(b.length);
  const draws: number[] = [];
  let degenerate = 0;
  for (let i = 0; i < resamples; i++) {
    const x = resample(a, random, bufferA);
    const y = resample(b, random, bufferB);
    const resampledDifference = mean(x) - mean(y);
    if (method === 'percentile') {
      draws.push(resampledDifference);
      continue;
    }
    const error = standardError(x, y);
    if (!(error > 0)) {
      degenerate++;
      continue;
    }
    draws.push((resampledDifference - difference) / error);
  }
  draws.sort((first, second) => first - second);
  const tail = (1 - confidence) / 2;
  const [low, high] =
    method === 'percentile'
      ? [sortedQuantile(draws, tail), sortedQuantile(draws, 1 - tail)]
      : // The t* quantiles swap ends: a resampled t that is high means the estimate is high.
        [difference - sortedQuantile(draws, 1 - tail) * observedError, difference - sortedQuantile(draws, tail) * observedError];
  return { low, high, confidence, method, resamples, seed, degenerate };
}
