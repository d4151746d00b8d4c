import { LabError } from '@siamese-lab/core';
import { finiteOrNull, undefinedBecause, undefinedIfNonFinite, type MetricOptions } from './validate.ts';

/**
 * Verification ROC-AUC for pairs scored by distance, where a SMALLER distance predicts "similar"
 * (`similar[k]` is 1 for a similar pair, 0 for a dissimilar one — the contrastive-loss label).
 * It is the Mann-Whitney probability that a random dissimilar pair is further apart than a
 * random similar pair, ties counting one half:
 *   AUC = ( Σ_{dissimilar k} rank(d_k) − n_d(n_d+1)/2 ) / (n_s · n_d)
 * with rank = 1-based ascending rank of the distance among all pairs, tied distances sharing
 * their mid-rank. 1 = perfect separation, 0.5 = chance. Null (with a note) when either kind of
 * pair is absent or a distance is non-finite.
 */
export function verificationRocAuc(distances: ArrayLike<number>, similar: ArrayLike<number>, options: MetricOptions = {}): number | null {
  const metric = 'verification ROC-AUC';
  if (distances.length !== similar.length) {
    throw new LabError(`got ${distances.length} pair distances but ${similar.length} similarity labels`, {
      field: 'pairSimilar',
      hint: 'pass one 0/1 label per pair distance',
    });
  }
  let similarCount = 0;
  for (let k = 0; k < similar.length; k++) {
    if (similar[k] !== 0 && similar[k] !== 1) {
      throw new LabError(`pair similarity label ${k} is ${similar[k]}, expected 0 (dissimilar) or 1 (similar)`, {
        field: `pairSimilar[${k}]`,
        hint: 'use the contrastive-loss convention: 1 = same class, 0 = different class',
      });
    }
    similarCount += similar[k];
  }
  const dissimilarCount = similar.length - similarCount;
  if (similarCount === 0 || dissimilarCount === 0) {
    return undefinedBecause(
      options.notes,
      `${metric} is undefined: there are ${similarCount} similar and ${dissimilarCount} dissimilar pairs (both kinds are needed)`,
    );
  }
  if (undefinedIfNonFinite(options.notes, metric, distances, 'pair distances')) return null;

  const order = Int32Array.from({ length: distances.length }, (_, k) => k).sort((a, b) => distances[a] - distances[b]);
  let dissimilarRankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && distances[order[end]] === distances[order[start]]) end++;
    const midRank = (start + 1 + end) / 2; // average of the 1-based ranks start+1..end
    for (let p = start; p < end; p++) if (similar[order[p]] === 0) dissimilarRankSum += midRank;
    start = end;
  }
  const u = dissimilarRankSum - (dissimilarCount * (dissimilarCount + 1)) / 2;
  return finiteOrNull(u / (similarCount * dissimilarCount), metric, options.notes);
}
