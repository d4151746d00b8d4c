export {
  openRunStore,
  type RunStore,
  type RunRecord,
  type RunOutcome,
  type RunProgress,
  type ExperimentRecord,
  type ExperimentSummary,
  type StepMetricRow,
  type StoredEmbedding,
  type StoredCheckpoint,
} from './run-store.ts';
