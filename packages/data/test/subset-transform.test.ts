import { describe, expect, it } from 'vitest';
import { LabError } from '@siamese-lab/core';
import { takeSubset, transformDataset, type Dataset } from '../src/index.ts';
import { indexedDataset, thrown } from './helpers.ts';

// 100 examples: 70 of class 0, 20 of class 1, 10 of class 2, interleaved.
const labels = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 2 : i % 10 <= 2 ? 1 : 0));
const dataset = indexedDataset(labels);

const indexOf = (subset: Dataset, k: number) => subset.images[k * 4];

describe('takeSubset', () => {
  it('is deterministic per seed, keeps dataset order and copies matching images and labels', () => {
    const a = takeSubset(dataset, 30, { seed: 7 });
    const b = takeSubset(dataset, 30, { seed: 7 });
    const c = takeSubset(dataset, 30, { seed: 8 });
    expect(a.count).toBe(30);
    expect(a.images).toEqual(b.images);
    expect(a.images).not.toEqual(c.images);
    const chosen = Array.from({ length: 30 }, (_, k) => indexOf(a, k));
    expect(new Set(chosen).size).toBe(30);
    expect(chosen).toEqual([...chosen].sort((x, y) => x - y));
    chosen.forEach((index, k) => expect(a.labels[k]).toBe(labels[index]));
    expect(a.name).toBe('tiny-subset30');
  });

  it('keeps the class proportions when stratified', () => {
    for (const seed of [1, 2, 3]) {
      const subset = takeSubset(dataset, 20, { seed, stratified: true });
      const perClass = [0, 0, 0];
      subset.labels.forEach((label) => perClass[label]++);
      expect(perClass).toEqual([14, 4, 2]);
    }
    const rounded = takeSubset(dataset, 15, { stratified: true });
    const perClass = [0, 0, 0];
    rounded.labels.forEach((label) => perClass[label]++);
    // 10.5, 3, 1.5 rounded by largest remainder (ties to the lower class).
    expect(perClass).toEqual([11, 3, 1]);
  });

  it('asserts sizes within 1..count (no setting reaches it: a plain Error)', () => {
    for (const count of [0, 101, 2.5]) {
      const error = thrown(() => takeSubset(dataset, count));
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(LabError);
      expect((error as Error).message).toMatch(/subset size must be an integer between 1 and 100/);
    }
  });
});

describe('transformDataset', () => {
  // One 2x4 image with pixels 0.0 .. 0.7 row by row, plus a second image.
  const base: Dataset = {
    name: 'grid',
    images: Float32Array.from([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1, 1, 1, 1, 0, 0, 0, 0]),
    labels: Uint8Array.from([3, 1]),
    count: 2,
    rows: 2,
    cols: 4,
    channels: 1,
    classes: 4,
    classNames: ['a', 'b', 'c', 'd'],
  };

  it('rotates a quarter turn clockwise, swapping rows and cols', () => {
    const rotated = transformDataset(base, { rotate90: true });
    expect([rotated.rows, rotated.cols]).toEqual([4, 2]);
    // Clockwise: the bottom-left source pixel becomes the top-left one.
    expect(Array.from(rotated.images.subarray(0, 8))).toEqual(Array.from(Float32Array.from([0.4, 0, 0.5, 0.1, 0.6, 0.2, 0.7, 0.3])));
    expect(rotated.name).toBe('grid-rot90');
    expect(Array.from(rotated.labels)).toEqual([3, 1]);
  });

  it('inverts and downsamples by averaging 2x2 blocks', () => {
    const small = transformDataset(base, { invert: true, downsample: 2 });
    expect([small.rows, small.cols, small.count]).toEqual([1, 2, 2]);
    const expected = [
      (1 - 0 + (1 - Math.fround(0.1)) + (1 - Math.fround(0.4)) + (1 - Math.fround(0.5))) / 4,
      (1 - Math.fround(0.2) + (1 - Math.fround(0.3)) + (1 - Math.fround(0.6)) + (1 - Math.fround(0.7))) / 4,
      0.5,
      0.5,
    ];
    Array.from(small.images).forEach((value, i) => expect(value).toBeCloseTo(expected[i], 6));
    expect(small.name).toBe('grid-inverted-1x2');
  });

  it('makes a 14x14 inverted rotated version of 28x28 images', () => {
    const digits = indexedDataset([0, 1, 2], { rows: 28, cols: 28 });
    const other = transformDataset(digits, { rotate90: true, invert: true, downsample: 2 });
    expect([other.rows, other.cols, other.images.length]).toEqual([14, 14, 3 * 196]);
    expect(other.images[196]).toBe(0);
    expect(other.images[2 * 196 + 100]).toBe(-1);
    expect(digits.images[784]).toBe(1); // the source is untouched
  });

  it('copies the images even without any step and rejects odd sizes for downsampling', () => {
    const copy = transformDataset(base, {});
    expect(copy.images).not.toBe(base.images);
    expect(copy.images).toEqual(base.images);
    const odd = indexedDataset([0, 1], { rows: 3, cols: 4 });
    // The images, not a setting, are at fault: bad input, whose field the runner names.
    const error = thrown(() => transformDataset(odd, { downsample: 2 })) as LabError;
    expect(error).toBeInstanceOf(LabError);
    expect(error.message).toMatch(/cannot downsample 3x4 images/);
  });
});
