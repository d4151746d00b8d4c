import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import { allTripletsMask, batchHardTripletMiner, euclideanDistance, semiHardTripletMiner } from '../src/index.ts';
import { labelsOf } from './gradient-check.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** The (anchor, positive, negative) triplets a [n, n, n] mask selects, in index order. */
function selected(mask: tf.Tensor3D): number[][] {
  const [n] = mask.shape;
  const values = mask.dataSync();
  const triplets: number[][] = [];
  values.forEach((v, k) => {
    if (v !== 0) {
      expect(v).toBe(1);
      triplets.push([Math.floor(k / (n * n)), Math.floor(k / n) % n, k % n]);
    }
  });
  return triplets;
}

// Six points on a line, whole numbers so every distance is exact: class 0 at 0, 4, 10; class 1 at 13, 20, 30.
//        positives (distance)      negatives (distance)
//   a0:  1 (4),  2 (10)            3 (13), 4 (20), 5 (30)
//   a1:  0 (4),  2 (6)             3 (9),  4 (16), 5 (26)
//   a2:  0 (10), 1 (6)             3 (3),  4 (10), 5 (20)
//   a3:  4 (7),  5 (17)            0 (13), 1 (9),  2 (3)
//   a4:  3 (7),  5 (10)            0 (20), 1 (16), 2 (10)
//   a5:  3 (17), 4 (10)            0 (30), 1 (26), 2 (20)
const points = () => tf.tensor2d([[0], [4], [10], [13], [20], [30]]);
const labels = () => labelsOf([0, 0, 0, 1, 1, 1]);
const distance = euclideanDistance({ epsilon: 0 });

describe('allTripletsMask', () => {
  it('selects every anchor, other same-class item, other-class item', () => {
    expect(selected(allTripletsMask(labelsOf([0, 0, 1])))).toEqual([
      [0, 1, 2],
      [1, 0, 2],
    ]);
    expect(selected(allTripletsMask(labels()))).toHaveLength(6 * 2 * 3);
  });
});

describe('batchHardTripletMiner', () => {
  it('picks for each anchor its farthest positive and its closest negative', () => {
    // From the table: a0 (p2, q3), a1 (p2, q3), a2 (p0, q3), a3 (p5, q2), a4 (p5, q2: the
    // negatives 2 at 10 is closest), a5 (p3, q2).
    expect(selected(batchHardTripletMiner({ distance }).mine(points(), labels()))).toEqual([
      [0, 2, 3],
      [1, 2, 3],
      [2, 0, 3],
      [3, 5, 2],
      [4, 5, 2],
      [5, 3, 2],
    ]);
  });

  it('skips anchors without a positive or a negative, and breaks ties at the lowest index', () => {
    // Class 2 has one item (index 3): no positive, no triplet. All of class 0 sits at one point, so
    // anchor 0's positives 1 and 2 tie (d = 0, lowest index 1); negatives 3 and 4 tie at d = 1 (→ 3).
    const x = tf.tensor2d([[0], [0], [0], [1], [1]]);
    expect(selected(batchHardTripletMiner({ distance: euclideanDistance({ epsilon: 1e-12 }) }).mine(x, labelsOf([0, 0, 0, 2, 1])))).toEqual(
      [
        [0, 1, 3],
        [1, 0, 3],
        [2, 0, 3],
      ],
    );
  });

  it('has no gradient of its own: the mask is a constant', () => {
    const miner = batchHardTripletMiner({ distance: euclideanDistance({ epsilon: 1e-6 }) });
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(miner.mine(x as tf.Tensor2D, labels()), 3)))(points());
    expect(Array.from(gradient.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('semiHardTripletMiner', () => {
  it('picks the triplets whose negative is farther than the positive by at most the margin', () => {
    // Margin 5; 0 < d(a,q) − d(a,p) ≤ 5 in the table:
    //   a0 p2 q3: 13 − 10 = 3;   a1 p0 q3: 9 − 4 = 5 (the bound is inclusive);   a1 p2 q3: 9 − 6 = 3;
    //   a2 p1 q4: 10 − 6 = 4;    a3 p4 q1: 9 − 7 = 2;   a4 p3 q2: 10 − 7 = 3;   a5 p3 q2: 20 − 17 = 3.
    // Left out, e.g.: a2 p0 q3 (3 − 10 < 0, hard), a2 p0 q4 (10 − 10 = 0), a0 p1 q3 (13 − 4 = 9, easy).
    expect(selected(semiHardTripletMiner({ distance, margin: 5 }).mine(points(), labels()))).toEqual([
      [0, 2, 3],
      [1, 0, 3],
      [1, 2, 3],
      [2, 1, 4],
      [3, 4, 1],
      [4, 3, 2],
      [5, 3, 2],
    ]);
  });

  it('measures unit-length embeddings when asked', () => {
    // (2, 0) and (1, 0) are one point once normalised; (0, 3) sits at sqrt(2) from it. With
    // margin 1.5 > sqrt(2) every triplet is semi-hard: 0 < sqrt(2) − 0 ≤ 1.5. Unnormalised, both are
    // easy: the positive at 1, the negative at sqrt(13) (gap 2.6) and sqrt(10) (gap 2.2), beyond 1.5.
    const x = () =>
      tf.tensor2d([
        [2, 0],
        [1, 0],
        [0, 3],
      ]);
    const eps = euclideanDistance({ epsilon: 1e-12 });
    expect(
      selected(semiHardTripletMiner({ distance: eps, margin: 1.5, normalize: { epsilon: 1e-12 } }).mine(x(), labelsOf([0, 0, 1]))),
    ).toEqual([
      [0, 1, 2],
      [1, 0, 2],
    ]);
    expect(selected(semiHardTripletMiner({ distance: eps, margin: 1.5 }).mine(x(), labelsOf([0, 0, 1])))).toEqual([]);
  });
});
