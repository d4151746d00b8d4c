import { describe, expect, it } from 'vitest';
import { crossDomainRetrieval, meanAveragePrecisionAtR } from '../src/index.ts';
import { precisionAtOne, retrievalScores } from '../src/retrieval.ts';
import { gridPoints, onLine } from './helpers.ts';

/** Naive reference: full sort of every query's neighbours (ties → lower index). */
function naiveRetrieval(
  query: Float32Array,
  queryLabels: Int32Array,
  reference: Float32Array,
  referenceLabels: Int32Array,
  dim: number,
  sameSource: boolean,
) {
  let scored = 0,
    hits = 0,
    apSum = 0;
  for (let q = 0; q < queryLabels.length; q++) {
    const candidates = Array.from(referenceLabels, (_, r) => r).filter((r) => !sameSource || r !== q);
    const distance = (r: number) => {
      let sum = 0;
      for (let k = 0; k < dim; k++) sum += (query[q * dim + k] - reference[r * dim + k]) ** 2;
      return sum;
    };
    candidates.sort((a, b) => distance(a) - distance(b) || a - b);
    const relevant = candidates.filter((r) => referenceLabels[r] === queryLabels[q]).length;
    if (relevant === 0) continue;
    let soFar = 0,
      ap = 0;
    for (let i = 0; i < relevant; i++) if (referenceLabels[candidates[i]] === queryLabels[q]) ap += ++soFar / (i + 1);
    apSum += ap / relevant;
    hits += referenceLabels[candidates[0]] === queryLabels[q] ? 1 : 0;
    scored++;
  }
  return { precisionAtOne: hits / scored, meanAveragePrecisionAtR: apSum / scored, scoredQueries: scored };
}

describe('precisionAtOne and meanAveragePrecisionAtR (query set = reference set)', () => {
  it('match a hand computation, including index tie-breaks and a skipped lone query', () => {
    // x:     0  1  2  3  5  9        labels: 0 0 1 0 1 2   (class 2 has one member → skipped)
    // q0 (R=2): p1 d1 ✓, p2 d2 ✗                  → AP = (1/2)(1/1) = 0.5,  P@1 = 1
    // q1 (R=2): p0 d1 ✓ (ties p2 d1; lower index), p2 ✗ → AP = 0.5,        P@1 = 1
    // q2 (R=1): p1 d1 ✗ (ties p3 d1)              → AP = 0,                 P@1 = 0
    // q3 (R=2): p2 d1 ✗, p1 d2 ✓ (ties p4 d2)     → AP = (1/2)(1/2) = 0.25, P@1 = 0
    // q4 (R=1): p3 d2 ✗                           → AP = 0,                 P@1 = 0
    // precision@1 = 2/5 = 0.4;  MAP@R = (0.5 + 0.5 + 0 + 0.25 + 0)/5 = 0.25
    const embedding = onLine([0, 1, 2, 3, 5, 9]);
    const labels = Uint8Array.from([0, 0, 1, 0, 1, 2]);
    const notes: string[] = [];
    const scores = retrievalScores(embedding, labels, embedding, labels, 2, true, { notes });
    expect(scores.precisionAtOne).toBeCloseTo(0.4, 12);
    expect(scores.meanAveragePrecisionAtR).toBeCloseTo(0.25, 12);
    expect(scores).toMatchObject({ scoredQueries: 5, skippedQueries: 1 });
    expect(notes.join('\n')).toMatch(/1 of 6 retrieval queries skipped/);
    expect(precisionAtOne(embedding, labels, 2)).toBeCloseTo(0.4, 12);
    expect(meanAveragePrecisionAtR(embedding, labels, 2)).toBeCloseTo(0.25, 12);
  });

  it('are 1 for perfectly separated classes', () => {
    const embedding = onLine([0, 0.1, 0.2, 10, 10.1, 10.3]);
    const labels = Int32Array.from([3, 3, 3, 8, 8, 8]);
    expect(precisionAtOne(embedding, labels, 2)).toBe(1);
    expect(meanAveragePrecisionAtR(embedding, labels, 2)).toBe(1);
  });

  it('agree with a naive full-sort implementation on tie-heavy data (2-D and 4-D)', () => {
    for (const [seed, dim] of [
      [1, 2],
      [2, 4],
    ]) {
      const { embedding, labels } = gridPoints(seed, 200, dim, 4);
      const expected = naiveRetrieval(embedding, labels, embedding, labels, dim, true);
      const actual = retrievalScores(embedding, labels, embedding, labels, dim, true);
      expect(actual.scoredQueries).toBe(expected.scoredQueries);
      expect(actual.precisionAtOne).toBeCloseTo(expected.precisionAtOne, 12);
      expect(actual.meanAveragePrecisionAtR).toBeCloseTo(expected.meanAveragePrecisionAtR, 12);
    }
  });

  it("agree with the naive implementation on separated clusters, where each query bounds the next one's search", () => {
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const rows = 600;
    const labels = Int32Array.from({ length: rows }, (_, i) => i % 6);
    const embedding = Float32Array.from({ length: rows * 2 }, (_, k) =>
      Math.fround((k % 2 ? Math.sin : Math.cos)(labels[k >> 1]) * 6 + next() * 2),
    );
    const expected = naiveRetrieval(embedding, labels, embedding, labels, 2, true);
    const actual = retrievalScores(embedding, labels, embedding, labels, 2, true);
    expect(actual.precisionAtOne).toBe(expected.precisionAtOne);
    expect(actual.meanAveragePrecisionAtR).toBeCloseTo(expected.meanAveragePrecisionAtR, 12);
  });

  it('are null with a reason when every class is a singleton, for NaN and for collapse', () => {
    const cases = [
      [onLine([0, 1, 2]), Uint8Array.from([0, 1, 2]), /no query has another point/],
      [onLine([0, NaN, 2]), Uint8Array.from([0, 0, 2]), /non-finite/],
      [onLine([7, 7, 7, 7]), Uint8Array.from([0, 0, 1, 1]), /collapsed/],
    ] as const;
    for (const [embedding, labels, reason] of cases) {
      const notes: string[] = [];
      expect(retrievalScores(embedding, labels, embedding, labels, 2, true, { notes })).toMatchObject({
        precisionAtOne: null,
        meanAveragePrecisionAtR: null,
      });
      expect(notes.join('\n')).toMatch(reason);
    }
  });
});

