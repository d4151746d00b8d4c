export { euclideanDistance, cosineDistance, type Distance, type PairDistances } from './distances.ts';
export { meanReducer, sumReducer, meanOverNonZeroReducer, type Reducer } from './reducers.ts';
export { contrastiveLoss, squaredMarginContrastiveLoss, lossOfStacked, type PairLoss, type ContrastiveLossOptions } from './contrastive.ts';
export { buildPairLoss, buildDistance } from './build.ts';
export { lossSettingsSchema, type LossSpec } from './settings.ts';
export { withoutGradient } from './no-gradient.ts';
