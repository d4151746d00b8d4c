export { type EmbeddingValues, type LabelValues, type MetricOptions } from './validate.ts';
export { pairDistances } from './distance.ts';
export {
  meanAveragePrecisionAtR,
  crossDomainRetrieval,
  retrievalScores,
  type CrossDomainRetrieval,
  type RetrievalOptions,
} from './retrieval.ts';
export { verificationRocAuc } from './roc.ts';
export { classShapes, anisotropy, type ClassShape } from './shapes.ts';
export {
  evaluateEmbedding,
  type MetricName,
  type MetricRecord,
  type EvaluateEmbeddingInput,
  type EmbeddingEvaluation,
} from './evaluate.ts';
