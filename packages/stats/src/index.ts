export { mean, variance, type Interval } from './descriptive.ts';
export { type TTestResult } from './t-tests.ts';
export { type PermutationTestResult, type PermutationOptions } from './permutation.ts';
export { type BootstrapInterval, type BootstrapOptions, type BootstrapMethod } from './bootstrap.ts';
export { type Count, type FisherResult } from './proportions.ts';
export { formatStatistic, formatParameter, formatInterval } from './format.ts';
export {
  compareGroups,
  groupRuns,
  distinctValues,
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
  evaluateClaims,
  claimPasses,
  formatClaims,
  describeClaim,
  type Claim,
  type ClaimExpectation,
  type ClaimResult,
  type ClaimsSummary,
  type SettingVerdict,
  type Verdict,
} from './claims.ts';
export { selectTuned, tunedScores, runsForClaims, type TuningRule, type TunedChoice, type TuningResult } from './tuning.ts';
