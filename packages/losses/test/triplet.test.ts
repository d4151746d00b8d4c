import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import {
  batchHardTripletMiner,
  cosineDistance,
  euclideanDistance,
  meanReducer,
  semiHardTripletMiner,
  sumReducer,
  tripletMarginLoss,
} from '../src/index.ts';
import { expectGradientMatches, labelsOf, seededMatrix } from './gradient-check.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

// Four points on a line, classes [0, 0, 1, 1]: x = 0, 0.5 | 0.8, 2.
const line = () => tf.tensor2d([[0], [0.5], [0.8], [2]]);
const lineLabels = () => labelsOf([0, 0, 1, 1]);
const distance = euclideanDistance({ epsilon: 1e-12 });

describe('tripletMarginLoss', () => {
  it('matches the hand-worked value over all triplets (margin 0.5)', () => {
    // max(d(a,p) − d(a,q) + 0.5, 0) for each (anchor, positive, negative):
    //   a0 p1 (0.5): q2 (0.8) → 0.2,  q3 (2)   → 0
    //   a1 p0 (0.5): q2 (0.3) → 0.7,  q3 (1.5) → 0
    //   a2 p3 (1.2): q0 (0.8) → 0.9,  q1 (0.3) → 1.4
    //   a3 p2 (1.2): q0 (2)   → 0,    q1 (1.5) → 0.2
    // Sum 3.4 over 8 triplets, 5 of them non-zero: mean_non_zero 0.68, mean 0.425.
    const value = (reducer?: ReturnType<typeof meanReducer>) =>
      tripletMarginLoss({ margin: 0.5, distance, reducer })(line(), lineLabels()).dataSync()[0];
    expect(value()).toBeCloseTo(0.68, 5);
    expect(value(meanReducer())).toBeCloseTo(0.425, 5);
    expect(value(sumReducer())).toBeCloseTo(3.4, 5);
  });

  it('uses margin 0.05 by default', () => {
    // Violated by a1 q2 (0.5 − 0.3 + 0.05 = 0.25), a2 q0 (1.2 − 0.8 + 0.05 = 0.45), a2 q1 (1.2 − 0.3 + 0.05 = 0.95);
    // a0 q2: 0.5 − 0.8 + 0.05 < 0. Mean over the non-zero three: 1.65 / 3 = 0.55.
    expect(tripletMarginLoss({ distance })(line(), lineLabels()).dataSync()[0]).toBeCloseTo(0.55, 5);
  });

  it('takes the triplets a miner chose', () => {
    // Batch-hard on the line: one triplet per anchor, its closest negative (each anchor has one positive):
    // a0 q2 → 0.2, a1 q2 → 0.7, a2 q1 → 1.4, a3 q1 → 0.2. Mean 2.5 / 4 = 0.625.
    const batchHard = tripletMarginLoss({ margin: 0.5, distance, reducer: meanReducer(), miner: batchHardTripletMiner({ distance }) });
    expect(batchHard(line(), lineLabels()).dataSync()[0]).toBeCloseTo(0.625, 5);
    // Semi-hard, 0 < d(a,q) − d(a,p) ≤ 0.5: a0 q2 (0.3) and a3 q1 (0.3) only, each with loss 0.2.
    const semiHard = tripletMarginLoss({
      margin: 0.5,
      distance,
      reducer: meanReducer(),
      miner: semiHardTripletMiner({ distance, margin: 0.5 }),
    });
    expect(semiHard(line(), lineLabels()).dataSync()[0]).toBeCloseTo(0.2, 5);
  });

  it('normalizes the embeddings first when asked', () => {
    // (3, 4) → (0.6, 0.8) and (0, 2) → (0, 1), one class; (−5, 0) → (−1, 0).
    // d(a0, p1) = sqrt(0.36 + 0.04) = sqrt(0.4); d(a0, q2) = sqrt(1.6² + 0.8²) = sqrt(3.2);
    // d(a1, q2) = sqrt(2). Margin 2: a0 → sqrt(0.4) − sqrt(3.2) + 2, a1 → sqrt(0.4) − sqrt(2) + 2. Mean.
    const loss = tripletMarginLoss({ margin: 2, distance, reducer: meanReducer(), normalize: { epsilon: 1e-12 } });
    const value = loss(
      tf.tensor2d([
        [3, 4],
        [0, 2],
        [-5, 0],
      ]),
      labelsOf([0, 0, 1]),
    ).dataSync()[0];
    expect(value).toBeCloseTo((2 * Math.sqrt(0.4) - Math.sqrt(3.2) - Math.sqrt(2) + 4) / 2, 5);
  });

  it('refuses a margin that is not positive', () => {
    expect(() => tripletMarginLoss({ distance, margin: 0 })).toThrow(/margin/);
  });

  const labels = () => labelsOf([0, 1, 0, 2, 1, 2, 0, 1]);
  for (const [name, miner] of [
    ['all triplets', undefined],
    ['batch-hard', batchHardTripletMiner({ distance: euclideanDistance({ epsilon: 1e-6 }) })],
    ['semi-hard', semiHardTripletMiner({ distance: euclideanDistance({ epsilon: 1e-6 }), margin: 0.5 })],
  ] as const) {
    it(`has the gradient of central differences (${name})`, () => {
      const loss = tripletMarginLoss({ margin: 0.5, distance: euclideanDistance({ epsilon: 1e-6 }), miner });
      expectGradientMatches((x) => loss(x, labels()), seededMatrix(8, 3, 5), { h: 1e-3 });
    });
  }

  it('has the gradient of central differences (cosine, normalized)', () => {
    const loss = tripletMarginLoss({ margin: 0.2, distance: cosineDistance({ epsilon: 1e-6 }), normalize: { epsilon: 1e-6 } });
    expectGradientMatches((x) => loss(x, labels()), seededMatrix(8, 3, 6), { h: 1e-3 });
  });
});
