/**
 * The shape of a `claims:` entry as an experiment file writes it. Its own module so that the file
 * schema (schema.ts) can hold it without importing the claims' planning (claims.ts), which needs
 * the planned runs and so sits above the schema.
 */
import { z } from 'zod';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const claimSchema = z.strictObject({
  /** A metric the runs record (nn_accuracy, anisotropy, ...), or nan_runs: the share of runs that ended as NaN. */
  metric: z.string().regex(/^[a-z][a-z0-9_]*$/, 'metric is a metric name such as anisotropy, nn_accuracy or nan_runs'),
  /** The swept parameter whose values are compared, e.g. optimizer.name. */
  by: z.string().min(1).optional(),
  /** "adam > sgd" (values of `by`), or "> 0.3" (a number, without `by`). */
  expect: z.string({ error: 'expect is the claim, e.g. "adam > sgd" or "> 0.3"' }),
  /** Only the runs with these parameter values, e.g. { model.share_weights: false }. */
  where: z.record(z.string(), scalar).optional(),
  /** Pool the runs over the other swept parameters instead of requiring the claim at each of their settings. */
  pool: z.boolean().optional(),
  /** The confidence level of this claim (default: lab check's, 0.95). */
  confidence: z.number().gt(0.5, 'confidence is a level such as 0.95').lt(1, 'confidence is a level such as 0.95').optional(),
  /**
   * The verdict the claim was measured to have when the file was written (default: holds). A
   * claim that failed when measured properly is a finding: shipped with `verdict: fails`, lab check
   * passes while it still fails, and exits 1 when the verdict changes.
   */
  verdict: z.enum(['holds', 'fails'], { error: 'verdict is holds or fails: the verdict the claim was measured to have' }).optional(),
});

export const claimsSchema = z.array(claimSchema);
export type ClaimEntry = z.infer<typeof claimSchema>;

/**
 * `tuning:` of an experiment file: in each group of runs sharing the `per` parameters' values,
 * the setting of the other parameters with the best mean validation metric is kept; claims and the
 * report's tuned ranking use only those runs (see @siamese-lab/stats' selectTuned).
 */
export const tuningSchema = z.strictObject({
  /** A validation metric (validation_<metric>, recorded with evaluation.validation_limit): never a test metric. */
  metric: z.string().regex(/^[a-z][a-z0-9_]*$/, 'metric is a metric name such as validation_map_at_r'),
  direction: z.enum(['maximize', 'minimize'], { error: 'direction is maximize or minimize' }).default('maximize'),
  /** The parameters that make a group, e.g. [data.dataset, loss.kind]; everything else but the seed is tuned within it. */
  per: z.array(z.string().min(1)).min(1, 'per needs at least one parameter, e.g. [loss.kind]'),
  /** The test metric the report ranks the chosen settings by (default: the metric without its validation_ prefix). */
  report: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'report is a metric name such as map_at_r')
    .optional(),
});
export type TuningEntry = z.infer<typeof tuningSchema>;
