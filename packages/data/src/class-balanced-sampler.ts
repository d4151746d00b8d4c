import { createRandom, LabError } from '@siamese-lab/core';
import { imageSize, type Dataset } from './dataset.ts';

/**
 * A batch of labelled items for the losses that form their own pairs and triplets (triplet,
 * multi-similarity, NT-Xent, Proxy-Anchor): `batchSize` rows of `features` values.
 */
export interface LabelledBatch {
  images: Float32Array;
  /** Each row's class id. */
  labels: Int32Array;
  /** Each row's index in the dataset. */
  indices: Int32Array;
  batchSize: number;
  features: number;
}

export interface ClassBalancedSamplerOptions {
  dataset: Dataset;
  /** k: classes in each batch (distinct). */
  classesPerBatch: number;
  /** m: items of each of those classes. */
  itemsPerClass: number;
  seed: number;
}

export interface ClassBalancedSampler {
  readonly batchSize: number;
  readonly features: number;
  /** The next batch; its arrays are fresh (the previous batch stays valid). */
  nextBatch(): LabelledBatch;
}

/**
 * pytorch-metric-learning's MPerClassSampler: each batch holds m items of each of k classes, so
 * that every item has m − 1 positives and (k − 1)·m negatives in its batch. The k classes are a
 * fresh seeded draw each batch (without replacement). Within a class, items come in a seeded
 * order without replacement; when fewer than m of the order are left, the class starts a new order
 * (an epoch per class, its last few items skipped), so no item appears twice in a batch;
 * a class with fewer than m items gives its items with replacement (some appear twice in the
 * batch: a pair of an item with itself has distance 0, which the losses' ε keeps finite).
 */
export function createClassBalancedSampler(options: ClassBalancedSamplerOptions): ClassBalancedSampler {
  const { dataset, classesPerBatch, itemsPerClass, seed } = options;
  if (!Number.isInteger(classesPerBatch) || classesPerBatch < 2) {
    throw new Error(`classesPerBatch must be a whole number of at least 2 (a negative for every item), got ${classesPerBatch}`);
  }
  if (!Number.isInteger(itemsPerClass) || itemsPerClass < 2) {
    throw new Error(`itemsPerClass must be a whole number of at least 2 (a positive for every item), got ${itemsPerClass}`);
  }
  const members: number[][] = Array.from({ length: dataset.classes }, () => []);
  for (let i = 0; i < dataset.count; i++) members[dataset.labels[i]].push(i);
  const classes = members.flatMap((items, label) => (items.length > 0 ? [label] : []));
  if (classes.length < classesPerBatch) {
    throw new LabError(
      `a class-balanced batch of ${classesPerBatch} classes needs ${classesPerBatch} classes in ${dataset.name}, which has items of ${classes.length}`,
      { hint: 'draw fewer classes a batch (raise items_per_class or lower batch_size) or use more training images' },
    );
  }
  const random = createRandom(seed);
  const features = imageSize(dataset);
  const batchSize = classesPerBatch * itemsPerClass;
  // Per class: its items in the current order and how many of them have been used.
  const orders = members.map((items) => random.shuffle([...items]));
  const used = new Int32Array(dataset.classes);

  /** m items of a class: the next m of its order, a new order first when fewer than m are left (no item twice in a batch). */
  const takeClass = (label: number, into: (index: number) => void): void => {
    const order = orders[label];
    if (order.length < itemsPerClass) {
      for (let j = 0; j < itemsPerClass; j++) into(order[random.int(order.length)]);
      return;
    }
    if (used[label] + itemsPerClass > order.length) {
      random.shuffle(order);
      used[label] = 0;
    }
    for (let j = 0; j < itemsPerClass; j++) into(order[used[label]++]);
  };

  return {
    batchSize,
    features,
    nextBatch() {
      const chosen = random.shuffle([...classes]).slice(0, classesPerBatch);
      const indices = new Int32Array(batchSize);
      const labels = new Int32Array(batchSize);
      const images = new Float32Array(batchSize * features);
      let row = 0;
      for (const label of chosen) {
        takeClass(label, (index) => {
          indices[row] = index;
          labels[row] = label;
          images.set(dataset.images.subarray(index * features, (index + 1) * features), row * features);
          row++;
        });
      }
      return { images, labels, indices, batchSize, features };
    },
  };
}
