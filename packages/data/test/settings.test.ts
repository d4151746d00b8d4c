import { describe, expect, it } from 'vitest';
import { dataSettingsSchema, samplerSettingsSchema } from '../src/index.ts';

describe('data and sampler settings', () => {
  it('fill the seed defaults', () => {
    expect(dataSettingsSchema.parse({})).toEqual({ dataset: 'mnist', validation_size: 5000 });
    expect(samplerSettingsSchema.parse({})).toEqual({ kind: 'epoch', batch_size: 128 });
  });

  it('reject an odd batch size for the balanced sampler, at batch_size', () => {
    const issue = samplerSettingsSchema.safeParse({ kind: 'balanced', batch_size: 7 }).error?.issues[0];
    expect(issue?.path).toEqual(['batch_size']);
    expect(issue?.message).toMatch(/even batch_size/);
    expect(samplerSettingsSchema.parse({ kind: 'balanced', batch_size: 8 })).toEqual({ kind: 'balanced', batch_size: 8 });
  });
});
