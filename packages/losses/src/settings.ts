import { z } from 'zod';
import { positiveNumber } from '@siamese-lab/core';

export const lossKinds = ['contrastive', 'squared_margin'] as const;
export const distanceKinds = ['euclidean', 'cosine'] as const;
export const reducerKinds = ['mean', 'sum', 'mean_non_zero'] as const;

/**
 * The loss settings (an experiment file's `loss` section) with their defaults: the seed's loss
 * but for `epsilon` (`epsilon: 0` with euclidean is the seed's exact loss).
 */
export const lossSettingsSchema = z.strictObject({
  kind: z.enum(lossKinds).default('contrastive'),
  distance: z.enum(distanceKinds).default('euclidean'),
  margin: positiveNumber('margin').default(5),
  epsilon: z.number({ error: 'epsilon must be a number' }).min(0, 'epsilon must be 0 or more').default(1e-6),
  reducer: z.enum(reducerKinds).default('mean'),
});

export type LossSpec = z.infer<typeof lossSettingsSchema>;
