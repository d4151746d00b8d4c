import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import {
  contrastiveAllPairsLoss,
  cosineDistance,
  euclideanDistance,
  meanReducer,
  multiSimilarityMiner,
  cosineSimilarity,
  sumReducer,
} from '../src/index.ts';
import { expectGradientMatches, labelsOf, seededMatrix } from './gradient-check.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

// Four points on a line, classes [0, 0, 1, 1]: x = 0, 0.5 | 0.8, 2.
const line = () => tf.tensor2d([[0], [0.5], [0.8], [2]]);
const lineLabels = () => labelsOf([0, 0, 1, 1]);
// ε = 1e-12 under the root: sqrt(d² + ε) = d to float32 precision for these d.
const distance = euclideanDistance({ epsilon: 1e-12 });

describe('contrastiveAllPairsLoss', () => {
  it('matches the hand-worked value for each reducer (pos_margin 0.2, neg_margin 1)', () => {
    // Positive pairs: d01 = 0.5 → max(0.5 − 0.2, 0) = 0.3;  d23 = 1.2 → 1.0.
    // Negative pairs: d02 = 0.8 → max(1 − 0.8, 0) = 0.2;  d03 = 2 → 0;  d12 = 0.3 → 0.7;  d13 = 1.5 → 0.
    // Ordered pairs, each twice. mean_non_zero: (0.3 + 1.0)/2 + (0.2 + 0.7)/2 = 0.65 + 0.45 = 1.1.
    // mean: 0.65 + (0.2 + 0 + 0.7 + 0)/4 = 0.875.  sum: 2·1.3 + 2·0.9 = 4.4.
    const value = (reducer?: ReturnType<typeof meanReducer>) =>
      contrastiveAllPairsLoss({ posMargin: 0.2, negMargin: 1, distance, reducer })(line(), lineLabels()).dataSync()[0];
    expect(value()).toBeCloseTo(1.1, 5);
    expect(value(meanReducer())).toBeCloseTo(0.875, 5);
    expect(value(sumReducer())).toBeCloseTo(4.4, 5);
  });

  it('uses pytorch-metric-learning defaults: pos_margin 0, neg_margin 1, mean over non-zero pairs', () => {
    // pos: 0.5 and 1.2 → (0.5 + 1.2)/2 = 0.85; neg as above: 0.45. Total 1.3.
    expect(contrastiveAllPairsLoss({ distance })(line(), lineLabels()).dataSync()[0]).toBeCloseTo(1.3, 5);
  });

  it('normalizes the embeddings first when asked', () => {
    // (3, 4) and (6, 8) are one point on the unit circle, (0, 1) another at d = |(0.6, −0.2)| = sqrt(0.4).
    // pos: d ≈ 0 → 0 (pos_margin 0.1); neg: max(1 − sqrt(0.4), 0) for the two negatives, mean over non-zero.
    const loss = contrastiveAllPairsLoss({ posMargin: 0.1, distance, normalize: { epsilon: 1e-12 } });
    const value = loss(
      tf.tensor2d([
        [3, 4],
        [6, 8],
        [0, 1],
      ]),
      labelsOf([0, 0, 1]),
    ).dataSync()[0];
    expect(value).toBeCloseTo(1 - Math.sqrt(0.4), 5);
  });

  it('takes the pairs a pair miner chose', () => {
    // Unit vectors at 0°, 60° | 90°, 180°: the multi-similarity miner keeps positives (1, 0), (2, 3)
    // and negatives (1, 2), (2, 0), (2, 1) (worked out in multi-similarity-miner.test.ts). Cosine
    // distances: (1, 0): 0.5, (2, 3): 1 → pos (mean): (0.5 + 1)/2 = 0.75; negatives (1, 2), (2, 1):
    // 1 − 0.866 = 0.134 → max(1 − 0.134, 0) = 0.866, (2, 0): d = 1 → 0. mean: (0.866·2 + 0)/3.
    const s = Math.sqrt(3) / 2;
    const x = tf.tensor2d([
      [1, 0],
      [0.5, s],
      [0, 1],
      [-1, 0],
    ]);
    const loss = contrastiveAllPairsLoss({
      distance: cosineDistance({ epsilon: 0 }),
      reducer: meanReducer(),
      miner: multiSimilarityMiner({ similarity: cosineSimilarity({ epsilon: 0 }) }),
    });
    expect(loss(x, labelsOf([0, 0, 1, 1])).dataSync()[0]).toBeCloseTo(0.75 + (2 * s) / 3, 5);
  });

  it('refuses margins that do not make sense', () => {
    expect(() => contrastiveAllPairsLoss({ distance, posMargin: -1 })).toThrow(/pos_margin/);
    expect(() => contrastiveAllPairsLoss({ distance, posMargin: 1, negMargin: 1 })).toThrow(/neg_margin must be greater/);
  });

  for (const [name, d, normalize] of [
    ['euclidean', euclideanDistance({ epsilon: 1e-6 }), undefined],
    ['euclidean, normalized', euclideanDistance({ epsilon: 1e-6 }), { epsilon: 1e-6 }],
    ['cosine', cosineDistance({ epsilon: 1e-6 }), undefined],
  ] as const) {
    it(`has the gradient of central differences (${name})`, () => {
      const labels = labelsOf([0, 1, 0, 2, 1, 2, 0]);
      const loss = contrastiveAllPairsLoss({ posMargin: 0.1, negMargin: 1.2, distance: d, normalize, reducer: meanReducer() });
      expectGradientMatches((x) => loss(x, labels), seededMatrix(7, 3, 11), { h: 1e-3 });
    });
  }
});
