export { hasNonFinite, countNonFinite, type EmbeddingValues, type LabelValues, type MetricOptions } from './validate.ts';
export { pairDistances } from './distance.ts';
export { detectCollapse, COLLAPSE_RELATIVE_VARIANCE, type CollapseReport } from './collapse.ts';
export { nearestNeighbourAccuracy, nearestOtherIndices } from './neighbours.ts';
export {
  retrievalScores,
  precisionAtOne,
  meanAveragePrecisionAtR,
  crossDomainRetrieval,
  type RetrievalScores,
  type CrossDomainRetrieval,
} from './retrieval.ts';
export { subsampleRows, DEFAULT_MAX_POINTS, type SubsampleOptions } from './subsample.ts';
export { silhouetteScore } from './silhouette.ts';
export { interIntraDistanceRatio } from './distance-ratio.ts';
export { verificationRocAuc } from './roc.ts';
export { symmetricEigenvalues, symmetricEigenvalues2x2 } from './eigen.ts';
export { classShapes, anisotropy, type ClassShape } from './shapes.ts';
export {
  evaluateEmbedding,
  METRIC_NAMES,
  type MetricName,
  type MetricRecord,
  type EvaluateEmbeddingInput,
  type EmbeddingEvaluation,
} from './evaluate.ts';
