import { z } from 'zod';
import { positiveNumber } from '@siamese-lab/core';

/** The seed's kinds: a loss over a batch of labelled pairs (`buildPairLoss`). */
export const pairLossKinds = ['contrastive', 'squared_margin'] as const;
/** Losses over a batch of labelled embeddings, forming their own pairs, triplets or proxy terms (`buildBatchLoss`). */
export const batchLossKinds = ['contrastive_all_pairs', 'triplet', 'multi_similarity', 'nt_xent', 'proxy_anchor'] as const;
export const lossKinds = [...pairLossKinds, ...batchLossKinds] as const;
export const distanceKinds = ['euclidean', 'cosine'] as const;
export const reducerKinds = ['mean', 'sum', 'mean_non_zero'] as const;
export const minerKinds = ['none', 'batch_hard', 'semi_hard', 'multi_similarity'] as const;

export type PairLossKind = (typeof pairLossKinds)[number];
export type BatchLossKind = (typeof batchLossKinds)[number];
export type LossKind = (typeof lossKinds)[number];
type DistanceKind = (typeof distanceKinds)[number];
type ReducerKind = (typeof reducerKinds)[number];
export type MinerKind = (typeof minerKinds)[number];

export function isBatchLossKind(kind: string): kind is BatchLossKind {
  return (batchLossKinds as readonly string[]).includes(kind);
}

/** The seed's losses: exactly the fields and defaults they always had (their config hashes depend on it). */
export interface PairLossSpec {
  kind: PairLossKind;
  distance: DistanceKind;
  margin: number;
  epsilon: number;
  reducer: ReducerKind;
}
/**
 * The batch kinds declare the seed's fields they do not have as absent (`?: undefined`), so code
 * written for the seed's kinds that reads `loss.margin` of any spec still typechecks (and reads
 * undefined for these kinds) instead of failing on the union.
 */
export interface ContrastiveAllPairsSpec {
  kind: 'contrastive_all_pairs';
  margin?: undefined;
  distance: DistanceKind;
  pos_margin: number;
  neg_margin: number;
  normalize: boolean;
  miner: 'none' | 'multi_similarity';
  /** Only with miner multi_similarity. */
  miner_epsilon?: number;
  reducer: ReducerKind;
  epsilon: number;
}
export interface TripletSpec {
  kind: 'triplet';
  distance: DistanceKind;
  margin: number;
  normalize: boolean;
  miner: 'none' | 'batch_hard' | 'semi_hard';
  reducer: ReducerKind;
  epsilon: number;
}
export interface MultiSimilaritySpec {
  kind: 'multi_similarity';
  distance?: undefined;
  margin?: undefined;
  reducer?: undefined;
  alpha: number;
  beta: number;
  base: number;
  miner: 'none' | 'multi_similarity';
  /** Only with miner multi_similarity. */
  miner_epsilon?: number;
  epsilon: number;
}
export interface NtXentSpec {
  kind: 'nt_xent';
  distance?: undefined;
  margin?: undefined;
  reducer?: undefined;
  temperature: number;
  epsilon: number;
}
export interface ProxyAnchorSpec {
  kind: 'proxy_anchor';
  distance?: undefined;
  reducer?: undefined;
  margin: number;
  alpha: number;
  epsilon: number;
}
export type BatchLossSpec = ContrastiveAllPairsSpec | TripletSpec | MultiSimilaritySpec | NtXentSpec | ProxyAnchorSpec;
export type LossSpec = PairLossSpec | BatchLossSpec;

/**
 * Each kind's fields, in the order a parsed spec lists them, with their defaults
 * (pytorch-metric-learning's for the losses it has). `epsilon` (default 1e-6) is every kind's.
 */
const kindFields: Record<LossKind, Record<string, unknown>> = {
  contrastive: { distance: 'euclidean', margin: 5, epsilon: undefined, reducer: 'mean' },
  squared_margin: { distance: 'euclidean', margin: 5, epsilon: undefined, reducer: 'mean' },
  contrastive_all_pairs: {
    distance: 'euclidean',
    pos_margin: 0,
    neg_margin: 1,
    normalize: true,
    miner: 'none',
    reducer: 'mean_non_zero',
    epsilon: undefined,
  },
  triplet: { distance: 'euclidean', margin: 0.05, normalize: true, miner: 'none', reducer: 'mean_non_zero', epsilon: undefined },
  multi_similarity: { alpha: 2, beta: 50, base: 0.5, miner: 'none', epsilon: undefined },
  nt_xent: { temperature: 0.07, epsilon: undefined },
  proxy_anchor: { margin: 0.1, alpha: 32, epsilon: undefined },
};

