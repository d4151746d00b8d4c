export { runStatuses, finishedStatuses, isRunStatus, isFinishedStatus, type RunStatus } from './statuses.ts';
export { type ParamValue } from './params.ts';
export { type ClassShape } from './class-shape.ts';
export { type RunRecord } from './run.ts';
export { type OptimizerAsBuilt } from './optimizer.ts';
export {
  embeddingMetricNames,
  crossDomainMetricNames,
  trainingMetricNames,
  timingMetricNames,
  headlineMetricNames,
  domainBSuffix,
  type EmbeddingMetricName,
  type CrossDomainMetricName,
  type TrainingMetricName,
} from './metric-names.ts';
