export {
  createBaseline,
  serializeBaseline,
  writeBaseline,
  readBaseline,
  defaultBaselinePath,
  baselineFormatVersion,
  type Baseline,
  type BaselineRun,
  type ObservedRun,
} from './baseline.ts';
export { compareWithBaseline, formatCheckResult, type CheckResult, type RunCheck, type MetricCheck, type RunOutcome } from './compare.ts';
export { defaultTolerances, defaultCrossBackendTolerances, defaultToleranceFor, fallbackTolerance, allowedBand, untrackedMetrics, type Tolerance } from './tolerances.ts';
export { observeRuns } from './observe.ts';
