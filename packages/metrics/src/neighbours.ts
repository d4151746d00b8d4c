import { distanceMetricBlocker } from './collapse.ts';
import { labelledRowCount, rowCount, undefinedBecause, type EmbeddingValues, type LabelValues, type MetricOptions } from './validate.ts';

/**
 * For every row, the index of its nearest OTHER row by Euclidean distance; ties go to the lower
 * index. Brute force over each unordered pair once (n²/2 distances): ~0.1 s for n = 10,000 in 2-D,
 * so no spatial index is needed at the sizes this lab evaluates. Returns -1 for a lone row.
 */
export function nearestOtherIndices(embedding: EmbeddingValues, dim: number): Int32Array {
  const rows = rowCount(embedding, dim);
  const nearest = new Int32Array(rows).fill(-1);
  const best = new Float64Array(rows).fill(Infinity);
  // A Float64Array copy makes the inner loop monomorphic and fast whatever array type came in.
  const values = Float64Array.from(embedding);
  // Each row sees its candidates in increasing index order (all i < p, then all j > p),
  // so a strict "<" keeps the lowest index among equally near candidates.
  if (dim === 2) {
    for (let i = 0; i < rows; i++) {
      const x = values[2 * i],
        y = values[2 * i + 1];
      let bestI = best[i],
        nearestI = nearest[i];
      for (let j = i + 1; j < rows; j++) {
        const dx = x - values[2 * j],
          dy = y - values[2 * j + 1];
        const sum = dx * dx + dy * dy;
        if (sum < bestI) {
          bestI = sum;
          nearestI = j;
        }
        if (sum < best[j]) {
          best[j] = sum;
          nearest[j] = i;
        }
      }
      best[i] = bestI;
      nearest[i] = nearestI;
    }
    return nearest;
  }
  for (let i = 0; i < rows; i++) {
    const offsetI = i * dim;
    for (let j = i + 1; j < rows; j++) {
      const offsetJ = j * dim;
      let sum = 0;
      for (let k = 0; k < dim; k++) {
        const diff = values[offsetI + k] - values[offsetJ + k];
        sum += diff * diff;
      }
      if (sum < best[i]) {
        best[i] = sum;
        nearest[i] = j;
      }
      if (sum < best[j]) {
        best[j] = sum;
        nearest[j] = i;
      }
    }
  }
  return nearest;
}

/**
 * Leave-one-out 1-nearest-neighbour accuracy: the fraction of rows whose nearest other row
 * (Euclidean; ties → lower index) has the same label.
 *   accuracy = (1/n) Σ_i [ label(nn(i)) = label(i) ]
 * Every row counts, so a row that is the only member of its class is always a miss (unlike
 * `precisionAtOne`, which skips such rows as pytorch-metric-learning does).
 * Null (with a note) for fewer than two rows, non-finite values or a collapsed embedding.
 */
export function nearestNeighbourAccuracy(
  embedding: EmbeddingValues,
  labels: LabelValues,
  dim: number,
  options: MetricOptions = {},
): number | null {
  const metric = 'nearest-neighbour accuracy';
  const rows = labelledRowCount(embedding, labels, dim);
  if (rows < 2) return undefinedBecause(options.notes, `${metric} is undefined: it needs at least two points, got ${rows}`);
  const blocker = distanceMetricBlocker(metric, embedding, dim);
  if (blocker) return undefinedBecause(options.notes, blocker);
  const nearest = nearestOtherIndices(embedding, dim);
  let hits = 0;
  for (let i = 0; i < rows; i++) if (labels[nearest[i]] === labels[i]) hits++;
  return hits / rows;
}
