import { describe, expect, it } from 'vitest';
import { lossSettingsSchema } from '../src/index.ts';

describe('lossSettingsSchema', () => {
  it('fills the defaults: the seed loss with epsilon 1e-6', () => {
    expect(lossSettingsSchema.parse({})).toEqual({ kind: 'contrastive', distance: 'euclidean', margin: 5, epsilon: 1e-6, reducer: 'mean' });
  });

  it('rejects a negative epsilon, a zero margin and an unknown key', () => {
    expect(lossSettingsSchema.safeParse({ epsilon: -1 }).error?.issues[0].message).toBe('epsilon must be 0 or more');
    expect(lossSettingsSchema.safeParse({ margin: 0 }).error?.issues[0].message).toBe('margin must be greater than 0');
    expect(lossSettingsSchema.safeParse({ margn: 5 }).success).toBe(false);
  });
});
