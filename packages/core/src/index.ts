export { LabError, isLabError } from './errors.ts';
export { createRandom, type Random } from './random.ts';
export { positiveNumber, positiveWholeNumber } from './settings.ts';
export type { QueryRanking } from './query-ranking.ts';
