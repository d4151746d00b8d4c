import type { QueryRanking } from '@siamese-lab/core';
import { detectCollapse } from './collapse.ts';
import { squaredDistancesFrom } from './distance.ts';
import { kthSmallest } from './select.ts';
import {
  checkLabels,
  rowCount,
  undefinedBecause,
  undefinedIfNonFinite,
  type EmbeddingValues,
  type LabelValues,
  type MetricOptions,
} from './validate.ts';

export interface RetrievalOptions extends MetricOptions {
  /** Ranks every query at once with this module's bits, faster (the native addon's, on its threads). */
  ranking?: QueryRanking;
}

export interface RetrievalScores {
  /** Fraction of scored queries whose nearest reference has the query's label; null if no query could be scored. */
  precisionAtOne: number | null;
  /** Mean over scored queries of AP@R (see `retrievalScores`); null if no query could be scored. */
  meanAveragePrecisionAtR: number | null;
  /** Queries that were scored. */
  scoredQueries: number;
  /** Queries skipped because no reference shares their label. */
  skippedQueries: number;
}

/**
 * Nearest-neighbour retrieval scores, as pytorch-metric-learning's AccuracyCalculator defines them.
 *
 * For a query q with label y, the references are ranked by Euclidean distance (ties → lower
 * index). When queries and references are the same set (`sameSource`), q itself is excluded.
 * R = number of references labelled y (excluding q itself when `sameSource`); queries with R = 0
 * are skipped (PML's "lone queries"). With rel(i) = 1 when the i-th ranked reference has label y
 * and P(i) = (1/i) Σ_{j≤i} rel(j):
 *   precision@1 = mean over scored queries of rel(1)
 *   AP@R(q)    = (1/R) Σ_{i=1..R} P(i)·rel(i),   MAP@R = mean over scored queries of AP@R(q).
 * (PML returns 0 when every query is lone; this returns null with a note.)
 * With `sameSource`, pass the same embedding and labels twice (only the query side is read).
 * Cost: O(n_query · (n_reference · dim + R log R)); about 1-2 s for n = 10,000 in 2-D (queries go in
 * space order so that each bounds the next one's selection to a few times R candidates).
 */
export function retrievalScores(
  queryEmbedding: EmbeddingValues,
  queryLabels: LabelValues,
  referenceEmbedding: EmbeddingValues,
  referenceLabels: LabelValues,
  dim: number,
  sameSource: boolean,
  options: RetrievalOptions = {},
): RetrievalScores {
  const queryRows = rowCount(queryEmbedding, dim, sameSource ? 'embedding' : 'queryEmbedding');
  const referenceRows = rowCount(referenceEmbedding, dim, sameSource ? 'embedding' : 'galleryEmbedding');
  checkLabels(queryLabels, queryRows, sameSource ? 'labels' : 'queryLabels');
  checkLabels(referenceLabels, referenceRows, sameSource ? 'labels' : 'galleryLabels');
  if (sameSource && queryRows !== referenceRows) throw new Error('retrievalScores: sameSource needs identical query and reference sets');
  const none = { precisionAtOne: null, meanAveragePrecisionAtR: null, scoredQueries: 0, skippedQueries: queryRows };

  const metric = 'retrieval (precision@1, MAP@R)';
  if (undefinedIfNonFinite(options.notes, metric, queryEmbedding, sameSource ? 'embedding' : 'query embedding')) return none;
  if (!sameSource && undefinedIfNonFinite(options.notes, metric, referenceEmbedding, 'gallery embedding')) return none;
  // A collapsed reference set makes every ranking a pure tie-break.
  if (referenceRows >= 2 && detectCollapse(referenceEmbedding, dim).collapsed) {
    undefinedBecause(
      options.notes,
      `${metric} is undefined: the ${sameSource ? '' : 'gallery '}embedding has collapsed (all points coincide), so every ranking is arbitrary`,
    );
    return none;
  }

  if (options.ranking) {
    const averagePrecision = new Float64Array(queryRows);
    const hits = new Uint8Array(queryRows);
    const queries = Float64Array.from(queryEmbedding);
    const queryLabelValues = Int32Array.from(queryLabels);
    options.ranking(
      queries,
      queryLabelValues,
      sameSource ? queries : Float64Array.from(referenceEmbedding),
      sameSource ? queryLabelValues : Int32Array.from(referenceLabels),
      dim,
      sameSource,
      averagePrecision,
      hits,
    );
    return summarize(averagePrecision, hits, sameSource, metric, options);
  }

  const referenceCount = new Map<number, number>();
  for (let i = 0; i < referenceRows; i++) referenceCount.set(referenceLabels[i], (referenceCount.get(referenceLabels[i]) ?? 0) + 1);
  const queries = Float64Array.from(queryEmbedding);
  const references = sameSource ? queries : Float64Array.from(referenceEmbedding);
  const distances = new Float64Array(referenceRows);
  const buffers: RankingBuffers = {
    scratch: new Float64Array(referenceRows),
    positions: new Int32Array(referenceRows),
    relevant: new Float64Array(referenceRows),
    other: new Float64Array(referenceRows),
  };

  // Queries go class by class, in space order, so that each one can bound its R-th neighbour's
  // distance by the previous one's (see scoreRanking). Per-query results are summed in query
  // order afterwards, so the result does not depend on this order, bit for bit.
  const averagePrecision = new Float64Array(queryRows).fill(NaN);
  const hits = new Uint8Array(queryRows);
  let previous = -1,
    previousThreshold = Infinity;
  for (const q of queryOrder(queries, queryLabels, dim)) {
    const label = queryLabels[q];
    const relevantCount = (referenceCount.get(label) ?? 0) - (sameSource ? 1 : 0);
    if (relevantCount <= 0) continue;
    squaredDistancesFrom(queries, q, references, dim, distances);
    // Infinity keeps the query out of its own top R (R ≤ n − 1 finite distances always beat it).
    if (sameSource) distances[q] = Infinity;
    // Triangle inequality: the previous query's R nearest lie within its radius plus the step
    // between the two queries (its own point standing in for this query's, when they share a set).
    const bound =
      previous >= 0 && queryLabels[previous] === label
        ? (Math.sqrt(previousThreshold) + Math.sqrt(squaredDistancesBetween(queries, q, previous, dim))) ** 2 * (1 + 1e-9)
        : Infinity;
    const ranking = scoreRanking(distances, relevantCount, referenceLabels, label, buffers, bound);
    hits[q] = ranking.hitAtOne ? 1 : 0;
    averagePrecision[q] = ranking.averagePrecision;
    previous = q;
    previousThreshold = ranking.threshold;
  }
  return summarize(averagePrecision, hits, sameSource, metric, options);
}

