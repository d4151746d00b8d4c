import { createRandom, LabError } from '@siamese-lab/core';
import { selectExamples, type Dataset } from './dataset.ts';
import type { TrainTest } from './mnist.ts';
import { indicesByClass } from './subset.ts';

export interface SplitOptions {
  /** Share of the images that go to the test set, in (0, 1). */
  testFraction: number;
  /** Split each class in the same proportion (its test count rounded), else draw over all images at once. */
  stratified: boolean;
  seed: number;
}

/**
 * A seeded train/test split of a source that has none of its own. Stratified: each class gives
 * round(size x test_fraction) of its images, drawn by a shuffle of its images seeded with `seed`;
 * otherwise one shuffle of all images gives round(count x test_fraction). Both sets keep the
 * dataset's order. A class left without test (or training) images is a LabError naming it.
 */
export function splitDataset(dataset: Dataset, options: SplitOptions, source?: string): TrainTest {
  const { testFraction, stratified, seed } = options;
  const random = createRandom(seed);
  const byClass = indicesByClass(dataset);
  const inTest = new Uint8Array(dataset.count);
  if (stratified) {
    byClass.forEach((list) => {
      const testCount = Math.round(list.length * testFraction);
      const shuffled = random.shuffle(Array.from(list));
      for (const index of shuffled.slice(0, testCount)) inTest[index] = 1;
    });
  } else {
    const shuffled = random.shuffle(Array.from({ length: dataset.count }, (_, i) => i));
    for (const index of shuffled.slice(0, Math.round(dataset.count * testFraction))) inTest[index] = 1;
  }
  byClass.forEach((list, label) => {
    if (list.length === 0) return;
    const testCount = list.reduce((count, index) => count + inTest[index], 0);
    const name = dataset.classNames[label];
    const how = `test_fraction ${testFraction}${stratified ? '' : ' (not stratified)'}`;
    if (testCount === 0) {
      throw new LabError(`the split leaves class \`${name}\` (${list.length} item(s)) without test items: ${how} gives it none`, {
        location: source,
        field: 'data.split.test_fraction',
        hint: stratified
          ? `raise test_fraction to at least ${(0.5 / list.length).toPrecision(2)}, or add items to class \`${name}\``
          : 'use stratified: true, a larger test_fraction, or add items to the class',
      });
    }
    if (testCount === list.length) {
      throw new LabError(
        `the split puts every item of class \`${name}\` (${list.length}) in the test set: ${how} leaves it none to train on`,
        {
          location: source,
          field: 'data.split.test_fraction',
          hint: `lower test_fraction, or add items to class \`${name}\``,
        },
      );
    }
  });
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < dataset.count; i++) (inTest[i] ? test : train).push(i);
  return { train: selectExamples(dataset, train, `${dataset.name}-train`), test: selectExamples(dataset, test, `${dataset.name}-test`) };
}
