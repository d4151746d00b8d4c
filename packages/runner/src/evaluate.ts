import { createPairSampler, sliceExamples, type Dataset } from '@siamese-lab/data';
import { evaluateEmbedding, pairDistances, type ClassShape } from '@siamese-lab/metrics';
import type { SiameseModel } from '@siamese-lab/model';
import type { RunSpec } from './spec/schema.ts';

export interface EvaluationResult {
  metrics: Record<string, number | null>;
  embedding: { dim: number; points: Float32Array; labels: Uint8Array };
  classShapes: ClassShape[];
  warnings: string[];
}

/**
 * Embeds the test set with the trained sister and scores it: neighbour accuracies, cluster
 * separation and shape, and verification ROC-AUC on balanced held-out test pairs.
 */
export function evaluateRun(model: SiameseModel, test: Dataset, spec: RunSpec): EvaluationResult {
  const testSet = spec.evaluation.test_limit < test.count ? sliceExamples(test, 0, spec.evaluation.test_limit, `${test.name}-first-${spec.evaluation.test_limit}`) : test;
  const dim = spec.model.embedding_dim;
  const points = model.embedAll(testSet.images, testSet.count, 'a');

  const pairCount = Math.min(spec.evaluation.verification_pairs, testSet.count - (testSet.count % 2));
  const sampler = createPairSampler({ kind: 'balanced', dataset: testSet, batchSize: pairCount - (pairCount % 2), seed: spec.seed + 7777, reuseBuffers: false });
  const pairs = sampler.nextBatch();
  const distances = pairDistances(gatherRows(points, pairs.leftIndices, dim), gatherRows(points, pairs.rightIndices, dim), dim);

  const evaluation = evaluateEmbedding({
    embedding: points,
    labels: testSet.labels,
    dim,
    pairDistances: distances,
    pairSimilar: pairs.similar,
    seed: spec.seed,
  });
  return {
    metrics: { ...evaluation.metrics },
    embedding: { dim, points, labels: Uint8Array.from(testSet.labels) },
    classShapes: evaluation.classShapes,
    warnings: evaluation.warnings,
  };
}

function gatherRows(points: Float32Array, indices: Int32Array, dim: number): Float32Array {
  const out = new Float32Array(indices.length * dim);
  for (let i = 0; i < indices.length; i++) out.set(points.subarray(indices[i] * dim, indices[i] * dim + dim), i * dim);
  return out;
}
