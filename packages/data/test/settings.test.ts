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

describe('own-data settings', () => {
  const issue = (settings: Record<string, unknown>) => dataSettingsSchema.safeParse(settings).error?.issues[0];

  it('fill the image and split defaults only where they are written (MNIST runs keep their config hashes)', () => {
    expect(dataSettingsSchema.parse({ dataset: 'image_folder', directory: 'd', image: {}, split: { test_fraction: 0.2 } })).toEqual({
      dataset: 'image_folder',
      directory: 'd',
      validation_size: 5000,
      image: { channels: 1, normalize: 'unit' },
      split: { test_fraction: 0.2, stratified: true, seed: 0 },
    });
  });

  it('refuse settings that do not fit the dataset, at their field', () => {
    expect(issue({ image: { channels: 3 } })).toMatchObject({
      path: ['image'],
      message: '`image` applies to dataset image_folder, not mnist',
    });
    expect(issue({ dataset: 'npy', split: { test_fraction: 0.1 } })).toMatchObject({ path: ['directory'] });
    expect(issue({ dataset: 'image_folder', directory: 'd', image: { channels: 2 } })?.message).toBe(
      'channels must be 1 (grayscale) or 3 (RGB)',
    );
    expect(issue({ dataset: 'image_folder', directory: 'd', image: { size: [28] } })?.message).toMatch(
      /size must be a list of two numbers/,
    );
    expect(
      issue({ dataset: 'image_folder', directory: 'd', image: { channels: 3, normalize: { mean: [0.5], std: [0.5] } } }),
    ).toMatchObject({
      path: ['image', 'normalize', 'mean'],
      message: 'mean has 1 values but the images have 3 channel(s): give one per channel',
    });
    expect(issue({ dataset: 'npy', directory: 'd', arrays: { test_features: 'x.npy' } })).toMatchObject({
      path: ['arrays', 'test_labels'],
    });
    expect(issue({ dataset: 'npy', directory: 'd', split: { test_fraction: 1 } })?.message).toBe('test_fraction must be less than 1');
  });
});
