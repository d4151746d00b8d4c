import { fusedContrastiveLoss, fusedContrastiveLossStacked } from '@siamese-lab/backend';
import { cosineDistance, euclideanDistance, type Distance } from './distances.ts';
import { meanOverNonZeroReducer, meanReducer, sumReducer, type Reducer } from './reducers.ts';
import { contrastiveLoss, squaredMarginContrastiveLoss, type PairLoss } from './contrastive.ts';
import type { LossSpec } from './settings.ts';

/** The distance a loss of this spec compares embeddings with (the runner logs pair distances with it too). */
export function buildDistance(spec: Pick<LossSpec, 'distance' | 'epsilon'>): Distance {
  return spec.distance === 'cosine' ? cosineDistance({ epsilon: spec.epsilon }) : euclideanDistance({ epsilon: spec.epsilon });
}

/** The loss of validated settings (`lossSettingsSchema`'s output). */
export function buildPairLoss(spec: LossSpec): PairLoss {
  const distance = buildDistance(spec);
  const reducer: Reducer =
    spec.reducer === 'sum' ? sumReducer() : spec.reducer === 'mean_non_zero' ? meanOverNonZeroReducer() : meanReducer();
  const build = spec.kind === 'squared_margin' ? squaredMarginContrastiveLoss : contrastiveLoss;
  const composable = build({ margin: spec.margin, distance, reducer });
  if (spec.kind !== 'contrastive' || spec.distance !== 'euclidean' || spec.reducer === 'mean_non_zero') return composable;
  // The seed's loss: one native call for the loss and one for its gradient where the backend has
  // them (blas), the same graph as above everywhere else.
  const fused = { margin: spec.margin, epsilon: spec.epsilon, reducer: spec.reducer };
  const loss: PairLoss = (left, right, similar) => fusedContrastiveLoss(left, right, similar, fused) ?? composable(left, right, similar);
  loss.stacked = (stacked, similar) => fusedContrastiveLossStacked(stacked, similar, fused);
  return loss;
}
