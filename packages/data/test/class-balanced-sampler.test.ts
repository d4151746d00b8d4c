import { describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { createClassBalancedSampler, samplerSettingsSchema, type Dataset } from '../src/index.ts';

/** A tiny dataset: `sizes[c]` items of class c, each item's one feature its own index. */
function dataset(sizes: number[]): Dataset {
  const labels = sizes.flatMap((size, label) => Array.from({ length: size }, () => label));
  return {
    name: 'tiny',
    images: Float32Array.from(labels, (_, i) => i),
    labels: Uint8Array.from(labels),
    count: labels.length,
    rows: 1,
    cols: 1,
    channels: 1,
    classes: sizes.length,
    classNames: sizes.map((_, label) => String(label)),
  };
}

describe('the class-balanced sampler', () => {
  it('gives m items of each of k distinct classes, rows matching their indices and labels', () => {
    const data = dataset([10, 10, 10, 10, 10]);
    const sampler = createClassBalancedSampler({ dataset: data, classesPerBatch: 3, itemsPerClass: 4, seed: 1 });
    expect(sampler.batchSize).toBe(12);
    for (let n = 0; n < 20; n++) {
      const batch = sampler.nextBatch();
      const counts = new Map<number, number>();
      for (const label of batch.labels) counts.set(label, (counts.get(label) ?? 0) + 1);
      expect([...counts.values()]).toEqual([4, 4, 4]);
      batch.indices.forEach((index, row) => {
        expect(batch.images[row]).toBe(index);
        expect(data.labels[index]).toBe(batch.labels[row]);
      });
    }
  });

  it('is seeded: the same seed gives the same batches, another seed others', () => {
    const data = dataset([6, 7, 8, 9]);
    const draw = (seed: number) => {
      const sampler = createClassBalancedSampler({ dataset: data, classesPerBatch: 2, itemsPerClass: 3, seed });
      return Array.from({ length: 5 }, () => Array.from(sampler.nextBatch().indices));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(8)).not.toEqual(draw(7));
  });

  it('uses every item of a class once before repeating any (an epoch per class)', () => {
    const data = dataset([8, 8]);
    const sampler = createClassBalancedSampler({ dataset: data, classesPerBatch: 2, itemsPerClass: 4, seed: 3 });
    const first = [...sampler.nextBatch().indices, ...sampler.nextBatch().indices];
    // Two batches take 4 + 4 items of each class: all 16 items, each once.
    expect(new Set(first).size).toBe(16);
  });

  it('never puts an item twice in a batch when its class has at least m items, across epoch boundaries', () => {
    const sampler = createClassBalancedSampler({ dataset: dataset([5, 5, 5]), classesPerBatch: 2, itemsPerClass: 4, seed: 2 });
    for (let n = 0; n < 50; n++) expect(new Set(sampler.nextBatch().indices).size).toBe(8);
  });

  it('draws a class with fewer than m items with replacement, and refuses too few classes', () => {
    const small = createClassBalancedSampler({ dataset: dataset([2, 10]), classesPerBatch: 2, itemsPerClass: 5, seed: 1 });
    const batch = small.nextBatch();
    const ofClass0 = Array.from(batch.indices).filter((_, row) => batch.labels[row] === 0);
    expect(ofClass0).toHaveLength(5);
    expect(ofClass0.every((index) => index === 0 || index === 1)).toBe(true);
    expect(() => createClassBalancedSampler({ dataset: dataset([5, 5]), classesPerBatch: 3, itemsPerClass: 2, seed: 1 })).toThrow(LabError);
    expect(() => createClassBalancedSampler({ dataset: dataset([5, 5]), classesPerBatch: 2, itemsPerClass: 1, seed: 1 })).toThrow(
      /at least 2/,
    );
  });
});

describe('class_balanced settings', () => {
  it('fills items_per_class only for class_balanced, so the pair samplers keep their settings', () => {
    expect(samplerSettingsSchema.parse({})).toEqual({ kind: 'epoch', batch_size: 128 });
    expect(samplerSettingsSchema.parse({ kind: 'class_balanced' })).toEqual({
      kind: 'class_balanced',
      batch_size: 128,
      items_per_class: 16,
    });
  });

  it('refuses items_per_class for a pair sampler and sizes that do not divide into classes', () => {
    const message = (input: unknown) => samplerSettingsSchema.safeParse(input).error?.issues[0];
    const epochIssue = message({ kind: 'epoch', items_per_class: 4 });
    expect(epochIssue?.path).toEqual(['items_per_class']);
    expect(epochIssue?.message).toMatch(/applies to sampler class_balanced, not epoch/);
    const sizeIssue = message({ kind: 'class_balanced', batch_size: 100, items_per_class: 16 });
    expect(sizeIssue?.path).toEqual(['items_per_class']);
    expect(sizeIssue?.message).toMatch(/must be at least 2 .* and divide batch_size \(100\)/);
    expect(message({ kind: 'class_balanced', batch_size: 16, items_per_class: 16 })?.message).toMatch(/at least 2 classes/);
  });
});
