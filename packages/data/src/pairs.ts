import { LabError, createRandom, type Random } from '@siamese-lab/core';
import { imageSize, type Dataset } from './dataset.ts';
import { indicesByClass } from './subset.ts';

import { PAIR_SAMPLER_KINDS, type PairSamplerKind } from './settings.ts';

export interface PairSamplerOptions {
  /**
   * - `epoch`: the seed's scheme, two consecutive TensorFlow `next_batch` calls (left, then right)
   *   over shuffled epoch orders;
   * - `with_replacement`: left and right drawn independently and uniformly (self-pairs possible);
   * - `balanced`: exactly half the pairs same-class (distinct images), half different-class, shuffled.
   */
  kind: PairSamplerKind;
  dataset: Dataset;
  batchSize: number;
  seed: number;
  /** Where right images come from (two-source, cross-domain pairs); defaults to `dataset`. Must have the same classes. */
  right?: Dataset;
  /**
   * Overwrite and return the same PairBatch (same arrays) on every call (default true), to avoid
   * allocating ~1 MB per batch. The caller must copy a batch (e.g. into tensors) before the next call.
   */
  reuseBuffers?: boolean;
}

/** A batch of image pairs: row k of `left` and of `right` form pair k. */
export interface PairBatch {
  /** `batchSize * leftFeatures` pixels. */
  left: Float32Array;
  /** `batchSize * rightFeatures` pixels. */
  right: Float32Array;
  /**
   * When both sides have the same number of features: one buffer holding the left rows, then the
   * right rows, of which `left` and `right` are views. A shared-weights model takes it as one
   * batch of `2 * batchSize` inputs, uploaded once, without joining the two halves first.
   */
  stacked?: Float32Array;
  /** 1 when the two images of a pair have the same label, else 0. */
  similar: Float32Array;
  leftIndices: Int32Array;
  rightIndices: Int32Array;
  batchSize: number;
  leftFeatures: number;
  rightFeatures: number;
}

export interface PairSampler {
  readonly kind: PairSamplerKind;
  readonly batchSize: number;
  readonly leftFeatures: number;
  readonly rightFeatures: number;
  /**
   * Passes over the left dataset so far (only advances for `epoch`), counted like TensorFlow: when a
   * batch starts past the end of the current order.
   */
  readonly epochsCompleted: number;
  /** The next batch; with `reuseBuffers` (the default) the previous batch's arrays are overwritten. */
  nextBatch(): PairBatch;
}

/**
 * Index batches over a dataset exactly like TensorFlow's `DataSet.next_batch(batch_size)` with
 * shuffling: the order is shuffled before the first batch, and a batch crossing the end of an
 * epoch takes the rest of the old order followed by the start of a freshly shuffled one.
 */
export interface EpochBatcher {
  readonly epochsCompleted: number;
  /** Writes the next `out.length` indices into `out` and returns it. */
  next(out: Int32Array): Int32Array;
}

export function createEpochBatcher(count: number, random: Random): EpochBatcher {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  let indexInEpoch = 0;
  let epochsCompleted = 0;
  return {
    get epochsCompleted() {
      return epochsCompleted;
    },
    next(out) {
      const batchSize = out.length;
      if (batchSize > count) throw new Error(`batch of ${batchSize} from ${count} examples`);
      const start = indexInEpoch;
      if (epochsCompleted === 0 && start === 0) random.shuffle(order);
      if (start + batchSize > count) {
        epochsCompleted++;
        const rest = count - start;
        out.set(order.subarray(start, count), 0);
        random.shuffle(order);
        indexInEpoch = batchSize - rest;
        out.set(order.subarray(0, indexInEpoch), rest);
      } else {
        indexInEpoch += batchSize;
        out.set(order.subarray(start, indexInEpoch), 0);
      }
      return out;
    },
  };
}

/**
 * Checks sampler options. The settings were validated (samplerSettingsSchema), so a bad kind,
 * seed or batch size is the caller's bug (a plain Error); a dataset that cannot give the pairs
 * asked for is bad input (a LabError).
 */
