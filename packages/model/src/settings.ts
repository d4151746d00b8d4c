import { z } from 'zod';
import { positiveNumber, positiveWholeNumber } from '@siamese-lab/core';
import { activations, towerKinds } from './tower-kinds.ts';
import type { TowerSpec } from './towers.ts';

/** Tower defaults per kind: the seed's MLP, and a small LeNet-style CNN. */
const mlpDefaults = { hidden: [1024, 1024], init_stddev: 0.01 };
const cnnDefaults = { channels: [8, 16], kernel_size: 5, hidden: [64] };

const embeddingDim = (what: string) => positiveWholeNumber(what).max(1024);

/**
 * One sister. A single object schema for both kinds (not a union) keeps every key a plain dotted
 * path for sweeps and did-you-mean; the transform then fills the defaults of the chosen kind.
 */
export const towerSettingsSchema = z
  .strictObject({
    kind: z.enum(towerKinds).default('mlp'),
    /** Dense layers before the embedding (mlp: [1024, 1024]; cnn, after the convolutions: [64]). */
    hidden: z.array(positiveWholeNumber('a hidden layer size')).max(16).optional(),
    activation: z.enum(activations).default('relu'),
    /** mlp: 0.01 (the seed); cnn: He scaling sqrt(2 / fan_in) per layer when absent. */
    init_stddev: positiveNumber('init_stddev').optional(),
    bias_init: z.number().default(0.01),
    /** Pins this tower's output size; it must equal model.embedding_dim. */
    embedding_dim: embeddingDim('embedding_dim').optional(),
    /** cnn only: output channels of each conv 5x5 → activation → 2x2 max-pool stage. */
    channels: z.array(positiveWholeNumber('a channel count')).min(1).max(4).optional(),
    /** cnn only: the (odd) side of every convolution kernel. */
    kernel_size: positiveWholeNumber('kernel_size')
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

/** The model settings (an experiment file's `model` section) with their defaults: the seed's shared MLP. */
export const modelSettingsSchema = z
  .strictObject({
    share_weights: z.boolean().default(true),
    embedding_dim: embeddingDim('embedding_dim').default(2),
    tower_a: towerSettingsSchema.prefault({}),
    /** Only with share_weights: false; defaults to tower_a's architecture (own weights). null: none. */
    tower_b: towerSettingsSchema.nullable().optional(),
  })
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
  });
