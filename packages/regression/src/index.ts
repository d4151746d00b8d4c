export {
  createBaseline,
  serializeBaseline,
  writeBaseline,
  readBaseline,
  defaultBaselinePath,
  baselineFormatVersion,
  baselineRunNumerics,
  type Baseline,
  type BaselineRun,
  type ObservedRun,
} from './baseline.ts';
export {
  compareWithBaseline,
  classifyRun,
  formatCheckResult,
  type CheckResult,
  type RunCheck,
  type MetricCheck,
  type RunOutcome,
} from './compare.ts';
export { checkSeedMeans, settingOf, type SeedCheck } from './seed-level.ts';
export { defaultSeedLevel, type SeedLevelSettings } from './seed-level-settings.ts';
export {
  defaultBands,
  bandFor,
  fallbackBandOptimizer,
  fallbackTolerance,
  allowedBand,
  untrackedMetrics,
  exactMetrics,
  type Tolerance,
  type NumericsClass,
  type BandClass,
  type BandTable,
} from './tolerances.ts';
export { observeRuns } from './observe.ts';
export { checkExperiment, readBaselineOf, type CheckExperimentOptions, type CheckExperimentOutcome } from './check-experiment.ts';
export { recordBaseline, type RecordBaselineOptions, type RecordedBaseline } from './record-baseline.ts';
