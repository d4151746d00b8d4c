import { z } from 'zod';
import { positiveNumber, positiveWholeNumber } from '@siamese-lab/core';
import { backendSettingSchema } from '@siamese-lab/backend';
import { dataSettingsSchema, isBatchSamplerKind, samplerSettingsSchema } from '@siamese-lab/data';
import { modelSettingsSchema } from '@siamese-lab/model';
import { batchLossKinds, isBatchLossKind, lossSettingsSchema } from '@siamese-lab/losses';
import { claimsSchema, tuningSchema } from './claim-schema.ts';
import { searchSchema } from '@siamese-lab/search';

export const optimizerNames = ['sgd', 'momentum', 'adam', 'adamax', 'rmsprop', 'adagrad', 'adadelta'] as const;
export const nanPolicies = ['stop', 'continue', 'skip_step'] as const;
export const scheduleKinds = ['constant', 'step', 'cosine'] as const;

const schedule = z.strictObject({
  kind: z.enum(scheduleKinds).default('constant'),
  /** step: multiply the rate by `gamma` every `step_size` steps. */
  step_size: positiveWholeNumber('step_size').default(1000),
  gamma: positiveNumber('gamma').default(0.1),
  /** cosine: decay from learning_rate to min_learning_rate over the run. */
  min_learning_rate: z.number().min(0).default(0),
});

/**
 * The schema of one run's parameters, exactly as an experiment file writes them under `base`
 * (snake_case keys are kept everywhere: in the file, the database, the report). Every field
 * has a default, so `base: {}` is the seed's configuration. The component sections (backend,
 * data, sampler, model, loss) are their packages' own schemas: each default is written there,
 * once; `.prefault({})` fills a missing section by parsing an empty one.
 */
export const runSpecSchema = z
  .strictObject({
    seed: z.number().int('seed must be a whole number').min(0, 'seed must be 0 or more').default(1),
    backend: backendSettingSchema,
    data: dataSettingsSchema.prefault({}),
    sampler: samplerSettingsSchema.prefault({}),
    model: modelSettingsSchema.prefault({}),
    loss: lossSettingsSchema.prefault({}),
    optimizer: z
      .strictObject({
        name: z.enum(optimizerNames).default('sgd'),
        learning_rate: positiveNumber('learning_rate').default(0.01),
        momentum: z.number().min(0).max(1).optional(),
        use_nesterov: z.boolean().optional(),
        beta1: z.number().min(0).lt(1).optional(),
        beta2: z.number().min(0).lt(1).optional(),
        epsilon: positiveNumber('optimizer epsilon').optional(),
        rho: z.number().min(0).lt(1).optional(),
        decay: z.number().min(0).optional(),
        initial_accumulator_value: z.number().gt(0).optional(),
        schedule: schedule.optional(),
      })
      .prefault({}),
    training: z
      .strictObject({
        steps: positiveWholeNumber('steps').max(10_000_000).default(1000),
        /** Record loss and pair distances every k steps. */
        log_every: positiveWholeNumber('log_every').default(10),
        /** What a non-finite loss or gradient does: end the run as `nan`, apply it anyway, or skip the update. */
        on_nan: z.enum(nanPolicies).default('stop'),
      })
      .prefault({}),
    evaluation: z
      .strictObject({
        /** Test images embedded and scored (the whole MNIST test set is 10,000). */
        test_limit: positiveWholeNumber('test_limit').default(10_000),
        /** Held-out test pairs for the verification ROC-AUC. */
        verification_pairs: positiveWholeNumber('verification_pairs').default(2000),
        store_embeddings: z.boolean().default(true),
        store_checkpoint: z.boolean().default(true),
        /**
         * Also score the first N validation images (held out of training by data.validation_size),
         * recorded as `validation_<metric>`: what tuning and search choose by, never the test set.
         * Absent (the default): no validation scores, and the config hashes of older files stay.
         */
        validation_limit: positiveWholeNumber('validation_limit').optional(),
      })
      .prefault({}),
  })
  .superRefine((run, context) => {
    // Batch losses form their own pairs from labelled batches; pair losses take the pair samplers' pairs.
    const batchLoss = isBatchLossKind(run.loss.kind);
    if (batchLoss !== isBatchSamplerKind(run.sampler.kind)) {
      context.addIssue({
        code: 'custom',
        path: ['sampler', 'kind'],
        message: batchLoss
          ? `loss kind ${run.loss.kind} forms its own pairs from a batch of labelled items: it needs sampler.kind class_balanced, not ${run.sampler.kind}`
          : `sampler ${run.sampler.kind} gives labelled batches, for the batch losses (${batchLossKinds.join(', ')}); loss kind ${run.loss.kind} takes pairs: epoch, with_replacement or balanced`,
      });
    }
    if (batchLoss && !run.model.share_weights) {
      context.addIssue({
        code: 'custom',
        path: ['model', 'share_weights'],
        message: `loss kind ${run.loss.kind} embeds every item of a batch with one sister: it needs model.share_weights true`,
      });
    }
    if (batchLoss && run.data.right) {
      context.addIssue({
        code: 'custom',
        path: ['data', 'right'],
        message: `loss kind ${run.loss.kind} compares items of one source: data.right (a second source) applies to the pair losses`,
      });
    }
  });

