import { describe, expect, it } from 'vitest';
import { reportSweepKeys } from '../src/from-store.ts';

describe('reportSweepKeys', () => {
  it('keeps flat sweep keys and replaces a swept section by its varying leaves', () => {
    const runs = [
      { params: { 'optimizer.name': 'sgd', 'model.share_weights': true, seed: 1 } },
      {
        params: {
          'optimizer.name': 'sgd',
          'model.share_weights': false,
          'model.tower_b.kind': 'mlp',
          'model.tower_b.hidden': '[32]',
          seed: 1,
        },
      },
      {
        params: {
          'optimizer.name': 'adam',
          'model.share_weights': false,
          'model.tower_b.kind': 'cnn',
          'model.tower_b.hidden': '[32]',
          seed: 2,
        },
      },
    ];
    expect(reportSweepKeys(['optimizer.name', 'model.tower_b', 'seed'], runs)).toEqual(['optimizer.name', 'model.tower_b.kind', 'seed']);
  });
});

describe('reportSweepKeys for a section that is only present or absent', () => {
  it('uses the section kind', () => {
    const runs = [
      { params: { 'model.share_weights': true } },
      { params: { 'model.share_weights': false, 'model.tower_b.kind': 'mlp', 'model.tower_b.hidden': '[32]' } },
    ];
    expect(reportSweepKeys(['model.tower_b'], runs)).toEqual(['model.tower_b.kind']);
  });
});
