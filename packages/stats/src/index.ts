export { mean, variance, standardDeviation, meanInterval, sortedQuantile, type Interval } from './descriptive.ts';
export { logGamma, logBeta, regularizedIncompleteBeta, studentTCdf, studentTSurvival, studentTQuantile } from './distributions.ts';
export { welchTTest, oneSampleTTest, type TTestResult } from './t-tests.ts';
export { hedgesG } from './effect-size.ts';
export { permutationTest, binomialCoefficient, type PermutationTestResult, type PermutationOptions } from './permutation.ts';
export { bootstrapDifferenceInterval, type BootstrapInterval, type BootstrapOptions, type BootstrapMethod } from './bootstrap.ts';
export { fisherExactTest, type Count, type FisherResult } from './proportions.ts';
