import { nativeQueryRanking } from '@siamese-lab/backend';
import { createPairSampler, sliceExamples, validatePairSamplerOptions, type Dataset, type PairSamplerOptions } from '@siamese-lab/data';
import { isLabError } from '@siamese-lab/core';
import { crossDomainRetrieval, evaluateEmbedding, pairDistances, verificationRocAuc, type ClassShape } from '@siamese-lab/metrics';
import type { SiameseModel } from '@siamese-lab/model';
import type { RunSpec } from './spec/schema.ts';

export interface EvaluationResult {
  metrics: Record<string, number | null>;
  /**
   * The test embedding. Two-source runs hold domain A's points then domain B's in one space,
   * with `domains` 0 (A) or 1 (B) per point; one-source runs have `domains: null`.
   */
  embedding: { dim: number; points: Float32Array; labels: Uint8Array; domains: Uint8Array | null };
  /** Domain A's class shapes. */
  classShapes: ClassShape[];
  warnings: string[];
}

/**
 * Embeds the test set with the trained sister and scores it: neighbour accuracies, cluster
 * separation and shape, and verification ROC-AUC on balanced held-out test pairs.
 *
 * With a second source (`rightTest`, domain B: the same test images rendered differently, index
 * for index), domain B is embedded by tower B and scored the same way (metrics suffixed `_b`), and
 * cross-domain retrieval is scored with queries from A and the gallery from B: `cross_recall_at_1`
 * and `cross_map_at_r`. Queries are the first half of the test images and the gallery the second
 * half's renderings, so no query's own rendering is in the gallery (that would be a near-copy, not
 * a match by class). `cross_roc_auc` scores balanced A-B test pairs.
 *
 * With one source and distinct sister weights, the loss only ever measures sister A's embedding
 * of one image against sister B's of the other: the space it shapes is the pair of them, not
 * either sister's alone. So sister B embeds the same test images, scored as domain B (`_b`), and
 * the cross metrics (queries through sister A, gallery through sister B) say whether the two
 * sisters together separate the classes. The stored embedding stays sister A's.
 */
export function evaluateRun(
  model: SiameseModel,
  test: Dataset,
  spec: RunSpec,
  rightTest?: Dataset,
  validation?: Dataset,
): EvaluationResult {
  const result = evaluateTestSet(model, test, spec, rightTest);
  if (spec.evaluation.validation_limit === undefined || !validation) return result;
  // Sister A's scores on held-out training images: what tuning and search select by.
  const validationSet = limitedTo(validation, spec.evaluation.validation_limit);
  const scored = scoreDomain(model, validationSet, 'a', spec);
  for (const [name, value] of Object.entries(scored.metrics)) result.metrics[`validation_${name}`] = value;
  result.warnings.push(...scored.warnings.map((warning) => `validation: ${warning}`));
  return result;
}

function evaluateTestSet(model: SiameseModel, test: Dataset, spec: RunSpec, rightTest?: Dataset): EvaluationResult {
  const dim = spec.model.embedding_dim;
  const testA = limitedTestSet(spec, test);
  const domainA = scoreDomain(model, testA, 'a', spec);
  if (!rightTest && !spec.model.share_weights) {
    const acrossSisters = crossDomainScores(model, testA, testA, domainA, spec);
    return {
      metrics: acrossSisters.metrics,
      embedding: { dim, points: domainA.points, labels: Uint8Array.from(testA.labels), domains: null },
      classShapes: domainA.classShapes,
      warnings: acrossSisters.warnings,
    };
  }
  if (!rightTest) {
    return {
      metrics: { ...domainA.metrics },
      embedding: { dim, points: domainA.points, labels: Uint8Array.from(testA.labels), domains: null },
      classShapes: domainA.classShapes,
      warnings: domainA.warnings,
    };
  }

  const testB = limitedTestSet(spec, rightTest);
  const { metrics, warnings, domainB } = crossDomainScores(model, testA, testB, domainA, spec);
  const points = new Float32Array(domainA.points.length + domainB.points.length);
  points.set(domainA.points, 0);
  points.set(domainB.points, domainA.points.length);
  const labels = new Uint8Array(testA.count + testB.count);
  labels.set(testA.labels, 0);
  labels.set(testB.labels, testA.count);
  const domains = new Uint8Array(testA.count + testB.count);
  domains.fill(1, testA.count);
  return { metrics, embedding: { dim, points, labels, domains }, classShapes: domainA.classShapes, warnings };
}

