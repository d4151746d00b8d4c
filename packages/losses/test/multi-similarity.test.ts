import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import { cosineSimilarity, multiSimilarityLoss, multiSimilarityMiner } from '../src/index.ts';
import { expectGradientMatches, labelsOf, seededMatrix } from './gradient-check.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

// Unit vectors at 0°, 60° (class 0) and 90°, 180° (class 1); S_ij = cos(θ_i − θ_j):
//        0      1       2       3
//   0    1      0.5     0      −1
//   1    0.5    1       0.866  −0.5
//   2    0      0.866   1       0
//   3   −1     −0.5     0       1
const c = Math.sqrt(3) / 2;
const vectors = () =>
  tf.tensor2d([
    [1, 0],
    [0.5, c],
    [0, 1],
    [-1, 0],
  ]);
const labels = () => labelsOf([0, 0, 1, 1]);
const similarity = cosineSimilarity({ epsilon: 1e-12 });

/** (1/α) log(1 + Σ exp(−α(S_p − λ))) + (1/β) log(1 + Σ exp(β(S_q − λ))) of one anchor. */
const anchorLoss = (positives: number[], negatives: number[], alpha: number, beta: number, base: number) =>
  Math.log(1 + positives.reduce((sum, s) => sum + Math.exp(-alpha * (s - base)), 0)) / alpha +
  Math.log(1 + negatives.reduce((sum, s) => sum + Math.exp(beta * (s - base)), 0)) / beta;

