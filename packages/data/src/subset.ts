import { createRandom } from '@siamese-lab/core';
import { selectExamples, type Dataset } from './dataset.ts';

export interface SubsetOptions {
  /** Seed for the random choice (default 0), so a subset is the same on every run. */
  seed?: number;
  /** Keep the class proportions of the full dataset (largest-remainder rounding). */
  stratified?: boolean;
}

/** Indices of each class, in dataset order. */
export function indicesByClass(dataset: Dataset): Int32Array[] {
  const counts = new Int32Array(dataset.classes);
  for (let i = 0; i < dataset.count; i++) counts[dataset.labels[i]]++;
  const lists = Array.from(counts, (n) => new Int32Array(n));
  const filled = new Int32Array(dataset.classes);
  for (let i = 0; i < dataset.count; i++) {
    const label = dataset.labels[i];
    lists[label][filled[label]++] = i;
  }
  return lists;
}

/** How many of `count` each class gets in proportion to its size (largest remainder, ties to the lower class). */
function stratifiedQuotas(classSizes: number[], total: number, count: number): number[] {
  const exact = classSizes.map((size) => (size * count) / total);
  const quotas = exact.map(Math.floor);
  let left = count - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((value, label) => ({ label, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.label - b.label);
  for (const { label } of byRemainder) {
    if (left === 0) break;
    if (quotas[label] < classSizes[label]) {
      quotas[label]++;
      left--;
    }
  }
  return quotas;
}

/**
 * A deterministic random subset of `count` examples (for small runs and tests), kept in dataset order.
 * The result holds copies of the chosen images.
 */
export function takeSubset(dataset: Dataset, count: number, options: SubsetOptions = {}): Dataset {
  if (!Number.isInteger(count) || count < 1 || count > dataset.count) {
    throw new Error(`subset size must be an integer between 1 and ${dataset.count} (the size of ${dataset.name}), got ${count}`);
  }
  const random = createRandom(options.seed ?? 0);
  let chosen: number[];
  if (options.stratified) {
    const byClass = indicesByClass(dataset);
    const quotas = stratifiedQuotas(
      byClass.map((list) => list.length),
      dataset.count,
      count,
    );
    chosen = [];
    byClass.forEach((list, label) => {
      const shuffled = random.shuffle(Array.from(list));
      chosen.push(...shuffled.slice(0, quotas[label]));
    });
  } else {
    const all = Array.from({ length: dataset.count }, (_, i) => i);
    chosen = random.shuffle(all).slice(0, count);
  }
  chosen.sort((a, b) => a - b);
  return selectExamples(dataset, chosen, `${dataset.name}-subset${count}`);
}