export type RunSpec = z.infer<typeof runSpecSchema>;

export const experimentNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** A sweep value list: explicit values, or a range. */
const sweepValues = z.union([
  z.array(z.unknown()).min(1, 'a sweep needs at least one value'),
  z
    .strictObject({ from: z.number(), to: z.number(), step: z.number().refine((v) => v !== 0, 'step must not be 0') })
    .superRefine((range, context) => {
      // `from: 5, to: 1, step: 1` would plan no runs at all, and write an empty report.
      if ((range.to - range.from) / range.step >= 0) return;
      const direction = range.to < range.from ? 'a negative step' : 'a positive step';
      context.addIssue({
        code: 'custom',
        path: ['step'],
        message: `the range from ${range.from} to ${range.to} with step ${range.step} holds no values: it needs ${direction}`,
      });
    }),
  z
    .strictObject({
      from: z.number(),
      to: z.number(),
      count: positiveWholeNumber('count'),
      scale: z.enum(['linear', 'log']).default('linear'),
    })
    .superRefine((range, context) => {
      if (range.scale !== 'log') return;
      const bad = range.from > 0 ? (range.to > 0 ? undefined : 'to') : 'from';
      if (bad)
        context.addIssue({
          code: 'custom',
          path: [bad],
          message: `a log-scale range needs from and to greater than 0 (there is no logarithm of ${range[bad]})`,
        });
    }),
]);

export const experimentFileSchema = z.strictObject({
  name: z
    .string({ error: 'name is required: a short identifier such as optimizer-sweep' })
    .regex(experimentNamePattern, 'name may hold letters, digits, ".", "_" and "-" only (it becomes a folder name under results/)'),
  description: z.string().default(''),
  extends: z.string().optional(),
  base: z.record(z.string(), z.unknown()).default({}),
  sweep: z
    .strictObject({
      grid: z.record(z.string(), sweepValues).optional(),
      zip: z.record(z.string(), sweepValues).optional(),
      seeds: z.union([z.array(z.number().int().min(0)).min(1, 'seeds needs at least one value'), positiveWholeNumber('seeds')]).optional(),
    })
    .optional(),
  /** Default cap on the number of runs; larger sweeps need --yes. */
  max_runs: positiveWholeNumber('max_runs').optional(),
  /** What the experiment should show, checked by lab check (spec/claims.ts). */
  claims: claimsSchema.optional(),
  /** Which settings claims and the tuned ranking keep: the best by a validation metric per group (spec/tuning.ts). */
  tuning: tuningSchema.optional(),
  /** A hyper-parameter search instead of a sweep: its trials are the runs (spec/search.ts). */
  search: searchSchema.optional(),
});

export type ExperimentFile = z.infer<typeof experimentFileSchema>;
