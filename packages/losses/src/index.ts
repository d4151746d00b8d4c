export { euclideanDistance, cosineDistance, type Distance, type PairDistances } from './distances.ts';
export { meanReducer, sumReducer, meanOverNonZeroReducer, type Reducer } from './reducers.ts';
export { contrastiveLoss, squaredMarginContrastiveLoss, lossOfStacked, type PairLoss, type ContrastiveLossOptions } from './contrastive.ts';
export { buildPairLoss, buildDistance, buildBatchLoss, type BatchLossContext } from './build.ts';
export {
  lossSettingsSchema,
  isBatchLossKind,
  batchLossKinds,
  type LossSpec,
  type PairLossSpec,
  type BatchLossSpec,
  type ContrastiveAllPairsSpec,
  type TripletSpec,
  type MultiSimilaritySpec,
  type NtXentSpec,
  type ProxyAnchorSpec,
  type LossKind,
  type PairLossKind,
  type BatchLossKind,
  type MinerKind,
} from './settings.ts';
export { withoutGradient } from './no-gradient.ts';
export { labelPairMasks, allTripletsMask, type BatchLoss, type PairMasks, type PairMiner, type TripletMiner } from './batch-loss.ts';
export { pairwiseDistances, l2Normalize, cosineSimilarity, maskedLogSumExp, type DistanceMatrix, type Similarity } from './pairwise.ts';
export { contrastiveAllPairsLoss, type ContrastiveAllPairsOptions } from './contrastive-all-pairs.ts';
export { tripletMarginLoss, type TripletMarginOptions } from './triplet.ts';
export { multiSimilarityLoss, type MultiSimilarityOptions } from './multi-similarity.ts';
export { ntXentLoss, type NtXentOptions } from './nt-xent.ts';
export { proxyAnchorLoss, seededProxies, type ProxyAnchorOptions } from './proxy-anchor.ts';
export { batchHardTripletMiner, type DistanceMinerOptions } from './batch-hard-miner.ts';
export { semiHardTripletMiner } from './semi-hard-miner.ts';
export { multiSimilarityMiner, type MultiSimilarityMinerOptions } from './multi-similarity-miner.ts';
