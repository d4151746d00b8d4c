import { LabError, type QueryRanking } from '@siamese-lab/core';
import { embeddingMetricNames, type EmbeddingMetricName } from '@siamese-lab/run-record';
import { detectCollapse } from './collapse.ts';
import { interIntraDistanceRatio } from './distance-ratio.ts';
import { nearestNeighbourAccuracy } from './neighbours.ts';
import { retrievalScores } from './retrieval.ts';
import { verificationRocAuc } from './roc.ts';
import { anisotropy, classShapes, degenerateClassCount, type ClassShape } from './shapes.ts';
import { silhouetteScore } from './silhouette.ts';
import { DEFAULT_MAX_POINTS } from './subsample.ts';
import { hasNonFinite, labelledRowCount, nonFiniteNote, type EmbeddingValues, type LabelValues } from './validate.ts';

/** The metric names of an evaluation, in snake_case: they are column / metric names in the results database. */
export const METRIC_NAMES = embeddingMetricNames;
export type MetricName = EmbeddingMetricName;

/**
 * One flat record of an embedding's metrics; null = undefined for this embedding (see `warnings`).
 * - nn_accuracy: `nearestNeighbourAccuracy`
 * - precision_at_1, map_at_r: `retrievalScores` with query set = reference set
 * - silhouette: `silhouetteScore`; inter_intra_ratio: `interIntraDistanceRatio` (seeded subsample)
 * - roc_auc: `verificationRocAuc` of the given pairs (null when no pairs were given)
 * - anisotropy: `anisotropy(classShapes)`; degenerate_classes: `degenerateClassCount(classShapes)`,
 *   the classes lying on a line (counted as unbounded in anisotropy's median)
 * - collapsed: 1 if `detectCollapse` says so, else 0 (null when the embedding has non-finite values)
 * - non_finite: 1 if the embedding contains NaN/Infinity, else 0
 */
export type MetricRecord = Record<MetricName, number | null>;

export interface EvaluateEmbeddingInput {
  /** Row-major n × dim embedding. */
  embedding: EmbeddingValues;
  /** One integer class label per row. */
  labels: LabelValues;
  dim: number;
  /** Distances of verification pairs (e.g. from `pairDistances`); give together with `pairSimilar`. */
  pairDistances?: ArrayLike<number>;
  /** 1 = similar pair, 0 = dissimilar, one per pair distance. */
  pairSimilar?: ArrayLike<number>;
  /** Seed of the subsample used by the O(n²) metrics (default 0). */
  seed?: number;
  /** Row cap of the O(n²) metrics (default 2000). */
  maxPoints?: number;
  /** Ranks the retrieval queries (precision@1, MAP@R) faster with the same bits, e.g. natively. */
  ranking?: QueryRanking;
}

export interface EmbeddingEvaluation {
  metrics: MetricRecord;
  classShapes: ClassShape[];
  /** Why metrics are null, or what makes them less meaningful; each reason once. */
  warnings: string[];
}

/**
 * Every metric of this package on one embedding, never throwing on degenerate data (NaN,
 * collapse, one class, singleton classes): those give nulls and warnings. Throws `LabError` only
 * for malformed input (lengths that do not match `dim`, non-integer labels, bad pair labels).
 * Cost for n = 10,000, dim = 2: dominated by precision@1/MAP@R (about n² distances).
 */
export function evaluateEmbedding(input: EvaluateEmbeddingInput): EmbeddingEvaluation {
  const { embedding, labels, dim } = input;
  const rows = labelledRowCount(embedding, labels, dim);
  if ((input.pairDistances === undefined) !== (input.pairSimilar === undefined)) {
    throw new LabError('pairDistances and pairSimilar must be given together', {
      field: input.pairDistances === undefined ? 'pairDistances' : 'pairSimilar',
      hint: 'pass both (one 0/1 label per distance) or neither',
    });
  }
  const warnings: string[] = [];
  const notes = { notes: warnings };
  const subsample = { seed: input.seed ?? 0, maxPoints: input.maxPoints ?? DEFAULT_MAX_POINTS, notes: warnings };
  const metrics: MetricRecord = {
    nn_accuracy: null,
    precision_at_1: null,
    map_at_r: null,
    silhouette: null,
    inter_intra_ratio: null,
    roc_auc: null,
    anisotropy: null,
    degenerate_classes: null,
    collapsed: null,
    non_finite: 0,
  };
  let shapes: ClassShape[] = [];

  if (input.pairDistances !== undefined && input.pairSimilar !== undefined) {
    metrics.roc_auc = verificationRocAuc(input.pairDistances, input.pairSimilar, notes);
  }
  if (hasNonFinite(embedding)) {
    metrics.non_finite = 1;
    warnings.push(nonFiniteNote('every embedding metric', embedding));
  } else if (rows === 0) {
    metrics.collapsed = 0;
    warnings.push('the embedding is empty: no embedding metric can be computed');
  } else {
    const collapsed = detectCollapse(embedding, dim).collapsed;
    metrics.collapsed = collapsed ? 1 : 0;
    const classCount = new Set(Array.from(labels)).size;
    if (classCount === 1) warnings.push(`only one class (label ${labels[0]}) is present: neighbour accuracies are trivially 1`);
    if (collapsed) {
      warnings.push('the embedding has collapsed (all points coincide): distance-based metrics are undefined');
    } else {
      metrics.nn_accuracy = nearestNeighbourAccuracy(embedding, labels, dim, notes);
      const retrieval = retrievalScores(embedding, labels, embedding, labels, dim, true, { ...notes, ranking: input.ranking });
      metrics.precision_at_1 = retrieval.precisionAtOne;
      metrics.map_at_r = retrieval.meanAveragePrecisionAtR;
      metrics.silhouette = silhouetteScore(embedding, labels, dim, subsample);
      metrics.inter_intra_ratio = interIntraDistanceRatio(embedding, labels, dim, subsample);
    }
    shapes = classShapes(embedding, labels, dim, notes);
    metrics.anisotropy = anisotropy(shapes, collapsed ? {} : notes);
    metrics.degenerate_classes = degenerateClassCount(shapes);
  }
  return { metrics, classShapes: shapes, warnings: [...new Set(warnings)] };
}
