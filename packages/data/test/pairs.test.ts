import { describe, expect, it } from 'vitest';
import { LabError, createRandom, type Random } from '@siamese-lab/core';
import { createEpochBatcher, createPairSampler, transformDataset, type PairBatch, type PairSamplerKind } from '../src/index.ts';
import { indexedDataset, thrown } from './helpers.ts';

// 30 images of 3 classes; image k has every pixel equal to k.
const labels = Array.from({ length: 30 }, (_, i) => (i * 7) % 3);
const dataset = indexedDataset(labels);

const copyBatch = (batch: PairBatch) => ({
  left: Array.from(batch.left),
  right: Array.from(batch.right),
  similar: Array.from(batch.similar),
  leftIndices: Array.from(batch.leftIndices),
  rightIndices: Array.from(batch.rightIndices),
});

function batches(kind: PairSamplerKind, seed: number, count: number, batchSize = 8) {
  const sampler = createPairSampler({ kind, dataset, batchSize, seed });
  return Array.from({ length: count }, () => copyBatch(sampler.nextBatch()));
}

/** Checks a batch's pixels and similarity labels against its indices. */
function expectConsistent(batch: PairBatch, leftLabels: ArrayLike<number>, rightLabels: ArrayLike<number>, rightOf = (j: number) => j) {
  for (let k = 0; k < batch.batchSize; k++) {
    const i = batch.leftIndices[k],
      j = batch.rightIndices[k];
    expect(batch.left[k * batch.leftFeatures]).toBe(i);
    expect(batch.left[(k + 1) * batch.leftFeatures - 1]).toBe(i);
    expect(batch.right[k * batch.rightFeatures]).toBe(rightOf(j));
    expect(batch.similar[k]).toBe(leftLabels[i] === rightLabels[j] ? 1 : 0);
  }
}

/** A literal port of TensorFlow's `DataSet.next_batch` (mnist.py), with data = example indices. */
function tensorflowNextBatch(count: number, random: Random) {
  let data = Array.from({ length: count }, (_, i) => i);
  let indexInEpoch = 0,
    epochsCompleted = 0;
  const permuted = () => {
    const perm = random.shuffle(Array.from({ length: count }, (_, i) => i));
    return perm.map((p) => data[p]);
  };
  return (batchSize: number): number[] => {
    let start = indexInEpoch;
    if (epochsCompleted === 0 && start === 0) data = permuted();
    if (start + batchSize > count) {
      epochsCompleted++;
      const rest = data.slice(start, count);
      data = permuted();
      start = 0;
      indexInEpoch = batchSize - rest.length;
      return [...rest, ...data.slice(start, indexInEpoch)];
    }
    indexInEpoch += batchSize;
    return data.slice(start, indexInEpoch);
  };
}

