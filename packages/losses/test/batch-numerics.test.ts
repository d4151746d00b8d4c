// The numerical special cases of the batch losses, each with its guard: without the guard the
// same computation gives NaN or ∞ (shown next to it where it can be).
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import {
  buildBatchLoss,
  contrastiveAllPairsLoss,
  cosineSimilarity,
  euclideanDistance,
  l2Normalize,
  lossSettingsSchema,
  meanOverNonZeroReducer,
  meanReducer,
  multiSimilarityLoss,
  ntXentLoss,
  proxyAnchorLoss,
  sumReducer,
  tripletMarginLoss,
  type BatchLoss,
} from '../src/index.ts';
import { labelsOf, seededMatrix } from './gradient-check.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** Loss value and gradient in the embeddings. */
function valueAndGradient(loss: BatchLoss, x: tf.Tensor2D, labels: tf.Tensor1D) {
  const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => loss(v as tf.Tensor2D, labels))(x);
  return { value: value.dataSync()[0], gradient: Array.from(grad.dataSync()) };
}
const finite = (values: number[]) => values.every(Number.isFinite);

const batchSpecs = [
  { kind: 'contrastive_all_pairs' },
  { kind: 'contrastive_all_pairs', normalize: false },
  { kind: 'contrastive_all_pairs', distance: 'cosine' },
  { kind: 'contrastive_all_pairs', miner: 'multi_similarity' },
  { kind: 'triplet' },
  { kind: 'triplet', normalize: false },
  { kind: 'triplet', miner: 'batch_hard' },
  { kind: 'triplet', miner: 'semi_hard' },
  { kind: 'multi_similarity' },
  { kind: 'multi_similarity', miner: 'multi_similarity' },
  { kind: 'nt_xent' },
  { kind: 'proxy_anchor' },
];
const built = (spec: object) => buildBatchLoss(lossSettingsSchema.parse(spec), { numClasses: 3, embeddingSize: 3, seed: 1 })!;

describe('all-equal embeddings (every distance 0)', () => {
  for (const spec of batchSpecs) {
    it(`${JSON.stringify(spec)}: finite value and gradient with the default epsilon`, () => {
      const x = tf.tensor2d(Array.from({ length: 6 }, () => [0.3, -0.2, 0.5]));
      const { value, gradient } = valueAndGradient(built(spec), x, labelsOf([0, 0, 1, 1, 2, 2]));
      expect(Number.isFinite(value)).toBe(true);
      expect(finite(gradient)).toBe(true);
    });
  }

  it('the guard: with epsilon 0, euclidean distances give a NaN gradient at d = 0', () => {
    const x = tf.tensor2d(Array.from({ length: 4 }, () => [0.3, -0.2]));
    const labels = labelsOf([0, 0, 1, 1]);
    for (const epsilon of [0, 1e-6]) {
      const distance = euclideanDistance({ epsilon });
      for (const loss of [contrastiveAllPairsLoss({ distance }), tripletMarginLoss({ distance })]) {
        // d/dx sqrt(d²) = (x_i − x_j) / sqrt(d²) = 0/0 at d = 0; sqrt(d² + ε) has 0/sqrt(ε) = 0.
        expect(valueAndGradient(loss, x, labels).gradient.some(Number.isNaN)).toBe(epsilon === 0);
      }
    }
  });
});

describe('a batch without any positive pair', () => {
  // Every label distinct: no positive pair, no triplet.
  const labels = () => labelsOf([0, 1, 2, 3, 4]);
  const x = () => seededMatrix(5, 3, 2);

  it('the guard: a masked mean over nothing is 0 with a zero gradient; Σ(l·m)/Σm is 0/0 = NaN', () => {
    expect(tf.div(tf.sum(tf.mul([1, 2, 3], tf.zeros([3]))), tf.sum(tf.zeros([3]))).dataSync()[0]).toBeNaN();
    for (const reducer of [meanReducer(), sumReducer(), meanOverNonZeroReducer()]) {
      const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => reducer.reduceMasked(v, tf.zeros([3])))(tf.tensor1d([1, 2, 3]));
      expect(value.dataSync()[0]).toBe(0);
      expect(Array.from(grad.dataSync())).toEqual([0, 0, 0]);
    }
  });

  for (const spec of [
    { kind: 'triplet' },
    { kind: 'triplet', miner: 'batch_hard' },
    { kind: 'triplet', miner: 'semi_hard' },
    { kind: 'nt_xent' },
  ]) {
    it(`${JSON.stringify(spec)}: loss 0 with a zero gradient`, () => {
      const { value, gradient } = valueAndGradient(built(spec), x(), labels());
      expect(value).toBe(0);
      expect(gradient.every((g) => g === 0)).toBe(true);
    });
  }

  it('contrastive_all_pairs: the positive part is 0, the negative part stays (finite)', () => {
    const distance = euclideanDistance({ epsilon: 1e-6 });
    const loss = contrastiveAllPairsLoss({ distance, negMargin: 3 });
    const negativesOnly = contrastiveAllPairsLoss({ distance, negMargin: 3, posMargin: 2.9 });
    const { value, gradient } = valueAndGradient(loss, x(), labels());
    expect(value).toBeGreaterThan(0);
    expect(value).toBeCloseTo(negativesOnly(x(), labels()).dataSync()[0], 6);
    expect(finite(gradient)).toBe(true);
  });

  it('multi_similarity: only the negative terms (finite)', () => {
    const { value, gradient } = valueAndGradient(built({ kind: 'multi_similarity' }), x(), labels());
    expect(Number.isFinite(value)).toBe(true);
    expect(finite(gradient)).toBe(true);
  });
});

