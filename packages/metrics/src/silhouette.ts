import { squaredDistance } from './distance.ts';
import { distanceMetricSample, type SubsampleOptions } from './subsample.ts';
import { finiteOrNull, undefinedBecause, type EmbeddingValues, type LabelValues, type MetricOptions } from './validate.ts';

/**
 * Mean silhouette coefficient (scikit-learn's `silhouette_score`, Euclidean).
 * For point i in class C_i, with d the Euclidean distance:
 *   a(i) = (1/(|C_i|−1)) Σ_{j∈C_i, j≠i} d(i,j)            mean distance to its own class
 *   b(i) = min_{C≠C_i} (1/|C|) Σ_{j∈C} d(i,j)              mean distance to the nearest other class
 *   s(i) = (b(i) − a(i)) / max(a(i), b(i)),  s(i) = 0 if |C_i| = 1 (or if a = b = 0)
 *   silhouette = (1/n) Σ_i s(i)   ∈ [−1, 1]
 * O(n²): computed on a seeded subsample of at most `maxPoints` rows (default 2000).
 * Null (with a note) when the (sub)sample has fewer than 2 classes or every point is its own
 * class (scikit-learn raises for both), or for non-finite values or a collapsed embedding.
 */
export function silhouetteScore(
  embedding: EmbeddingValues,
  labels: LabelValues,
  dim: number,
  options: SubsampleOptions & MetricOptions = {},
): number | null {
  const metric = 'silhouette';
  const sample = distanceMetricSample(metric, embedding, labels, dim, options);
  if (!sample) return null;
  const { values, clusters, clusterSizes, count } = sample;
  const clusterCount = clusterSizes.length;
  if (clusterCount < 2)
    return undefinedBecause(options.notes, `${metric} is undefined: it needs at least two classes, got ${clusterCount}`);
  if (clusterCount > count - 1)
    return undefinedBecause(options.notes, `${metric} is undefined: every point is the only member of its class`);

  // distanceSums[i·K + c] = Σ_{j in class c} d(i, j)
  const distanceSums = new Float64Array(count * clusterCount);
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      const distance = Math.sqrt(squaredDistance(values, i, values, j, dim));
      distanceSums[i * clusterCount + clusters[j]] += distance;
      distanceSums[j * clusterCount + clusters[i]] += distance;
    }
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    const own = clusters[i];
    if (clusterSizes[own] === 1) continue;
    const cohesion = distanceSums[i * clusterCount + own] / (clusterSizes[own] - 1);
    let separation = Infinity;
    for (let c = 0; c < clusterCount; c++) {
      if (c !== own) separation = Math.min(separation, distanceSums[i * clusterCount + c] / clusterSizes[c]);
    }
    const scale = Math.max(cohesion, separation);
    if (scale > 0) total += (separation - cohesion) / scale;
  }
  return finiteOrNull(total / count, metric, options.notes);
}
