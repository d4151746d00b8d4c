import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import {
  buildPairLoss,
  contrastiveLoss,
  cosineDistance,
  euclideanDistance,
  meanOverNonZeroReducer,
  squaredMarginContrastiveLoss,
  sumReducer,
} from '../src/index.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

const t2 = (rows: number[][]) => tf.tensor2d(rows);
const t1 = (values: number[]) => tf.tensor1d(values);

describe('euclideanDistance', () => {
  it('gives the 3-4-5 triangle and adds epsilon under the root', () => {
    const exact = euclideanDistance({ epsilon: 0 }).measure(
      t2([
        [0, 0],
        [1, 1],
      ]),
      t2([
        [3, 4],
        [1, 1],
      ]),
    );
    expect(Array.from(exact.squared.dataSync())).toEqual([25, 0]);
    expect(Array.from(exact.distance.dataSync())).toEqual([5, 0]);
    const stabilised = euclideanDistance({ epsilon: 1e-6 }).measure(
      t2([
        [0, 0],
        [1, 1],
      ]),
      t2([
        [3, 4],
        [1, 1],
      ]),
    );
    expect(Array.from(stabilised.squared.dataSync())).toEqual([25, 0]);
    const d = stabilised.distance.dataSync();
    expect(d[0]).toBeCloseTo(Math.sqrt(25 + 1e-6), 6);
    expect(d[1]).toBeCloseTo(1e-3, 6);
  });
});

describe('contrastiveLoss', () => {
  const left = () =>
    t2([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  const right = () =>
    t2([
      [3, 4],
      [3, 4],
      [1, 0],
    ]);

  it('matches hand-computed values: l·d² + (1−l)·max(m − d, 0)², averaged', () => {
    // pair 0 similar, d = 5: 25. pair 1 dissimilar, d = 5, m = 6: (6−5)² = 1. pair 2 dissimilar, d = 1: (6−1)² = 25.
    const loss = contrastiveLoss({ margin: 6, distance: euclideanDistance({ epsilon: 0 }) });
    expect(loss(left(), right(), t1([1, 0, 0])).dataSync()[0]).toBeCloseTo((25 + 1 + 25) / 3, 5);
  });

  it('uses the seed margin of 5: a dissimilar pair at distance 5 costs nothing', () => {
    const loss = contrastiveLoss({ margin: 5, distance: euclideanDistance({ epsilon: 0 }) });
    expect(loss(left(), right(), t1([0, 0, 0])).dataSync()[0]).toBeCloseTo((0 + 0 + 16) / 3, 5);
  });

  it('sums with the sum reducer', () => {
    const loss = contrastiveLoss({ margin: 6, distance: euclideanDistance({ epsilon: 0 }), reducer: sumReducer() });
    expect(loss(left(), right(), t1([1, 0, 0])).dataSync()[0]).toBeCloseTo(51, 4);
  });

  it('gives a NaN gradient for identical embeddings without epsilon, and a finite one with the seed epsilon', () => {
    const gradientFor = (epsilon: number, similar: number) => {
      const loss = contrastiveLoss({ margin: 5, distance: euclideanDistance({ epsilon }) });
      const a = t2([[0.5, -0.25]]);
      const b = t2([[0.5, -0.25]]);
      const grad = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D, b, t1([similar])))(a);
      return Array.from(grad.dataSync());
    };
    // Even a positive pair NaNs: the mask (1 − l) = 0 multiplies an infinite sqrt gradient.
    expect(gradientFor(0, 1).every(Number.isNaN)).toBe(true);
    expect(gradientFor(0, 0).every(Number.isNaN)).toBe(true);
    expect(gradientFor(1e-6, 1).every(Number.isFinite)).toBe(true);
    expect(gradientFor(1e-6, 0).every(Number.isFinite)).toBe(true);
  });

  it('rejects a non-positive margin', () => {
    expect(() => contrastiveLoss({ margin: -1, distance: euclideanDistance({ epsilon: 0 }) })).toThrow(/margin/);
  });
});

describe('squaredMarginContrastiveLoss', () => {
  it('hinges on d²: (1−l)·max(m² − d², 0), and has a finite gradient at d = 0', () => {
    const loss = squaredMarginContrastiveLoss({ margin: 2, distance: euclideanDistance({ epsilon: 0 }) });
    // similar d² = 1 → 1; dissimilar d² = 1, m² = 4 → 3.
    expect(
      loss(
        t2([
          [0, 0],
          [0, 0],
        ]),
        t2([
          [1, 0],
          [1, 0],
        ]),
        t1([1, 0]),
      ).dataSync()[0],
    ).toBeCloseTo(2, 5);
    const grad = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D, t2([[1, 1]]), t1([0])))(t2([[1, 1]]));
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
  });
});

describe('cosineDistance', () => {
  it('is 0 for parallel, 1 for orthogonal and 2 for opposite vectors', () => {
    const measured = cosineDistance({ epsilon: 0 }).measure(
      t2([
        [1, 0],
        [1, 0],
        [2, 0],
      ]),
      t2([
        [3, 0],
        [0, 1],
        [-1, 0],
      ]),
    );
    const d = measured.distance.dataSync();
    expect(d[0]).toBeCloseTo(0, 5);
    expect(d[1]).toBeCloseTo(1, 5);
    expect(d[2]).toBeCloseTo(2, 5);
    expect(measured.squared.dataSync()[2]).toBeCloseTo(4, 5);
  });

  it('gives the contrastive hinge a finite gradient for nearly aligned pairs, also with epsilon = 0', () => {
    // In float32, 1 − cos rounds to 0 for these pairs; a hinge on sqrt(d²) would have an infinite
    // derivative there (times 0: NaN). Cosine distance has no square root, so nothing is singular.
    const a = t2([
      [1, 0],
      [0.5, -0.25],
      [3, 4],
    ]);
    const b = t2([
      [1, 1e-5],
      [0.5, -0.25],
      [3, 4.00001],
    ]);
    expect(Array.from(cosineDistance({ epsilon: 0 }).measure(a, b).distance.dataSync())).toEqual([0, 0, 0]);
    for (const epsilon of [0, 1e-6]) {
      for (const kind of ['contrastive', 'squared_margin'] as const) {
        const loss = buildPairLoss({ kind, distance: 'cosine', margin: 0.5, epsilon, reducer: 'mean' });
        const grad = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D, b, t1([0, 0, 1])))(a);
        expect(Array.from(grad.dataSync()).every(Number.isFinite), `${kind}, epsilon ${epsilon}`).toBe(true);
      }
    }
  });
});

describe('meanOverNonZeroReducer', () => {
  it('averages only the pairs with a positive loss', () => {
    expect(
      meanOverNonZeroReducer()
        .reduce(t1([0, 2, 4, 0]))
        .dataSync()[0],
    ).toBeCloseTo(3, 6);
    expect(
      meanOverNonZeroReducer()
        .reduce(t1([0, 0]))
        .dataSync()[0],
    ).toBe(0);
  });
});

describe('buildPairLoss', () => {
  it('builds the seed loss from a spec', () => {
    const loss = buildPairLoss({ kind: 'contrastive', distance: 'euclidean', margin: 6, epsilon: 0, reducer: 'mean' });
    expect(loss(t2([[0, 0]]), t2([[3, 4]]), t1([0])).dataSync()[0]).toBeCloseTo(1, 5);
  });
});
