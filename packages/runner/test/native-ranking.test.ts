// The addon's ranking of retrieval queries must give the metrics' own results bit for bit: the
// evaluation uses it wherever the addon is present, and baselines are checked for identical bits.
import { describe, expect, test } from 'vitest';
import { nativeQueryRanking } from '@siamese-lab/backend';
import { createRandom } from '@siamese-lab/core';
import { crossDomainRetrieval, retrievalScores } from '@siamese-lab/metrics';

const ranking = nativeQueryRanking();

function embedding(rows: number, dim: number, classes: number, seed: number, grid = 0) {
  const random = createRandom(seed);
  const labels = Uint8Array.from({ length: rows }, () => Math.floor(random.next() * classes));
  // grid > 0 snaps coordinates to a coarse grid, so that many distances tie exactly.
  const snap = (value: number) => (grid > 0 ? Math.round(value * grid) / grid : value);
  const points = Float32Array.from({ length: rows * dim }, (_, i) => snap(labels[Math.floor(i / dim)] * 0.4 + random.next()));
  return { labels, points };
}

describe.skipIf(ranking === undefined)('native query ranking', () => {
  const cases = [
    { name: '2-D, 10 classes', rows: 1500, dim: 2, classes: 10, grid: 0 },
    { name: '3-D, 4 classes', rows: 800, dim: 3, classes: 4, grid: 0 },
    { name: '2-D on a coarse grid (exact ties between classes)', rows: 900, dim: 2, classes: 5, grid: 4 },
    { name: 'singleton classes (lone queries skipped)', rows: 60, dim: 2, classes: 50, grid: 0 },
  ];
  test.each(cases)('same source, $name: the JavaScript ranking, bit for bit', ({ rows, dim, classes, grid }) => {
    const { labels, points } = embedding(rows, dim, classes, 11, grid);
    const notesJs: string[] = [];
    const notesNative: string[] = [];
    const js = retrievalScores(points, labels, points, labels, dim, true, { notes: notesJs });
    const native = retrievalScores(points, labels, points, labels, dim, true, { notes: notesNative, ranking });
    expect(native).toEqual(js);
    expect(notesNative).toEqual(notesJs);
    expect(js.meanAveragePrecisionAtR).not.toBeNull();
  });

  test('cross-domain (queries against another gallery, labels missing from it): bit for bit', () => {
    const queries = embedding(700, 2, 8, 3);
    const gallery = embedding(500, 2, 6, 4, 8);
    const js = crossDomainRetrieval(queries.points, queries.labels, gallery.points, gallery.labels, 2);
    const native = crossDomainRetrieval(queries.points, queries.labels, gallery.points, gallery.labels, 2, { ranking });
    expect(native).toEqual(js);
    expect(js.recallAt1).not.toBeNull();
  });
});