/** Domain B through tower B, its own metrics (`_b`), and retrieval and verification across the two towers (`cross_*`). */
function crossDomainScores(model: SiameseModel, testA: Dataset, testB: Dataset, domainA: ReturnType<typeof scoreDomain>, spec: RunSpec) {
  const dim = spec.model.embedding_dim;
  const domainB = scoreDomain(model, testB, 'b', spec);
  const metrics: Record<string, number | null> = { ...domainA.metrics };
  for (const [name, value] of Object.entries(domainB.metrics)) metrics[`${name}_b`] = value;

  const half = Math.floor(Math.min(testA.count, testB.count) / 2);
  const warnings = [...domainA.warnings, ...domainB.warnings.map((warning) => `domain B: ${warning}`)];
  const queries = domainA.points.subarray(0, half * dim);
  const gallery = domainB.points.subarray(half * dim, 2 * half * dim);
  const cross = crossDomainRetrieval(queries, testA.labels.subarray(0, half), gallery, testB.labels.subarray(half, 2 * half), dim, {
    notes: warnings,
    ranking: nativeQueryRanking(),
  });
  metrics.cross_recall_at_1 = cross.recallAt1;
  metrics.cross_map_at_r = cross.meanAveragePrecisionAtR;

  const pairs = createPairSampler(crossDomainPairOptions(spec, testA, testB)).nextBatch();
  const distances = pairDistances(
    gatherRows(domainA.points, pairs.leftIndices, dim),
    gatherRows(domainB.points, pairs.rightIndices, dim),
    dim,
  );
  metrics.cross_roc_auc = verificationRocAuc(distances, pairs.similar, { notes: warnings });
  return { metrics, warnings: [...new Set(warnings)], domainB };
}

function evenPairCount(spec: RunSpec, count: number): number {
  const pairCount = Math.min(spec.evaluation.verification_pairs, count);
  return pairCount - (pairCount % 2);
}

/** The first `limit` images of a set. */
function limitedTo(dataset: Dataset, limit: number): Dataset {
  return limit < dataset.count ? sliceExamples(dataset, 0, limit, `${dataset.name}-first-${limit}`) : dataset;
}

/** The test images a run is scored on: the first `test_limit`. */
function limitedTestSet(spec: RunSpec, dataset: Dataset): Dataset {
  return limitedTo(dataset, spec.evaluation.test_limit);
}

/** Balanced same-domain verification pairs. */
function domainPairOptions(spec: RunSpec, testSet: Dataset): PairSamplerOptions {
  return { kind: 'balanced', dataset: testSet, batchSize: evenPairCount(spec, testSet.count), seed: spec.seed + 7777, reuseBuffers: false };
}

/** Balanced A-B verification pairs of a two-source run. */
function crossDomainPairOptions(spec: RunSpec, testA: Dataset, testB: Dataset): PairSamplerOptions {
  const batchSize = evenPairCount(spec, Math.min(testA.count, testB.count));
  return { kind: 'balanced', dataset: testA, right: testB, batchSize, seed: spec.seed + 8888, reuseBuffers: false };
}

/**
 * What would stop the evaluation only after training: too few test images to score, or none that
 * form the verification pairs. Null when the run can be scored; otherwise the message and the
 * setting to change (a path inside a run's settings).
 */