export function validatePairSamplerOptions(options: PairSamplerOptions): void {
  const { kind, dataset, batchSize, seed } = options;
  const right = options.right ?? dataset;
  if (!PAIR_SAMPLER_KINDS.includes(kind)) throw new Error(`unknown pair sampler "${String(kind)}"`);
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`sampler seed must be a finite number, got ${String(seed)}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${String(batchSize)}`);
  for (const [role, source] of [
    ['left', dataset],
    ['right', right],
  ] as const) {
    if (batchSize > source.count) {
      throw new Error(`batch size ${batchSize} is larger than the ${role} dataset ${source.name} (${source.count} images)`);
    }
  }
  if (right !== dataset && right.classes !== dataset.classes) {
    throw new Error(
      `the right dataset ${right.name} has ${right.classes} classes but the left dataset ${dataset.name} has ${dataset.classes}`,
    );
  }
  if (kind === 'balanced') {
    if (batchSize % 2 !== 0) {
      throw new Error(`the balanced sampler needs an even batch size (half positive, half negative pairs), got ${batchSize}`);
    }
    const plan = planBalanced(dataset, right);
    if (plan.positiveLeft.length === 0) {
      throw new LabError(
        `cannot form same-class pairs: no class has ${right === dataset ? 'two images' : 'images on both sides'} in ${dataset.name}`,
        { hint: 'use more images (a larger train_limit or test_limit) or another sampler' },
      );
    }
    if (plan.negativeLeft.length === 0) {
      throw new LabError(`cannot form different-class pairs: ${dataset.name} and ${right.name} hold only one class between them`, {
        hint: 'use a dataset with at least two classes, or another sampler',
      });
    }
  }
}

function allocateBatch(batchSize: number, leftFeatures: number, rightFeatures: number): PairBatch {
  const pixels = {
    left: new Float32Array(batchSize * leftFeatures),
    right: new Float32Array(batchSize * rightFeatures),
  };
  if (leftFeatures === rightFeatures) {
    const stacked = new Float32Array(2 * batchSize * leftFeatures);
    Object.assign(pixels, {
      stacked,
      left: stacked.subarray(0, batchSize * leftFeatures),
      right: stacked.subarray(batchSize * leftFeatures),
    });
  }
  return {
    ...pixels,
    similar: new Float32Array(batchSize),
    leftIndices: new Int32Array(batchSize),
    rightIndices: new Int32Array(batchSize),
    batchSize,
    leftFeatures,
    rightFeatures,
  };
}

/** Copies the images at the batch's indices into its pixel buffers and sets the similarity labels. */
function gather(batch: PairBatch, left: Dataset, right: Dataset): PairBatch {
  const { leftFeatures: lf, rightFeatures: rf } = batch;
  for (let k = 0; k < batch.batchSize; k++) {
    const i = batch.leftIndices[k];
    const j = batch.rightIndices[k];
    batch.left.set(left.images.subarray(i * lf, (i + 1) * lf), k * lf);
    batch.right.set(right.images.subarray(j * rf, (j + 1) * rf), k * rf);
    batch.similar[k] = left.labels[i] === right.labels[j] ? 1 : 0;
  }
  return batch;
}

interface BalancedPlan {
  /** Left indices that have at least one same-class partner on the right. */
  positiveLeft: Int32Array;
  /** Left indices that have at least one different-class partner on the right. */
  negativeLeft: Int32Array;
  /** Right indices grouped by class: class c occupies [classStart[c], classStart[c] + classSize[c]). */
  rightByClass: Int32Array;
  classStart: Int32Array;
  classSize: Int32Array;
  /** For one-source sampling: where each index sits inside its class group (to exclude self-pairs). */
  positionInClass: Int32Array;
}