/** The scores over the scored queries (AP@R not NaN), summed in query order. */
function summarize(
  averagePrecision: Float64Array,
  hits: Uint8Array,
  sameSource: boolean,
  metric: string,
  options: MetricOptions,
): RetrievalScores {
  const queryRows = averagePrecision.length;
  const none = { precisionAtOne: null, meanAveragePrecisionAtR: null, scoredQueries: 0, skippedQueries: queryRows };
  let averagePrecisionSum = 0,
    scored = 0,
    hitsAtOne = 0;
  for (let q = 0; q < queryRows; q++) {
    if (Number.isNaN(averagePrecision[q])) continue;
    averagePrecisionSum += averagePrecision[q];
    scored++;
    hitsAtOne += hits[q];
  }
  const skipped = queryRows - scored;
  if (scored === 0) {
    undefinedBecause(options.notes, `${metric} is undefined: no query has another ${sameSource ? 'point' : 'gallery item'} with its label`);
    return none;
  }
  if (skipped > 0)
    options.notes?.push(
      `${skipped} of ${queryRows} retrieval queries skipped: no other ${sameSource ? 'point' : 'gallery item'} has their label`,
    );
  return {
    precisionAtOne: hitsAtOne / scored,
    meanAveragePrecisionAtR: averagePrecisionSum / scored,
    scoredQueries: scored,
    skippedQueries: skipped,
  };
}

/** Precision@1 with query set = reference set (each point queries all others); see `retrievalScores`. */
export function precisionAtOne(embedding: EmbeddingValues, labels: LabelValues, dim: number, options: MetricOptions = {}): number | null {
  return retrievalScores(embedding, labels, embedding, labels, dim, true, options).precisionAtOne;
}

/** MAP@R with query set = reference set (each point queries all others); see `retrievalScores`. */
export function meanAveragePrecisionAtR(
  embedding: EmbeddingValues,
  labels: LabelValues,
  dim: number,
  options: MetricOptions = {},
): number | null {
  return retrievalScores(embedding, labels, embedding, labels, dim, true, options).meanAveragePrecisionAtR;
}

export interface CrossDomainRetrieval {
  /** Fraction of scored queries whose nearest gallery item has the query's label. */
  recallAt1: number | null;
  meanAveragePrecisionAtR: number | null;
}

/**
 * Cross-domain retrieval: queries from domain A are ranked against a gallery from domain B
 * (nothing is excluded; R = number of gallery items with the query's label; queries whose label
 * is absent from the gallery are skipped). recall@1 = precision@1 here. See `retrievalScores`.
 */