export function evaluationInputProblem(
  spec: RunSpec,
  test: Dataset,
  rightTest?: Dataset,
  validation?: Dataset,
): { message: string; setting: string; hint?: string } | null {
  if (spec.evaluation.validation_limit !== undefined) {
    const hint = 'hold validation images out of training with data.validation_size, or remove evaluation.validation_limit';
    const count = Math.min(validation?.count ?? 0, spec.evaluation.validation_limit);
    if (count < 2) {
      return {
        message: `evaluation.validation_limit scores validation images, but data.validation_size ${spec.data.validation_size} holds ${count === 0 ? 'none' : 'only one'}: scoring needs at least 2`,
        setting: 'data.validation_size',
        hint,
      };
    }
    try {
      validatePairSamplerOptions(domainPairOptions(spec, limitedTo(validation!, spec.evaluation.validation_limit)));
    } catch (error) {
      if (!isLabError(error)) throw error;
      return { message: `the validation images cannot be scored: ${error.message}`, setting: 'data.validation_size', hint };
    }
  }
  const testA = limitedTestSet(spec, test);
  const testB = rightTest && limitedTestSet(spec, rightTest);
  const count = Math.min(testA.count, testB?.count ?? Infinity);
  if (count < 2) {
    return {
      message: `test_limit ${spec.evaluation.test_limit} leaves ${count} test image${count === 1 ? '' : 's'}; scoring an embedding needs at least 2 test images`,
      setting: 'evaluation.test_limit',
    };
  }
  if (evenPairCount(spec, count) < 2) {
    return {
      message: `verification_pairs ${spec.evaluation.verification_pairs} gives no pair to score: it needs at least 2 (one same-class, one different-class)`,
      setting: 'evaluation.verification_pairs',
    };
  }
  const samplers = [
    domainPairOptions(spec, testA),
    ...(testB ? [domainPairOptions(spec, testB), crossDomainPairOptions(spec, testA, testB)] : []),
  ];
  for (const options of samplers) {
    try {
      validatePairSamplerOptions(options);
    } catch (error) {
      if (!isLabError(error)) throw error;
      return { message: error.message, setting: 'evaluation.test_limit' };
    }
  }
  return null;
}

/** One domain's test embedding (through its tower) and its cluster and verification metrics. */
function scoreDomain(model: SiameseModel, testSet: Dataset, side: 'a' | 'b', spec: RunSpec) {
  const dim = spec.model.embedding_dim;
  const points = model.embedAll(testSet.images, testSet.count, side);
  if (comparesDirections(spec.loss)) unitRows(points, dim);
  const pairs = createPairSampler(domainPairOptions(spec, testSet)).nextBatch();
  const distances = pairDistances(gatherRows(points, pairs.leftIndices, dim), gatherRows(points, pairs.rightIndices, dim), dim);
  const evaluation = evaluateEmbedding({
    embedding: points,
    labels: testSet.labels,
    dim,
    pairDistances: distances,
    pairSimilar: pairs.similar,
    seed: spec.seed,
    ranking: nativeQueryRanking(),
  });
  return { points, metrics: evaluation.metrics, classShapes: evaluation.classShapes, warnings: evaluation.warnings };
}

/**
 * Losses that compare embeddings by direction only (cosine similarity, or distances between
 * L2-normalised embeddings): what they train is the unit vector, so it is what is scored, as
 * pytorch-metric-learning's evaluation does with normalised embeddings.
 */
export function comparesDirections(loss: RunSpec['loss']): boolean {
  if (loss.kind === 'multi_similarity' || loss.kind === 'nt_xent' || loss.kind === 'proxy_anchor') return true;
  if (loss.kind === 'triplet' || loss.kind === 'contrastive_all_pairs') return loss.normalize || loss.distance === 'cosine';
  return false;
}

/** Scales each row to unit length in place (a zero row stays zero). */
function unitRows(points: Float32Array, dim: number): void {
  for (let offset = 0; offset < points.length; offset += dim) {
    let squared = 0;
    for (let d = 0; d < dim; d++) squared += points[offset + d] * points[offset + d];
    const norm = Math.sqrt(squared);
    if (norm > 0) for (let d = 0; d < dim; d++) points[offset + d] = points[offset + d] / norm;
  }
}

function gatherRows(points: Float32Array, indices: Int32Array, dim: number): Float32Array {
  const out = new Float32Array(indices.length * dim);
  for (let i = 0; i < indices.length; i++) out.set(points.subarray(indices[i] * dim, indices[i] * dim + dim), i * dim);
  return out;
}