describe('crossDomainRetrieval', () => {
  it('matches a hand computation', () => {
    // gallery x: 1 (L0), 2 (L1), 3 (L0), 4 (L0), 10 (L1)
    // query x=0 L0, R=3: 1 ✓, 2 ✗, 3 ✓          → AP = (1/3)(1/1 + 2/3) = 5/9, hit@1
    // query x=3.4 L1, R=2: 3 (0.4) ✗, 4 (0.6) ✗ → AP = 0, miss
    // query x=5 L7: no gallery item labelled 7  → skipped
    // recall@1 = 1/2, MAP@R = (5/9 + 0)/2 = 5/18
    const gallery = onLine([1, 2, 3, 4, 10]);
    const galleryLabels = Uint8Array.from([0, 1, 0, 0, 1]);
    const notes: string[] = [];
    const result = crossDomainRetrieval(onLine([0, 3.4, 5]), Uint8Array.from([0, 1, 7]), gallery, galleryLabels, 2, { notes });
    expect(result.recallAt1).toBeCloseTo(0.5, 12);
    expect(result.meanAveragePrecisionAtR).toBeCloseTo(5 / 18, 12);
    expect(notes.join('\n')).toMatch(/1 of 3 retrieval queries skipped/);
  });

  it('does not exclude the gallery item at the query index, and agrees with a naive implementation', () => {
    const query = gridPoints(5, 60, 3, 3),
      gallery = gridPoints(6, 80, 3, 3);
    const expected = naiveRetrieval(query.embedding, query.labels, gallery.embedding, gallery.labels, 3, false);
    const actual = crossDomainRetrieval(query.embedding, query.labels, gallery.embedding, gallery.labels, 3);
    expect(actual.recallAt1).toBeCloseTo(expected.precisionAtOne, 12);
    expect(actual.meanAveragePrecisionAtR).toBeCloseTo(expected.meanAveragePrecisionAtR, 12);
    // Same points on both sides: each query finds itself at distance 0.
    expect(crossDomainRetrieval(onLine([0, 5]), Uint8Array.from([0, 1]), onLine([0, 5]), Uint8Array.from([0, 1]), 2)).toEqual({
      recallAt1: 1,
      meanAveragePrecisionAtR: 1,
    });
  });

  it('is null with a reason when the gallery has non-finite values', () => {
    const notes: string[] = [];
    expect(crossDomainRetrieval(onLine([0]), Uint8Array.from([0]), onLine([1, Infinity]), Uint8Array.from([0, 0]), 2, { notes })).toEqual({
      recallAt1: null,
      meanAveragePrecisionAtR: null,
    });
    expect(notes[0]).toMatch(/gallery embedding contains 1 non-finite/);
  });
});