export function crossDomainRetrieval(
  queryEmbedding: EmbeddingValues,
  queryLabels: LabelValues,
  galleryEmbedding: EmbeddingValues,
  galleryLabels: LabelValues,
  dim: number,
  options: RetrievalOptions = {},
): CrossDomainRetrieval {
  const scores = retrievalScores(queryEmbedding, queryLabels, galleryEmbedding, galleryLabels, dim, false, options);
  return { recallAt1: scores.precisionAtOne, meanAveragePrecisionAtR: scores.meanAveragePrecisionAtR };
}

interface RankingBuffers {
  scratch: Float64Array;
  positions: Int32Array;
  relevant: Float64Array;
  other: Float64Array;
}

/** Query indices grouped by label, and within a label by the first coordinate (then index). */
function queryOrder(queries: Float64Array, labels: LabelValues, dim: number): Int32Array {
  const order = Int32Array.from({ length: labels.length }, (_, i) => i);
  return order.sort((a, b) => labels[a] - labels[b] || queries[a * dim] - queries[b * dim] || a - b);
}

function squaredDistancesBetween(values: Float64Array, i: number, j: number, dim: number): number {
  let sum = 0;
  for (let k = 0; k < dim; k++) {
    const diff = values[i * dim + k] - values[j * dim + k];
    sum += diff * diff;
  }
  return sum;
}

/**
 * Hit@1 and AP@R of one query, given its squared distances to the references (ties → lower index),
 * and the R-th smallest distance (`threshold`). Only references within `bound` (a squared
 * distance known to be at least the R-th smallest; Infinity when none is known) are candidates:
 * they hold every reference at or below the threshold, so the R nearest are the same as over all
 * references, at the cost of a selection among far fewer values. AP@R depends only on the ranks
 * of the relevant items among the R nearest, so the relevant and other distances are sorted
 * separately (native numeric sort) and merged; only when a relevant and an irrelevant item are
 * exactly equally far does the index tie-break matter, and then the R nearest are ranked in full.
 */
function scoreRanking(
  distances: Float64Array,
  relevantCount: number,
  referenceLabels: LabelValues,
  label: number,
  buffers: RankingBuffers,
  bound: number,
): { hitAtOne: boolean; averagePrecision: number; threshold: number } {
  const { scratch, positions } = buffers;
  let candidates = 0;
  for (let p = 0; p < distances.length; p++) {
    if (distances[p] <= bound) {
      positions[candidates] = p;
      scratch[candidates++] = distances[p];
    }
  }
  if (candidates < relevantCount) return scoreRanking(distances, relevantCount, referenceLabels, label, buffers, Infinity);
  const threshold = kthSmallest(scratch, candidates, relevantCount - 1);
  // The R nearest (ties at the threshold → lower positions), split by relevance; candidates are in position order.
  const chosen = new Int32Array(relevantCount);
  let taken = 0;
  for (let c = 0; c < candidates; c++) if (distances[positions[c]] < threshold) chosen[taken++] = positions[c];
  for (let c = 0; c < candidates && taken < relevantCount; c++) if (distances[positions[c]] === threshold) chosen[taken++] = positions[c];
  let relevantFound = 0,
    otherFound = 0;
  for (let i = 0; i < chosen.length; i++) {
    const p = chosen[i];
    if (referenceLabels[p] === label) buffers.relevant[relevantFound++] = distances[p];
    else buffers.other[otherFound++] = distances[p];
  }
  const relevant = buffers.relevant.subarray(0, relevantFound).sort();
  const other = buffers.other.subarray(0, otherFound).sort();
  let precisionSum = 0;
  let crossTie = false;
  for (let i = 0, othersBefore = 0; i < relevantFound; i++) {
    while (othersBefore < otherFound && other[othersBefore] < relevant[i]) othersBefore++;
    if (othersBefore < otherFound && other[othersBefore] === relevant[i]) {
      crossTie = true;
      break;
    }
    // The (i+1)-th relevant item sits at rank i + 1 + othersBefore; P(rank) = (i + 1) / rank.
    precisionSum += (i + 1) / (i + 1 + othersBefore);
  }
  if (!crossTie) {
    return {
      hitAtOne: relevantFound > 0 && (otherFound === 0 || relevant[0] < other[0]),
      averagePrecision: precisionSum / relevantCount,
      threshold,
    };
  }
  const ranked = chosen.sort((p, q) => distances[p] - distances[q] || p - q);
  let relevantSoFar = 0;
  precisionSum = 0;
  for (let i = 0; i < ranked.length; i++) {
    if (referenceLabels[ranked[i]] === label) precisionSum += ++relevantSoFar / (i + 1);
  }
  return { hitAtOne: referenceLabels[ranked[0]] === label, averagePrecision: precisionSum / relevantCount, threshold };
}
