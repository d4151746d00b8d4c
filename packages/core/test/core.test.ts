import { describe, expect, it } from 'vitest';
import { createRandom, LabError } from '../src/index.ts';

describe('createRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = createRandom(42),
      b = createRandom(42),
      c = createRandom(43);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it('draws integers in range with a roughly uniform spread', () => {
    const random = createRandom(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 10000; i++) counts[random.int(10)]++;
    for (const count of counts) expect(count).toBeGreaterThan(900);
    for (const count of counts) expect(count).toBeLessThan(1100);
  });

  it('shuffles into a permutation', () => {
    const values = Int32Array.from({ length: 100 }, (_, i) => i);
    createRandom(7).shuffle(values);
    expect(Array.from(values).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(values)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('LabError', () => {
  it('describes location, field and hint in one paragraph', () => {
    const error = new LabError('margin must be positive', {
      location: 'exp.yaml:4:11',
      field: 'base.loss.margin',
      hint: 'use a value like 5',
    });
    expect(error.describe()).toBe('exp.yaml:4:11, field `base.loss.margin`: margin must be positive\n  hint: use a value like 5');
  });
});
