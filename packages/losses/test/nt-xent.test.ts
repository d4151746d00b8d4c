import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import { cosineSimilarity, ntXentLoss } from '../src/index.ts';
import { expectGradientMatches, labelsOf, seededMatrix } from './gradient-check.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

// Unit vectors at 0°, 60° (class 0) and 90°, 180° (class 1); S_ij = cos(θ_i − θ_j) (see multi-similarity.test.ts).
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

describe('ntXentLoss', () => {
  it('matches the hand-worked value (τ 0.5)', () => {
    // x = S/τ = 2S. For each positive pair (a, p): −log(e^{x_ap} / (e^{x_ap} + Σ_q e^{x_aq})) = log(1 + Σ_q e^{x_aq − x_ap}).
    //   (0, 1): x01 = 1;  negatives of 0: x02 = 0, x03 = −2     → log(1 + e^−1 + e^−3)        = 0.349012
    //   (1, 0): x10 = 1;  negatives of 1: x12 = 1.732, x13 = −1 → log(1 + e^0.732 + e^−2)     = 1.167727
    //   (2, 3): x23 = 0;  negatives of 2: x20 = 0, x21 = 1.732  → log(1 + e^0 + e^1.732)      = 2.034998
    //   (3, 2): x32 = 0;  negatives of 3: x30 = −2, x31 = −1    → log(1 + e^−2 + e^−1)        = 0.407606
    // Mean over the positive pairs: 3.959342 / 4 = 0.989836.
    expect(ntXentLoss({ temperature: 0.5, similarity })(vectors(), labels()).dataSync()[0]).toBeCloseTo(0.989836, 5);
    const direct = [
      [1, [0, -2]],
      [1, [2 * c, -1]],
      [0, [0, 2 * c]],
      [0, [-2, -1]],
    ] as const;
    const mean = direct.reduce((sum, [x, negatives]) => sum + Math.log(1 + negatives.reduce((s, q) => s + Math.exp(q - x), 0)), 0) / 4;
    expect(mean).toBeCloseTo(0.989836, 6);
  });

  it('uses τ = 0.07 by default', () => {
    // As above with x = S / 0.07; the pair (2, 3) dominates: log(1 + 1 + e^{0.866/0.07}) ≈ 12.372.
    const x = (s: number) => s / 0.07;
    const perPair = [
      Math.log(1 + Math.exp(x(0) - x(0.5)) + Math.exp(x(-1) - x(0.5))),
      Math.log(1 + Math.exp(x(c) - x(0.5)) + Math.exp(x(-0.5) - x(0.5))),
      Math.log(1 + 1 + Math.exp(x(c))),
      Math.log(1 + Math.exp(x(-1)) + Math.exp(x(-0.5))),
    ];
    expect(ntXentLoss({ similarity })(vectors(), labels()).dataSync()[0]).toBeCloseTo(perPair.reduce((a, b) => a + b) / 4, 4);
  });

  it('gives 0 for an anchor without negatives (the fraction is 1)', () => {
    expect(ntXentLoss({ similarity })(vectors(), labelsOf([0, 0, 0, 0])).dataSync()[0]).toBe(0);
  });

  it('refuses a temperature that is not positive', () => {
    expect(() => ntXentLoss({ similarity, temperature: 0 })).toThrow(/temperature/);
  });

  for (const temperature of [0.5, 0.07]) {
    it(`has the gradient of central differences (τ ${temperature})`, () => {
      const loss = ntXentLoss({ temperature, similarity: cosineSimilarity({ epsilon: 1e-6 }) });
      // x/τ: a step h moves the logits by about h/τ, so smaller steps for the smaller τ.
      expectGradientMatches((x) => loss(x, labelsOf([0, 1, 0, 2, 1, 2, 0, 1])), seededMatrix(8, 4, 31), {
        h: temperature < 0.1 ? 3e-4 : 1e-3,
      });
    });
  }
});