function planBalanced(left: Dataset, right: Dataset): BalancedPlan {
  const sameSource = left === right;
  const groups = indicesByClass(right);
  const classSize = Int32Array.from(groups, (g) => g.length);
  const classStart = new Int32Array(right.classes);
  const rightByClass = new Int32Array(right.count);
  const positionInClass = new Int32Array(right.count);
  let offset = 0;
  groups.forEach((group, label) => {
    classStart[label] = offset;
    rightByClass.set(group, offset);
    group.forEach((index, position) => (positionInClass[index] = position));
    offset += group.length;
  });
  const positive: number[] = [];
  const negative: number[] = [];
  for (let i = 0; i < left.count; i++) {
    const size = classSize[left.labels[i]] ?? 0;
    if (size >= (sameSource ? 2 : 1)) positive.push(i);
    if (right.count - size > 0) negative.push(i);
  }
  return {
    positiveLeft: Int32Array.from(positive),
    negativeLeft: Int32Array.from(negative),
    rightByClass,
    classStart,
    classSize,
    positionInClass,
  };
}

/** A seeded, deterministic sampler of image pairs (see `PairSamplerOptions.kind`). */
export function createPairSampler(options: PairSamplerOptions): PairSampler {
  validatePairSamplerOptions(options);
  const { kind, dataset, batchSize, seed } = options;
  const right = options.right ?? dataset;
  const sameSource = right === dataset;
  const reuse = options.reuseBuffers ?? true;
  const leftFeatures = imageSize(dataset);
  const rightFeatures = imageSize(right);
  const random = createRandom(seed);
  const shared = reuse ? allocateBatch(batchSize, leftFeatures, rightFeatures) : undefined;
  const nextBuffers = () => shared ?? allocateBatch(batchSize, leftFeatures, rightFeatures);

  let fillIndices: (batch: PairBatch) => void;
  let epochsCompleted = () => 0;
  if (kind === 'epoch') {
    const leftBatcher = createEpochBatcher(dataset.count, random.fork(1));
    // One source: left and right are two consecutive batches of the same walk, as in the seed.
    const rightBatcher = sameSource ? leftBatcher : createEpochBatcher(right.count, random.fork(2));
    epochsCompleted = () => leftBatcher.epochsCompleted;
    fillIndices = (b) => {
      leftBatcher.next(b.leftIndices);
      rightBatcher.next(b.rightIndices);
    };
  } else if (kind === 'with_replacement') {
    fillIndices = (b) => {
      for (let k = 0; k < batchSize; k++) {
        b.leftIndices[k] = random.int(dataset.count);
        b.rightIndices[k] = random.int(right.count);
      }
    };
  } else {
    const plan = planBalanced(dataset, right);
    const isPositive = new Uint8Array(batchSize);
    fillIndices = (b) => {
      isPositive.fill(0);
      isPositive.fill(1, 0, batchSize / 2);
      random.shuffle(isPositive);
      for (let k = 0; k < batchSize; k++) {
        if (isPositive[k]) {
          const i = plan.positiveLeft[random.int(plan.positiveLeft.length)];
          const label = dataset.labels[i];
          let position: number;
          if (sameSource) {
            // Draw among the class's other images: skip over i's own slot.
            position = random.int(plan.classSize[label] - 1);
            if (position >= plan.positionInClass[i]) position++;
          } else {
            position = random.int(plan.classSize[label]);
          }
          b.leftIndices[k] = i;
          b.rightIndices[k] = plan.rightByClass[plan.classStart[label] + position];
        } else {
          const i = plan.negativeLeft[random.int(plan.negativeLeft.length)];
          const label = dataset.labels[i];
          // Draw among the right images outside i's class group.
          let position = random.int(right.count - plan.classSize[label]);
          if (position >= plan.classStart[label]) position += plan.classSize[label];
          b.leftIndices[k] = i;
          b.rightIndices[k] = plan.rightByClass[position];
        }
      }
    };
  }

  return {
    kind,
    batchSize,
    leftFeatures,
    rightFeatures,
    get epochsCompleted() {
      return epochsCompleted();
    },
    nextBatch() {
      const b = nextBuffers();
      fillIndices(b);
      return gather(b, dataset, right);
    },
  };
}
