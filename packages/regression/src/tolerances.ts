import { timingMetricNames } from '@siamese-lab/run-record';

/** How far a metric may move from its baseline: the band is ± max(absolute, relative · |baseline|). */
export interface Tolerance {
  absolute?: number;
  relative?: number;
}

/** Timing and other machine-dependent numbers: recorded by a run, never compared. */
export const untrackedMetrics: readonly string[] = timingMetricNames;

/** Metrics that count events: they must match exactly in every class (a NaN is never rounding). */
export const exactMetrics: readonly string[] = ['collapsed', 'non_finite', 'nan_steps', 'first_nan_step'];

/**
 * Metrics that follow from the experiment's settings alone, whatever the arithmetic of the GEMMs:
 * the same in every class, up to the last bits of JavaScript's Math functions (which may differ
 * between Node versions). `mean_learning_rate` catches a schedule applied one step off.
 */
export const settingsMetrics: Readonly<Record<string, Tolerance>> = { mean_learning_rate: { relative: 1e-9 } };

/**
 * The classes a run's numerics fall into against its baseline's:
 * - identical: same backend, GEMM provider, version, kernel, threads and CPU: bit-identical
 *   results are expected, so any difference fails;
 * - same_backend: same backend, different numerics (another OpenBLAS kernel, thread count, GEMM
 *   provider or CPU): the measured `same_backend` bands;
 * - different_backend: the measured `different_backend` bands.
 */
export type NumericsClass = 'identical' | 'same_backend' | 'different_backend';
export type BandClass = Exclude<NumericsClass, 'identical'>;

/** Per optimizer, per metric. An optimizer without its own bands gets `fallbackBandOptimizer`'s. */
export type BandTable = Record<string, Record<string, Tolerance>>;

/**
 * The optimizer whose bands apply to an optimizer that was not measured: Adam's, the widest,
 * since adaptive optimizers turn rounding differences into different trajectories.
 */
export const fallbackBandOptimizer = 'adam';

/*
 * Measured (packages/regression/measurements/README.md, "Numerics"; data in measurements/numerics/):
 * the optimizer sweep's settings (1024-wide towers, 300 steps, 3 seeds) under OpenBLAS Haswell,
 * OpenBLAS SkylakeX and oneDNN, and its 128-wide 150-step version under 10 blas variants (OpenBLAS
 * Prescott, Haswell, SkylakeX, Sandybridge, Cooperlake x 1-2 threads, oneDNN x 1-2 threads) and
 * wasm. Rule: band = 1.5 x the largest difference seen between two variants for the same run,
 * rounded up to two significant digits (relative to |value| for final_loss, inter_intra_ratio
 * and anisotropy); different_backend is at least same_backend and at least the earlier
 * blas/cpu/wasm bands. Adam's per-run bands are as wide as the seed spread (a chaotic
 * trajectory): what catches a change there is the check of the means over seeds (seed-level.ts).
 * At the sweep's full 2,000 steps (oneDNN 2 threads against OpenBLAS Haswell 1 thread,
 * measurements/numerics/spreads-2000.json and the Haswell check of the committed baseline) Adam's
 * runs moved further: inter_intra_ratio by 20.2% and final_loss by 118%, so by the same rule
 * those two bands are 0.31 and 1.8; every other band held at 2,000 steps.
 */
/** Adam's bands are the same in both classes: as wide as the seed spread already. */
const adamBands: Readonly<Record<string, Tolerance>> = {
  nn_accuracy: { absolute: 0.1 },
  precision_at_1: { absolute: 0.1 },
  map_at_r: { absolute: 0.098 },
  silhouette: { absolute: 0.11 },
  roc_auc: { absolute: 0.058 },
  inter_intra_ratio: { relative: 0.31 },
  final_loss: { relative: 1.8 },
  anisotropy: { relative: 0.61 },
};

export const defaultBands: Readonly<Record<BandClass, BandTable>> = {
  same_backend: {
    sgd: {
      nn_accuracy: { absolute: 0.021 },
      precision_at_1: { absolute: 0.021 },
      map_at_r: { absolute: 0.0022 },
      silhouette: { absolute: 0.0023 },
      roc_auc: { absolute: 0.0061 },
      inter_intra_ratio: { relative: 0.021 },
      final_loss: { relative: 0.075 },
      anisotropy: { relative: 0.24 },
    },
    adam: adamBands,
  },
  different_backend: {
    sgd: {
      nn_accuracy: { absolute: 0.021 },
      precision_at_1: { absolute: 0.021 },
      map_at_r: { absolute: 0.006 },
      silhouette: { absolute: 0.006 },
      roc_auc: { absolute: 0.0061 },
      inter_intra_ratio: { relative: 0.021 },
      final_loss: { relative: 0.075 },
      anisotropy: { relative: 0.24 },
    },
    adam: adamBands,
  },
};

/** For a metric the bands do not know: a tight relative band, so a new metric is still checked. */
export const fallbackTolerance: Tolerance = { relative: 0.01 };

/** The band of one metric: exact for event counts, else the optimizer's (or the fallback optimizer's) entry. */
export function bandFor(table: BandTable, optimizer: string, metric: string): { tolerance: Tolerance; optimizer: string } {
  if (exactMetrics.includes(metric)) return { tolerance: { absolute: 0 }, optimizer };
  if (metric in settingsMetrics) return { tolerance: settingsMetrics[metric], optimizer };
  const own = table[optimizer];
  const chosen = own ? optimizer : fallbackBandOptimizer;
  return { tolerance: table[chosen]?.[metric] ?? fallbackTolerance, optimizer: chosen };
}

/** The closed interval a value must lie in to pass. */
export function allowedBand(baseline: number, tolerance: Tolerance): [number, number] {
  const halfWidth = Math.max(tolerance.absolute ?? 0, (tolerance.relative ?? 0) * Math.abs(baseline));
  return [baseline - halfWidth, baseline + halfWidth];
}