describe('createEpochBatcher', () => {
  it('matches TensorFlow next_batch, including batches that cross an epoch boundary', () => {
    for (const [count, batchSize] of [
      [10, 3],
      [10, 5],
      [10, 10],
      [7, 4],
      [5, 1],
    ]) {
      const reference = tensorflowNextBatch(count, createRandom(99));
      const batcher = createEpochBatcher(count, createRandom(99));
      for (let b = 0; b < 12; b++) {
        expect(Array.from(batcher.next(new Int32Array(batchSize)))).toEqual(reference(batchSize));
      }
    }
  });

  it('splices the rest of the old order with the start of a reshuffled one', () => {
    const batcher = createEpochBatcher(10, createRandom(5));
    const stream = Array.from({ length: 8 }, () => Array.from(batcher.next(new Int32Array(4)))).flat();
    expect(batcher.epochsCompleted).toBe(3);
    for (let epoch = 0; epoch < 3; epoch++) {
      expect([...stream.slice(epoch * 10, epoch * 10 + 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    // The first epoch is shuffled too, and later epochs get new orders.
    expect(stream.slice(0, 10)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(stream.slice(10, 20)).not.toEqual(stream.slice(0, 10));
  });
});

describe('createPairSampler', () => {
  for (const kind of ['epoch', 'with_replacement', 'balanced'] as const) {
    it(`${kind}: same seed gives the same batches, another seed different ones, with correct pixels and labels`, () => {
      const a = batches(kind, 1, 6),
        b = batches(kind, 1, 6),
        c = batches(kind, 2, 6);
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      const sampler = createPairSampler({ kind, dataset, batchSize: 8, seed: 3 });
      for (let n = 0; n < 5; n++) expectConsistent(sampler.nextBatch(), labels, labels);
    });
  }

  it('epoch: left and right are consecutive batches that cover each index exactly once per epoch', () => {
    const sampler = createPairSampler({ kind: 'epoch', dataset, batchSize: 4, seed: 11 });
    const stream: number[] = [];
    for (let n = 0; n < 15; n++) {
      const batch = sampler.nextBatch();
      stream.push(...batch.leftIndices, ...batch.rightIndices);
    }
    // 15 batches x 8 indices = 4 full epochs of 30; like TensorFlow, an epoch ending exactly at a
    // batch end is only counted when the next batch starts.
    expect(sampler.epochsCompleted).toBe(3);
    sampler.nextBatch();
    expect(sampler.epochsCompleted).toBe(4);
    for (let epoch = 0; epoch < 4; epoch++) {
      const indices = stream.slice(epoch * 30, epoch * 30 + 30).sort((x, y) => x - y);
      expect(indices).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }
  });

  it('with_replacement: draws each side independently, so an image can meet itself', () => {
    const tiny = indexedDataset([0, 1, 0]);
    const sampler = createPairSampler({ kind: 'with_replacement', dataset: tiny, batchSize: 3, seed: 4 });
    let selfPairs = 0;
    for (let n = 0; n < 20; n++) {
      const batch = sampler.nextBatch();
      expectConsistent(batch, [0, 1, 0], [0, 1, 0]);
      for (let k = 0; k < 3; k++) {
        if (batch.leftIndices[k] === batch.rightIndices[k]) {
          selfPairs++;
          expect(batch.left.subarray(k * 4, k * 4 + 4)).toEqual(batch.right.subarray(k * 4, k * 4 + 4));
          expect(batch.similar[k]).toBe(1);
        }
      }
    }
    expect(selfPairs).toBeGreaterThan(0);
  });

  it('balanced: exactly half the pairs are positive (distinct same-class images), in shuffled positions', () => {
    const sampler = createPairSampler({ kind: 'balanced', dataset, batchSize: 16, seed: 8 });
    const positionsOfPositives = new Set<string>();
    for (let n = 0; n < 20; n++) {
      const batch = sampler.nextBatch();
      expectConsistent(batch, labels, labels);
      expect(batch.similar.reduce((a, b) => a + b, 0)).toBe(8);
      for (let k = 0; k < 16; k++) if (batch.similar[k] === 1) expect(batch.leftIndices[k]).not.toBe(batch.rightIndices[k]);
      positionsOfPositives.add(Array.from(batch.similar).join(''));
    }
    expect(positionsOfPositives.size).toBeGreaterThan(1);
  });

  it('balanced: never pairs an image with itself even when its class has just two images', () => {
    const small = indexedDataset([0, 0, 1, 2]);
    const sampler = createPairSampler({ kind: 'balanced', dataset: small, batchSize: 4, seed: 2 });
    for (let n = 0; n < 30; n++) {
      const batch = sampler.nextBatch();
      for (let k = 0; k < 4; k++) {
        if (batch.similar[k] === 1) expect([batch.leftIndices[k], batch.rightIndices[k]].sort()).toEqual([0, 1]);
      }
    }
  });

  it('two sources: right images come from the right dataset and labels compare across them', () => {
    const other = transformDataset(
      indexedDataset(
        labels.map((l) => (l + 1) % 3),
        { rows: 4, cols: 4 },
      ),
      { downsample: 2, invert: true },
    );
    const rightLabels = Array.from(other.labels);
    for (const kind of ['epoch', 'with_replacement', 'balanced'] as const) {
      const sampler = createPairSampler({ kind, dataset, batchSize: 6, seed: 5, right: other });
      expect([sampler.leftFeatures, sampler.rightFeatures]).toEqual([4, 4]);
      for (let n = 0; n < 10; n++) {
        const batch = sampler.nextBatch();
        expectConsistent(batch, labels, rightLabels, (j) => 1 - j);
        if (kind === 'balanced') expect(batch.similar.reduce((a, b) => a + b, 0)).toBe(3);
      }
    }
    // Epoch walks both sides with their own orders: each side covers its dataset once per epoch.
    const sampler = createPairSampler({ kind: 'epoch', dataset, batchSize: 5, seed: 6, right: other });
    const left: number[] = [],
      right: number[] = [];
    for (let n = 0; n < 6; n++) {
      const batch = sampler.nextBatch();
      left.push(...batch.leftIndices);
      right.push(...batch.rightIndices);
    }
    const all = Array.from({ length: 30 }, (_, i) => i);
    expect([...left].sort((a, b) => a - b)).toEqual(all);
    expect([...right].sort((a, b) => a - b)).toEqual(all);
    expect(right).not.toEqual(left);
  });

  it('reuses its output buffers unless asked not to', () => {
    const reusing = createPairSampler({ kind: 'epoch', dataset, batchSize: 4, seed: 1 });
    const first = reusing.nextBatch();
    expect(reusing.nextBatch()).toBe(first);
    const fresh = createPairSampler({ kind: 'epoch', dataset, batchSize: 4, seed: 1, reuseBuffers: false });
    const one = fresh.nextBatch();
    expect(fresh.nextBatch().left).not.toBe(one.left);
  });

  it('stacks left rows then right rows in one buffer when both sides have one input size', () => {
    for (const kind of ['epoch', 'with_replacement', 'balanced'] as const) {
      const batch = createPairSampler({ kind, dataset, batchSize: 4, seed: 3 }).nextBatch();
      const stacked = batch.stacked!;
      expect(stacked).toHaveLength(2 * 4 * batch.leftFeatures);
      expect(Array.from(stacked)).toEqual([...batch.left, ...batch.right]);
      // Views, not copies: what the sampler writes into left and right is what the stack holds.
      expect(batch.left.buffer).toBe(stacked.buffer);
      expect(batch.right.buffer).toBe(stacked.buffer);
      expectConsistent(batch, labels, labels);
    }
    const otherSize = indexedDataset(labels, { rows: 3, cols: 3 });
    const twoSizes = createPairSampler({ kind: 'epoch', dataset, batchSize: 4, seed: 3, right: otherSize }).nextBatch();
    expect(twoSizes.stacked).toBeUndefined();
    expect(twoSizes.right).toHaveLength(4 * 9);
  });

  it('asserts options the settings schema validated (plain Errors: a caller bug)', () => {
    const cases: [Parameters<typeof createPairSampler>[0], RegExp][] = [
      [{ kind: 'epoch', dataset, batchSize: 31, seed: 1 }, /batch size 31 is larger/],
      [{ kind: 'with_replacement', dataset, batchSize: 0, seed: 1 }, /positive integer, got 0/],
      [{ kind: 'balanced', dataset, batchSize: 7, seed: 1 }, /even batch size/],
      [{ kind: 'shuffled' as PairSamplerKind, dataset, batchSize: 4, seed: 1 }, /unknown pair sampler "shuffled"/],
      [{ kind: 'epoch', dataset, batchSize: 4, seed: Number.NaN }, /seed must be a finite number/],
      [{ kind: 'epoch', dataset, batchSize: 4, seed: 1, right: indexedDataset([0, 1, 2, 3, 4]) }, /classes/],
      [{ kind: 'epoch', dataset, batchSize: 8, seed: 1, right: indexedDataset([0, 1, 2, 0, 1, 2]) }, /larger than the right dataset/],
    ];
    for (const [options, message] of cases) {
      const error = thrown(() => createPairSampler(options));
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(LabError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('rejects data that cannot give balanced pairs as bad input (LabErrors without a file field: the runner adds it)', () => {
    for (const labels of [
      [0, 0, 0, 0],
      [0, 1, 2, 3],
    ]) {
      const error = thrown(() =>
        createPairSampler({ kind: 'balanced', dataset: indexedDataset(labels), batchSize: 2, seed: 1 }),
      ) as LabError;
      expect(error).toBeInstanceOf(LabError);
      expect(error.message).toMatch(/cannot form (same|different)-class pairs/);
      expect(error.field).toBeUndefined();
    }
  });
});
