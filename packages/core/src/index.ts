export { LabError, isLabError } from './errors.ts';
export { createRandom, type Random } from './random.ts';
