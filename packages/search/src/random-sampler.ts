/**
 * Random search, and the per-trial generators every sampler draws from. Trial i's draws are a pure
 * function of (seed, i, parameter name): a resumed study, or one whose trials finished in another
 * order, suggests the same parameters for the same trial; adding a parameter to the space leaves
 * the other parameters' draws as they were.
 */
import { createRandom, type Random } from '@siamese-lab/core';
import { fromInternal, internalBounds, isActive, parameterOrder, type Parameters, type SearchParameter, type Space } from './space.ts';

/** FNV-1a over the UTF-16 code units: a 32-bit key for the generator (createRandom mixes it further). */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

function checkIndex(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${what} must be a whole number of 0 or more, got ${value}`);
}

/** The generator of one parameter of one trial (`stream` separates a sampler's uses of it). */
export function trialRandom(seed: number, trial: number, parameter: string, stream = 'random'): Random {
  checkIndex('seed', seed);
  checkIndex('trial', trial);
  return createRandom(hash32(`${stream}\u0000${seed}\u0000${trial}\u0000${parameter}`));
}

/** One value drawn uniformly (on the internal scale: log for log ranges) from a parameter's range. */
export function drawUniform(parameter: SearchParameter, random: Random): number | string | boolean {
  if (parameter.kind === 'choice') return parameter.values[random.int(parameter.values.length)];
  const { low, high } = internalBounds(parameter);
  return fromInternal(parameter, low + (high - low) * random.next());
}

/**
 * Trial `trial`'s parameters under random search: every active parameter drawn uniformly from its
 * range (log-uniformly for log ranges); a parameter whose condition fails is absent.
 */
export function suggestRandom(space: Space, seed: number, trial: number): Parameters {
  const values: Parameters = {};
  for (const name of parameterOrder(space)) {
    const parameter = space[name];
    if (isActive(parameter, values)) values[name] = drawUniform(parameter, trialRandom(seed, trial, name));
  }
  return values;
}
