// A baseline file's `seed_level` settings: their shape, default and reading. Kept apart from the
// check on the means (seed-level.ts): baseline.ts stores these settings and the check reads
// baselines, so baseline.ts sits between the two and each imports one way.
import { LabError } from '@siamese-lab/core';

export interface SeedLevelSettings {
  /** Band half-width in standard deviations of the difference of two means: z * seed_sd * sqrt(2 / n). */
  z: number;
  /** Settings with fewer seeds than this are not checked at this level. */
  min_seeds: number;
}

/** z = 3: a mean moved by rounding alone stays inside with a wide margin (measured: README "Numerics"). */
export const defaultSeedLevel: SeedLevelSettings = { z: 3, min_seeds: 3 };

export function checkSeedLevel(value: unknown, path: string): SeedLevelSettings {
  const record = (value ?? {}) as Record<string, unknown>;
  const fail = (field: string) =>
    new LabError(`${field} must be a number ${field === 'seed_level.z' ? '> 0' : '>= 2'}`, {
      location: path,
      field,
      hint: 'e.g. "seed_level": { "min_seeds": 3, "z": 3 }',
    });
  if (typeof value !== 'object' || value === null) throw fail('seed_level.z');
  if (typeof record.z !== 'number' || !(record.z > 0)) throw fail('seed_level.z');
  if (typeof record.min_seeds !== 'number' || !Number.isInteger(record.min_seeds) || record.min_seeds < 2)
    throw fail('seed_level.min_seeds');
  return { z: record.z, min_seeds: record.min_seeds };
}
