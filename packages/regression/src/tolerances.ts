import { timingMetricNames } from '@siamese-lab/run-record';

/** How far a metric may move from its baseline: the band is ± max(absolute, relative · |baseline|). */
export interface Tolerance {
  absolute?: number;
  relative?: number;
}

/** Timing and other machine-dependent numbers: recorded by a run, never compared. */
export const untrackedMetrics: readonly string[] = timingMetricNames;

/*
 * Default tolerances, from measurement (packages/regression/measurements/README.md has the
 * commands and the full tables). Three sweeps were run on blas, cpu and wasm with the same seeds:
 * backend-noise (sgd/adam x 5 seeds, hidden [32], 60 steps, 300 test images), backend-noise-long
 * (hidden [64], 400 steps, 1,000 test images) and optimizer-sweep-reduced (the optimizer sweep's
 * grid with hidden [128, 128], 150 steps, 1,000 test images).
 *
 * - Same backend, run twice: bit-identical metrics (difference 0 on all 20 runs compared).
 * - Across backends, runs that stay stable (every sgd run; adam at 60 steps), largest difference:
 *   nn_accuracy 0.013 (13 of 1,000 images flip in a crowded embedding), map_at_r 1.4e-4,
 *   silhouette 1.2e-4, roc_auc 3.0e-4, inter_intra_ratio 0.03 %, final_loss 0.18 %,
 *   anisotropy 4.8 % (on a degenerate class, ratio 1554; otherwise below 0.1 %).
 * - Across seeds (5 seeds), smallest standard deviation of a configuration: nn_accuracy 0.019,
 *   map_at_r 0.020, silhouette 0.019, roc_auc 0.012, inter_intra_ratio about 2 %, final_loss 0.74
 *   (about 20 %), anisotropy about 4 % (median 0.19 absolute).
 *
 * `defaultTolerances` cover the stable cross-backend differences with at least 1.5x margin. The
 * continuous metrics (map_at_r, silhouette, roc_auc, inter_intra_ratio, final_loss) sit at a tenth
 * of the seed spread or less, so they are the sensitive detectors; nn_accuracy (discrete, flips in
 * crowded embeddings) and anisotropy (a ratio of noisy variances) get bands of about one seed
 * standard deviation.
 *
 * Adam amplifies float differences: after 150-400 steps its runs on cpu or wasm differ from blas
 * as much as another seed would (nn_accuracy up to 0.067, map_at_r 0.041, silhouette 0.035,
 * roc_auc 0.015, inter_intra_ratio 8 %, anisotropy 21 %, final_loss 30 % on the last batch). No
 * band can cover that and stay inside seed noise, so a run checked on another backend than its
 * baseline's uses `defaultCrossBackendTolerances`, about 1.5x those worst cases: such a check
 * catches gross changes only. For subtle ones, check on the baseline's backend.
 */
export const defaultTolerances: Readonly<Record<string, Tolerance>> = {
  nn_accuracy: { absolute: 0.02 },
  precision_at_1: { absolute: 0.02 },
  map_at_r: { absolute: 0.002 },
  silhouette: { absolute: 0.002 },
  roc_auc: { absolute: 0.002 },
  inter_intra_ratio: { relative: 0.003 },
  final_loss: { relative: 0.01 },
  anisotropy: { relative: 0.08 },
  collapsed: { absolute: 0 },
  non_finite: { absolute: 0 },
  nan_steps: { absolute: 0 },
  first_nan_step: { absolute: 0 },
};

export const defaultCrossBackendTolerances: Readonly<Record<string, Tolerance>> = {
  nn_accuracy: { absolute: 0.1 },
  precision_at_1: { absolute: 0.1 },
  map_at_r: { absolute: 0.06 },
  silhouette: { absolute: 0.06 },
  roc_auc: { absolute: 0.025 },
  inter_intra_ratio: { relative: 0.12 },
  final_loss: { relative: 0.45 },
  anisotropy: { relative: 0.3 },
  collapsed: { absolute: 0 },
  non_finite: { absolute: 0 },
  nan_steps: { absolute: 0 },
  first_nan_step: { absolute: 0 },
};

/** For a metric this file does not know: a tight relative band, so a new metric is still checked. */
export const fallbackTolerance: Tolerance = { relative: 0.01 };

export function defaultToleranceFor(metric: string, crossBackend = false): Tolerance {
  return (crossBackend ? defaultCrossBackendTolerances : defaultTolerances)[metric] ?? fallbackTolerance;
}

/** The closed interval a value must lie in to pass. */
export function allowedBand(baseline: number, tolerance: Tolerance): [number, number] {
  const halfWidth = Math.max(tolerance.absolute ?? 0, (tolerance.relative ?? 0) * Math.abs(baseline));
  return [baseline - halfWidth, baseline + halfWidth];
}