describe('zero-norm embeddings under normalisation', () => {
  it('the guard: x / sqrt(|x|² + ε) keeps a zero row at 0 with a finite gradient; ε = 0 gives NaN', () => {
    const x = tf.tensor2d([
      [0, 0, 0],
      [3, 4, 0],
    ]);
    const normalizeSum = (epsilon: number) =>
      tf.valueAndGrad((v: tf.Tensor) => tf.sum(tf.mul(l2Normalize(v as tf.Tensor2D, epsilon), [1, 2, 3])))(x);
    const guarded = normalizeSum(1e-6);
    expect(Array.from(l2Normalize(x, 1e-6).dataSync().slice(0, 3))).toEqual([0, 0, 0]);
    expect(l2Normalize(x, 1e-6).dataSync()[3]).toBeCloseTo(0.6, 6);
    expect(finite(Array.from(guarded.grad.dataSync()))).toBe(true);
    const unguarded = normalizeSum(0);
    expect(unguarded.value.dataSync()[0]).toBeNaN();
    expect(Array.from(unguarded.grad.dataSync()).slice(0, 3).every(Number.isNaN)).toBe(true);
  });

  it('every loss on normalised embeddings stays finite with a zero embedding in the batch, and NaNs without ε', () => {
    const x = () => {
      const values = seededMatrix(6, 3, 9).arraySync();
      values[2] = [0, 0, 0];
      return tf.tensor2d(values);
    };
    const labels = labelsOf([0, 0, 1, 1, 2, 2]);
    for (const spec of batchSpecs) {
      const { value, gradient } = valueAndGradient(built(spec), x(), labels);
      expect(Number.isFinite(value), JSON.stringify(spec)).toBe(true);
      expect(finite(gradient), JSON.stringify(spec)).toBe(true);
    }
    const bare = cosineSimilarity({ epsilon: 0 });
    for (const loss of [ntXentLoss({ similarity: bare }), multiSimilarityLoss({ similarity: bare })]) {
      expect(valueAndGradient(loss, x(), labels).gradient.some(Number.isNaN)).toBe(true);
    }
  });
});

describe('large logits: τ → 0 (NT-Xent), large β (multi-similarity) and α (Proxy-Anchor)', () => {
  const similarity = cosineSimilarity({ epsilon: 1e-6 });

  it('NT-Xent at τ = 1e-4 equals its limit, where exp(S/τ) alone is ∞ in float32', () => {
    // exp(1 / 1e-4) overflows float32 (and float64): the unshifted softmax would be ∞/∞ = NaN.
    expect(Math.fround(Math.exp(1 / 1e-4))).toBe(Infinity);
    // Unit vectors at 0°, 10° (class 0) and 20° (class 1). For the pair (0, 1) the negative is farther
    // than the positive: loss log(1 + e^{(cos 20° − cos 10°)/τ}) → 0. For (1, 0) the negative (cos 10°)
    // ties the positive: log(1 + e^0) = log 2. Mean over the two positive pairs: log(2) / 2.
    const angle = (degrees: number) => [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
    const x = tf.tensor2d([angle(0), angle(10), angle(20)]);
    const loss = ntXentLoss({ temperature: 1e-4, similarity: cosineSimilarity({ epsilon: 0 }) });
    const { value, gradient } = valueAndGradient(loss, x, labelsOf([0, 0, 1]));
    // float32 rounding of the two cosines at 10° moves their difference by ~1e-7, times 1/τ = 1e4.
    expect(value).toBeCloseTo(Math.log(2) / 2, 2);
    expect(finite(gradient)).toBe(true);
  });

  it('NT-Xent, multi-similarity and Proxy-Anchor stay finite with logits of thousands', () => {
    const x = seededMatrix(6, 3, 4);
    const labels = labelsOf([0, 0, 1, 1, 2, 2]);
    for (const loss of [
      ntXentLoss({ temperature: 1e-4, similarity }),
      multiSimilarityLoss({ beta: 5000, alpha: 5000, similarity }),
      proxyAnchorLoss({ numClasses: 3, embeddingSize: 3, seed: 2, alpha: 5000, similarity }),
    ]) {
      const { value, gradient } = valueAndGradient(loss, x, labels);
      expect(Number.isFinite(value)).toBe(true);
      expect(finite(gradient)).toBe(true);
    }
  });
});