/** The miners each kind can take (`none` for all of them). */
const kindMiners: Partial<Record<LossKind, readonly MinerKind[]>> = {
  contrastive_all_pairs: ['none', 'multi_similarity'],
  triplet: ['none', 'batch_hard', 'semi_hard'],
  multi_similarity: ['none', 'multi_similarity'],
};

const MINER_EPSILON_DEFAULT = 0.1;

/**
 * The loss settings (an experiment file's `loss` section) with their defaults: the seed's loss
 * but for `epsilon` (`epsilon: 0` with euclidean is the seed's exact loss). Each kind takes its
 * own fields (`kindFields`); a field of another kind is refused at that field. Only `kind` and
 * `epsilon` have schema defaults: the others are filled per kind after validation, so a spec of
 * the seed's kinds parses to the same object (same keys, same values) as before the batch losses
 * came, and its config hash stays.
 */
export const lossSettingsSchema = z
  .strictObject({
    kind: z.enum(lossKinds).default('contrastive'),
    distance: z.enum(distanceKinds).optional(),
    margin: positiveNumber('margin').optional(),
    epsilon: z.number({ error: 'epsilon must be a number' }).min(0, 'epsilon must be 0 or more').default(1e-6),
    reducer: z.enum(reducerKinds).optional(),
    /** contrastive_all_pairs: positive pairs closer than this cost nothing. */
    pos_margin: z.number({ error: 'pos_margin must be a number' }).min(0, 'pos_margin must be 0 or more').optional(),
    /** contrastive_all_pairs: negative pairs farther than this cost nothing. */
    neg_margin: positiveNumber('neg_margin').optional(),
    /** contrastive_all_pairs, triplet: distances between unit-length embeddings. */
    normalize: z.boolean({ error: 'normalize must be true or false' }).optional(),
    miner: z.enum(minerKinds).optional(),
    /** The multi-similarity miner's ε. */
    miner_epsilon: z.number({ error: 'miner_epsilon must be a number' }).min(0, 'miner_epsilon must be 0 or more').optional(),
    /** multi_similarity: weight of positive pairs; proxy_anchor: the scale α. */
    alpha: positiveNumber('alpha').optional(),
    /** multi_similarity: weight of negative pairs. */
    beta: positiveNumber('beta').optional(),
    /** multi_similarity: the similarity λ pairs are measured against. */
    base: z.number({ error: 'base must be a number' }).optional(),
    /** nt_xent: τ. */
    temperature: positiveNumber('temperature').optional(),
  })
  .superRefine((spec, context) => {
    const fields = kindFields[spec.kind];
    for (const [key, value] of Object.entries(spec)) {
      if (value === undefined || key === 'kind' || key === 'epsilon' || key === 'miner_epsilon' || key in fields) continue;
      const owners = lossKinds.filter((kind) => key in kindFields[kind]);
      context.addIssue({
        code: 'custom',
        path: [key],
        message: `\`${key}\` does not apply to loss kind ${spec.kind} (it belongs to ${owners.join(', ')})`,
      });
    }
    const miners = kindMiners[spec.kind];
    if (spec.miner !== undefined && miners && !miners.includes(spec.miner)) {
      context.addIssue({
        code: 'custom',
        path: ['miner'],
        message: `miner ${spec.miner} does not apply to loss kind ${spec.kind}; expected one of: ${miners.join(', ')}`,
      });
    }
    if (spec.miner_epsilon !== undefined && spec.miner !== 'multi_similarity') {
      context.addIssue({
        code: 'custom',
        path: ['miner_epsilon'],
        message: `\`miner_epsilon\` applies to miner multi_similarity, not ${spec.miner ?? 'none'}`,
      });
    }
    if (isBatchLossKind(spec.kind) && spec.epsilon === 0) {
      context.addIssue({
        code: 'custom',
        path: ['epsilon'],
        message: `epsilon must be greater than 0 for loss kind ${spec.kind}: it keeps the gradients of zero distances and zero-norm embeddings finite`,
      });
    }
    if (spec.kind === 'contrastive_all_pairs' && !((spec.neg_margin ?? 1) > (spec.pos_margin ?? 0))) {
      context.addIssue({
        code: 'custom',
        path: [spec.neg_margin === undefined ? 'pos_margin' : 'neg_margin'],
        message: `neg_margin (${spec.neg_margin ?? 1}) must be greater than pos_margin (${spec.pos_margin ?? 0})`,
      });
    }
  })
  .transform((spec): LossSpec => {
    const given = spec as Record<string, unknown>;
    const out: Record<string, unknown> = { kind: spec.kind };
    for (const [key, fallback] of Object.entries(kindFields[spec.kind])) out[key] = given[key] ?? fallback;
    if (spec.miner === 'multi_similarity') out.miner_epsilon = spec.miner_epsilon ?? MINER_EPSILON_DEFAULT;
    return out as unknown as LossSpec;
  });