describe('multiSimilarityLoss', () => {
  it('matches the hand-worked value (α 2, β 10, λ 0.5)', () => {
    // a0: ½ log(1 + e^{−2(0.5−0.5)}) = ½ log 2 = 0.346574;  (1/10) log(1 + e^{10(0−0.5)} + e^{10(−1−0.5)}) = 0.1 log(1 + e^−5 + e^−15) = 0.000672
    // a1: ½ log 2 = 0.346574;                                 0.1 log(1 + e^{10(0.866−0.5)} + e^{10(−0.5−0.5)}) = 0.1 log(1 + 38.94 + e^−10) = 0.368566
    // a2: ½ log(1 + e^{−2(0−0.5)}) = ½ log(1 + e) = 0.656631; 0.1 log(1 + e^−5 + e^{3.66}) = 0.368582
    // a3: ½ log(1 + e) = 0.656631;                            0.1 log(1 + e^−15 + e^−10) = 0.0000046
    // Mean over anchors: (0.347245 + 0.715139 + 1.025213 + 0.656635) / 4 = 0.686058.
    const loss = multiSimilarityLoss({ alpha: 2, beta: 10, base: 0.5, similarity });
    expect(loss(vectors(), labels()).dataSync()[0]).toBeCloseTo(0.686058, 5);
    const expected =
      (anchorLoss([0.5], [0, -1], 2, 10, 0.5) +
        anchorLoss([0.5], [c, -0.5], 2, 10, 0.5) +
        anchorLoss([0], [0, c], 2, 10, 0.5) +
        anchorLoss([0], [-1, -0.5], 2, 10, 0.5)) /
      4;
    expect(expected).toBeCloseTo(0.686058, 6);
  });

  it('uses α 2, β 50, λ 0.5 by default', () => {
    // As above with β = 50: the negative terms become 0.05 log(1 + e^{50(0.866−0.5)} + ...) = 0.366025 for a1 and a2, ~0 for a0 and a3.
    // (0.346574 + (0.346574 + 0.366025) + (0.656631 + 0.366025) + 0.656631) / 4 = 0.684615.
    expect(multiSimilarityLoss({ similarity })(vectors(), labels()).dataSync()[0]).toBeCloseTo(0.684615, 5);
  });

  it('takes the pairs the multi-similarity miner chose', () => {
    // Mined (see the miner's test): positives (1, 0), (2, 3); negatives (1, 2), (2, 0), (2, 1).
    // a0: nothing → 0. a1: ½ log 2 + 0.1 log(1 + e^{3.66}). a2: ½ log(1 + e) + 0.1 log(1 + e^−5 + e^{3.66}). a3: 0.
    const loss = multiSimilarityLoss({ alpha: 2, beta: 10, base: 0.5, similarity, miner: multiSimilarityMiner({ similarity }) });
    const expected = (anchorLoss([0.5], [c], 2, 10, 0.5) + anchorLoss([0], [0, c], 2, 10, 0.5)) / 4;
    expect(loss(vectors(), labels()).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('refuses weights that are not positive', () => {
    expect(() => multiSimilarityLoss({ similarity, alpha: 0 })).toThrow(/alpha/);
    expect(() => multiSimilarityLoss({ similarity, beta: -1 })).toThrow(/beta/);
  });

  for (const [name, mined] of [
    ['all pairs', false],
    ['mined pairs', true],
  ] as const) {
    it(`has the gradient of central differences (defaults, ${name})`, () => {
      const eps = cosineSimilarity({ epsilon: 1e-6 });
      const loss = multiSimilarityLoss({ similarity: eps, miner: mined ? multiSimilarityMiner({ similarity: eps }) : undefined });
      const x = seededMatrix(8, 4, 21);
      if (mined) {
        // The check needs pairs the miner keeps at x (not all of them, not none).
        const masks = multiSimilarityMiner({ similarity: eps }).mine(x, labelsOf([0, 1, 0, 2, 1, 2, 0, 1]));
        const kept = tf.sum(masks.positive).dataSync()[0] + tf.sum(masks.negative).dataSync()[0];
        expect(kept).toBeGreaterThan(0);
        expect(kept).toBeLessThan(8 * 7);
      }
      expectGradientMatches((v) => loss(v, labelsOf([0, 1, 0, 2, 1, 2, 0, 1])), x, { h: 1e-3 });
    });
  }
});

describe('multiSimilarityMiner', () => {
  it('keeps the pairs of the paper (ε 0.1)', () => {
    // a0: min positive 0.5, max negative 0. Negatives need S + 0.1 > 0.5: 0, −1 fail. Positive 0.5 − 0.1 < 0 fails.
    // a1: min positive 0.5, max negative 0.866. Negative 2 (0.966 > 0.5) kept, 3 (−0.4) not. Positive 0 (0.4 < 0.866) kept.
    // a2: min positive 0, max negative 0.866. Negatives 0 (0.1 > 0) and 1 kept. Positive 3 (−0.1 < 0.866) kept.
    // a3: min positive 0, max negative −0.5. Negatives 0 (−0.9), 1 (−0.4) fail. Positive 2 (−0.1 < −0.5) fails.
    const { positive, negative } = multiSimilarityMiner({ similarity }).mine(vectors(), labels());
    expect(positive.arraySync()).toEqual([
      [0, 0, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ]);
    expect(negative.arraySync()).toEqual([
      [0, 0, 0, 0],
      [0, 0, 1, 0],
      [1, 1, 0, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('keeps nothing for an anchor without negatives or without positives', () => {
    // One class: no negatives anywhere; all classes distinct: no positives.
    const one = multiSimilarityMiner({ similarity }).mine(vectors(), labelsOf([0, 0, 0, 0]));
    expect(tf.sum(one.positive).dataSync()[0] + tf.sum(one.negative).dataSync()[0]).toBe(0);
    const distinct = multiSimilarityMiner({ similarity }).mine(vectors(), labelsOf([0, 1, 2, 3]));
    expect(tf.sum(distinct.positive).dataSync()[0] + tf.sum(distinct.negative).dataSync()[0]).toBe(0);
  });

  it('has no gradient of its own: the masks are constants', () => {
    const miner = multiSimilarityMiner({ similarity });
    const gradient = tf.grad((x: tf.Tensor) => {
      const { positive, negative } = miner.mine(x as tf.Tensor2D, labels());
      return tf.sum(tf.add(positive, negative));
    })(vectors());
    expect(Array.from(gradient.dataSync()).every((g) => g === 0)).toBe(true);
  });
});
