import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import { cosineSimilarity, proxyAnchorLoss, seededProxies } from '../src/index.ts';
import { expectGradientMatches, labelsOf, seededMatrix } from './gradient-check.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

const similarity = cosineSimilarity({ epsilon: 1e-12 });

describe('proxyAnchorLoss', () => {
  // Proxies p0 = (1, 0), p1 = (0, 1); embeddings e0 = (1, 0), e1 = (0.6, 0.8) of class 0, e2 = (0, 1) of class 1.
  // s(e, p):   p0    p1
  //      e0    1     0
  //      e1    0.6   0.8
  //      e2    0     1
  const embeddings = () =>
    tf.tensor2d([
      [1, 0],
      [0.6, 0.8],
      [0, 1],
    ]);
  const options = { embeddingSize: 2, seed: 0, margin: 0.1, alpha: 4, similarity };

  it('matches the hand-worked value (α 4, δ 0.1)', () => {
    // pos, class 0 (e0, e1): log(1 + e^{−4(1 − 0.1)} + e^{−4(0.6 − 0.1)}) = log(1 + e^−3.6 + e^−2) = 0.150710
    // pos, class 1 (e2):     log(1 + e^{−4(1 − 0.1)}) = log(1 + e^−3.6)                        = 0.026957
    // neg, class 0 (e2):     log(1 + e^{4(0 + 0.1)}) = log(1 + e^0.4)                           = 0.913015
    // neg, class 1 (e0, e1): log(1 + e^{4(0 + 0.1)} + e^{4(0.8 + 0.1)}) = log(1 + e^0.4 + e^3.6) = 3.665868
    // (0.150710 + 0.026957) / 2 classes present + (0.913015 + 3.665868) / 2 classes = 2.378275.
    const loss = proxyAnchorLoss({ ...options, numClasses: 2, initialProxies: Float32Array.from([1, 0, 0, 1]) });
    expect(loss(embeddings(), labelsOf([0, 0, 1])).dataSync()[0]).toBeCloseTo(2.378275, 5);
  });

  it('averages the positive terms over the classes present, the negative ones over all classes', () => {
    // A third proxy p2 = (−1, 0), absent from the batch: no positive term, a negative term over all
    // three embeddings, s = −1, −0.6, 0: log(1 + e^{4(−0.9)} + e^{4(−0.5)} + e^{4(0.1)}).
    const loss = proxyAnchorLoss({ ...options, numClasses: 3, initialProxies: Float32Array.from([1, 0, 0, 1, -1, 0]) });
    const neg2 = Math.log(1 + Math.exp(-3.6) + Math.exp(-2) + Math.exp(0.4));
    const expected = (0.15071 + 0.026957) / 2 + (0.913015 + 3.665868 + neg2) / 3;
    expect(loss(embeddings(), labelsOf([0, 0, 1])).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('uses δ 0.1 and α 32 by default', () => {
    const loss = proxyAnchorLoss({ numClasses: 2, embeddingSize: 2, seed: 0, similarity, initialProxies: Float32Array.from([1, 0, 0, 1]) });
    const expected =
      (Math.log(1 + Math.exp(-32 * 0.9) + Math.exp(-32 * 0.5)) + Math.log(1 + Math.exp(-32 * 0.9))) / 2 +
      (Math.log(1 + Math.exp(32 * 0.1)) + Math.log(1 + Math.exp(32 * 0.1) + Math.exp(32 * 0.9))) / 2;
    expect(loss(embeddings(), labelsOf([0, 0, 1])).dataSync()[0]).toBeCloseTo(expected, 4);
  });

  it('owns its proxies as a trainable variable, seeded', () => {
    const loss = proxyAnchorLoss({ numClasses: 3, embeddingSize: 4, seed: 7, similarity });
    expect(loss.variables).toHaveLength(1);
    const [proxies] = loss.variables!;
    expect(proxies.trainable).toBe(true);
    expect(proxies.shape).toEqual([3, 4]);
    expect(Array.from(proxies.dataSync())).toEqual(Array.from(seededProxies(3, 4, 7)));
    expect(Array.from(seededProxies(3, 4, 7))).toEqual(Array.from(seededProxies(3, 4, 7)));
    expect(Array.from(seededProxies(3, 4, 8))).not.toEqual(Array.from(seededProxies(3, 4, 7)));
    // kaiming_normal_(mode="fan_out"): standard deviation sqrt(2 / classes) = 0.5 for 8 classes.
    const many = seededProxies(8, 5000, 1);
    const std = Math.sqrt(many.reduce((sum, v) => sum + v * v, 0) / many.length);
    expect(std).toBeGreaterThan(0.49);
    expect(std).toBeLessThan(0.51);
  });

  it('refuses bad sizes and parameters', () => {
    expect(() => proxyAnchorLoss({ numClasses: 0, embeddingSize: 2, seed: 0, similarity })).toThrow(/numClasses/);
    expect(() => proxyAnchorLoss({ numClasses: 2, embeddingSize: 2.5, seed: 0, similarity })).toThrow(/embeddingSize/);
    expect(() => proxyAnchorLoss({ numClasses: 2, embeddingSize: 2, seed: 0, similarity, alpha: 0 })).toThrow(/alpha/);
    expect(() => proxyAnchorLoss({ numClasses: 2, embeddingSize: 2, seed: 0, similarity, initialProxies: new Float32Array(3) })).toThrow(
      /initialProxies/,
    );
  });

  const labels = () => labelsOf([0, 1, 0, 2, 1, 2, 0, 1]);

  it('has the gradient of central differences in the embeddings (defaults)', () => {
    const loss = proxyAnchorLoss({ numClasses: 4, embeddingSize: 4, seed: 3, similarity: cosineSimilarity({ epsilon: 1e-6 }) });
    // α = 32 scales the similarities: small steps.
    expectGradientMatches((x) => loss(x, labels()), seededMatrix(8, 4, 41), { h: 3e-4 });
  });

  it('has the gradient of central differences in its proxies', () => {
    const loss = proxyAnchorLoss({ numClasses: 4, embeddingSize: 4, seed: 3, alpha: 8, similarity: cosineSimilarity({ epsilon: 1e-6 }) });
    const [proxies] = loss.variables!;
    const embeddings = seededMatrix(8, 4, 42);
    const start = proxies.dataSync().slice();
    const analytic = tf.variableGrads(() => loss(embeddings, labels()), [proxies]).grads[proxies.name].dataSync() as Float32Array;
    // The loss as a function of the proxies' values, assigned into the variable for each evaluation.
    const ofProxies = (p: tf.Tensor2D) => {
      proxies.assign(p);
      return loss(embeddings, labels());
    };
    expectGradientMatches(ofProxies, tf.tensor2d(start, [4, 4]), { h: 1e-3, analytic });
  });
});
