export { openRunStore, type RunStore } from './run-store.ts';
export { QUEUE_PLACEHOLDER_BACKEND } from './run-params.ts';
export type {
  RunRecord,
  RunOutcome,
  RunProgress,
  ExperimentRecord,
  ExperimentSummary,
  StepMetricRow,
  StepValue,
  SearchEvent,
  SearchEventInput,
  StoredEmbedding,
  StoredCheckpoint,
} from './records.ts';
