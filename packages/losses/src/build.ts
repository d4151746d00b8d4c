import { fusedContrastiveLoss, fusedContrastiveLossStacked } from '@siamese-lab/backend';
import { cosineDistance, euclideanDistance, type Distance } from './distances.ts';
import { meanOverNonZeroReducer, meanReducer, sumReducer, type Reducer } from './reducers.ts';
import { contrastiveLoss, squaredMarginContrastiveLoss, type PairLoss } from './contrastive.ts';
import type { BatchLoss } from './batch-loss.ts';
import { contrastiveAllPairsLoss } from './contrastive-all-pairs.ts';
import { tripletMarginLoss } from './triplet.ts';
import { multiSimilarityLoss } from './multi-similarity.ts';
import { ntXentLoss } from './nt-xent.ts';
import { proxyAnchorLoss } from './proxy-anchor.ts';
import { batchHardTripletMiner } from './batch-hard-miner.ts';
import { semiHardTripletMiner } from './semi-hard-miner.ts';
import { multiSimilarityMiner } from './multi-similarity-miner.ts';
import { cosineSimilarity } from './pairwise.ts';
import { isBatchLossKind, type LossSpec, type PairLossSpec } from './settings.ts';

/**
 * The distance a loss of this spec compares embeddings with (the runner logs pair distances with
 * it too). Kinds without a `distance` field compare by cosine similarity: cosine distance.
 */
export function buildDistance(spec: { distance?: 'euclidean' | 'cosine'; epsilon: number }): Distance {
  return (spec.distance ?? 'cosine') === 'cosine'
    ? cosineDistance({ epsilon: spec.epsilon })
    : euclideanDistance({ epsilon: spec.epsilon });
}

function buildReducer(name: PairLossSpec['reducer']): Reducer {
  return name === 'sum' ? sumReducer() : name === 'mean_non_zero' ? meanOverNonZeroReducer() : meanReducer();
}

/** The loss of validated settings (`lossSettingsSchema`'s output) of a pair kind; a batch kind throws (see `buildBatchLoss`). */
export function buildPairLoss(spec: LossSpec): PairLoss {
  if (isBatchLossKind(spec.kind)) {
    throw new Error(`loss kind ${spec.kind} is a batch loss (embeddings and class labels, not pairs): build it with buildBatchLoss`);
  }
  const pair = spec as PairLossSpec;
  const distance = buildDistance(pair);
  const reducer = buildReducer(pair.reducer);
  const build = pair.kind === 'squared_margin' ? squaredMarginContrastiveLoss : contrastiveLoss;
  const composable = build({ margin: pair.margin, distance, reducer });
  if (pair.kind !== 'contrastive' || pair.distance !== 'euclidean' || pair.reducer === 'mean_non_zero') return composable;
  // The seed's loss: one native call for the loss and one for its gradient where the backend has
  // them (blas), the same graph as above everywhere else.
  const fused = { margin: pair.margin, epsilon: pair.epsilon, reducer: pair.reducer };
  const loss: PairLoss = (left, right, similar) => fusedContrastiveLoss(left, right, similar, fused) ?? composable(left, right, similar);
  loss.stacked = (stacked, similar) => fusedContrastiveLossStacked(stacked, similar, fused);
  return loss;
}

export interface BatchLossContext {
  /** Classes of the training set (the proxies of proxy_anchor, one per class). */
  numClasses: number;
  /** Width of the embeddings (the proxies' width). */
  embeddingSize: number;
  /** Seeds the loss's own parameters (the proxies). */
  seed: number;
}

/**
 * The batch loss of validated settings (`lossSettingsSchema`'s output), with the distance,
 * reducer, normalisation and miner the spec names. Pair kinds (`contrastive`, `squared_margin`)
 * return undefined: they are built by `buildPairLoss`. A proxy_anchor loss owns its proxies
 * (`variables`), created here.
 */
export function buildBatchLoss(spec: LossSpec, context: BatchLossContext): BatchLoss | undefined {
  const { epsilon } = spec;
  const normalize = { epsilon };
  const similarity = cosineSimilarity({ epsilon });
  switch (spec.kind) {
    case 'contrastive':
    case 'squared_margin':
      return undefined;
    case 'contrastive_all_pairs':
      return contrastiveAllPairsLoss({
        posMargin: spec.pos_margin,
        negMargin: spec.neg_margin,
        distance: buildDistance(spec),
        reducer: buildReducer(spec.reducer),
        normalize: spec.normalize ? normalize : undefined,
        miner: spec.miner === 'multi_similarity' ? multiSimilarityMiner({ epsilon: spec.miner_epsilon, similarity }) : undefined,
      });
    case 'triplet': {
      const distance = buildDistance(spec);
      const minerOptions = { distance, normalize: spec.normalize ? normalize : undefined };
      return tripletMarginLoss({
        margin: spec.margin,
        distance,
        reducer: buildReducer(spec.reducer),
        normalize: minerOptions.normalize,
        miner:
          spec.miner === 'batch_hard'
            ? batchHardTripletMiner(minerOptions)
            : spec.miner === 'semi_hard'
              ? semiHardTripletMiner({ ...minerOptions, margin: spec.margin })
              : undefined,
      });
    }
    case 'multi_similarity':
      return multiSimilarityLoss({
        alpha: spec.alpha,
        beta: spec.beta,
        base: spec.base,
        similarity,
        miner: spec.miner === 'multi_similarity' ? multiSimilarityMiner({ epsilon: spec.miner_epsilon, similarity }) : undefined,
      });
    case 'nt_xent':
      return ntXentLoss({ temperature: spec.temperature, similarity });
    case 'proxy_anchor':
      return proxyAnchorLoss({ ...context, margin: spec.margin, alpha: spec.alpha, similarity });
  }
}
