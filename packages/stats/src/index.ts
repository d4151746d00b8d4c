export { mean, variance, standardDeviation, meanInterval, sortedQuantile, type Interval } from './descriptive.ts';
export { logGamma, logBeta, regularizedIncompleteBeta, studentTCdf, studentTSurvival, studentTQuantile } from './distributions.ts';
export { welchTTest, oneSampleTTest, type TTestResult } from './t-tests.ts';
export { hedgesG } from './effect-size.ts';
export { permutationTest, binomialCoefficient, type PermutationTestResult, type PermutationOptions } from './permutation.ts';
export { bootstrapDifferenceInterval, type BootstrapInterval, type BootstrapOptions, type BootstrapMethod } from './bootstrap.ts';
export { fisherExactTest, type Count, type FisherResult } from './proportions.ts';
export { formatStatistic, formatSigned, formatP, formatParameter, formatInterval } from './format.ts';
export {
  compareGroups,
  groupRuns,
  comparePair,
  summarizeGroup,
  distinctValues,
  matchesWhere,
  parameterKey,
  nanRunsMetric,
  type Observation,
  type ParameterValue,
  type GroupSummary,
  type PairComparison,
  type Setting,
  type GroupComparison,
  type CompareOptions,
} from './groups.ts';
export {
  evaluateClaim,
  evaluateClaims,
  formatClaims,
  describeClaim,
  type Claim,
  type ClaimExpectation,
  type ClaimResult,
  type ClaimsSummary,
  type SettingVerdict,
  type Verdict,
} from './claims.ts';
