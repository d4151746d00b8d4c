import { squaredDistance } from './distance.ts';
import { distanceMetricSample, type SubsampleOptions } from './subsample.ts';
import { finiteOrNull, undefinedBecause, type EmbeddingValues, type LabelValues, type MetricOptions } from './validate.ts';

/**
 * Ratio of the mean Euclidean distance between points of DIFFERENT classes to the mean distance
 * between points of the SAME class, over all unordered pairs {i, j}, i ≠ j:
 *   ratio = mean_{label(i)≠label(j)} d(i,j) / mean_{label(i)=label(j)} d(i,j)
 * > 1 means classes are further apart than they are wide. O(n²): computed on a seeded
 * subsample of at most `maxPoints` rows (default 2000), like `silhouetteScore`.
 * Null (with a note) when there is no different-class pair (one class), no same-class pair
 * (all singletons), every class has shrunk to a single point (ratio infinite), or for
 * non-finite values or a collapsed embedding.
 */
export function interIntraDistanceRatio(
  embedding: EmbeddingValues,
  labels: LabelValues,
  dim: number,
  options: SubsampleOptions & MetricOptions = {},
): number | null {
  const metric = 'inter/intra distance ratio';
  const sample = distanceMetricSample(metric, embedding, labels, dim, options);
  if (!sample) return null;
  const { values, clusters, count } = sample;
  let interSum = 0,
    interPairs = 0,
    intraSum = 0,
    intraPairs = 0;
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      const distance = Math.sqrt(squaredDistance(values, i, values, j, dim));
      if (clusters[i] === clusters[j]) {
        intraSum += distance;
        intraPairs++;
      } else {
        interSum += distance;
        interPairs++;
      }
    }
  }
  if (interPairs === 0) return undefinedBecause(options.notes, `${metric} is undefined: there is only one class`);
  if (intraPairs === 0) return undefinedBecause(options.notes, `${metric} is undefined: no class has two points`);
  if (intraSum === 0)
    return undefinedBecause(options.notes, `${metric} is undefined: every class has shrunk to a single point (zero within-class distance)`);
  return finiteOrNull(interSum / interPairs / (intraSum / intraPairs), metric, options.notes);
}
