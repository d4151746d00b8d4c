export { parseExperimentFile, type ExperimentSpec } from './spec/parse.ts';
export { type Tuning } from './spec/tuning.ts';
export { runSpecSchema, experimentFileSchema, optimizerNames, nanPolicies, type RunSpec, type ExperimentFile } from './spec/schema.ts';
export { configHash, flattenParams, type PlannedRun } from './spec/sweep.ts';
export { runExperiment, preflightExperiment, planExperiment } from './execute.ts';
export { countRun, type ExperimentEvent, type ExperimentOutcome, type RunExperimentOptions, type RunTally } from './experiment-run.ts';
export { trainAndEvaluate, type RunResult } from './run-one.ts';
export { trainingStep, type StepParts, type StepOutcome } from './training/step.ts';
export {
  trainRun,
  createStepper,
  type Stepper,
  type TrainingResult,
  type TrainingHooks,
  type NanDetail,
  type TrainingProgress,
} from './train.ts';
export { evaluateRun, type EvaluationResult } from './evaluate.ts';
export { bestTrial, bestTrialFile, storedSearch, type BestTrial } from './search/best.ts';
export { replaySearchLog, type StoredSearchSpec } from './search/run-search.ts';
export { loadRunData, dataProvenance, type RunData } from './datasets.ts';
export { collectProvenance, type Provenance } from './provenance.ts';
export { optimizerAsBuilt } from './optimizers.ts';
export {
  storedRunSpec,
  runSisters,
  preprocessPixels,
  restoreSiameseModel,
  embedPixels,
  inputDescription,
  sisterLayers,
  sisterDescription,
  type SisterInput,
  type Side,
} from './stored-model.ts';
