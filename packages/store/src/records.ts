import type { ClassShape, ParamValue, RunRecord, RunStatus } from '@siamese-lab/run-record';

/** What the store hands out and takes in: plain records (camelCase), never SQL rows. */

export interface ExperimentRecord {
  id: number;
  name: string;
  description: string;
  filePath: string | null;
  spec: unknown;
  sweepKeys: string[];
  createdAt: string;
  updatedAt: string;
}

export interface ExperimentSummary extends ExperimentRecord {
  runCounts: Partial<Record<RunStatus, number>>;
}

/** An experiment as `upsertExperiment` takes it. */
export interface ExperimentInput {
  name: string;
  description: string;
  filePath: string | null;
  spec: unknown;
  sweepKeys: string[];
}

/** Declared in run-record, where the web UI can read it too. */
export type { RunRecord };

/** A run as `planRun` takes it. */
export interface PlannedRun {
  runIndex: number;
  configHash: string;
  label: string;
  params: Record<string, ParamValue>;
}

/** What `claimRun` records about the process taking the run, and for how long it holds it. */
export interface RunClaim {
  backend: string;
  provenance: unknown;
  leaseSeconds: number;
  /** Claim a finished run too (its results are cleared). */
  force?: boolean;
}

export interface RunFilter {
  experiment?: string;
  status?: RunStatus;
}

export interface StepMetricRow {
  step: number;
  loss: number | null;
  positiveDistance: number | null;
  negativeDistance: number | null;
  learningRate: number | null;
  nan: boolean;
}

export interface StoredEmbedding {
  dim: number;
  count: number;
  points: Float32Array;
  labels: Uint8Array;
  domains: Uint8Array | null;
  classShapes: ClassShape[] | null;
}

export interface StoredCheckpoint {
  tensors: Array<{ name: string; shape: number[]; values: Float32Array }>;
}

/** A run's progress as a live view polls it: cheap to read for every run at once. */
export interface RunProgress {
  id: number;
  experimentId: number;
  experimentName: string;
  status: RunStatus;
  stepsDone: number;
  /** The last logged step (null before the first). */
  lastStep: number | null;
  finishedAt: string | null;
}

export interface RunOutcome {
  status: Extract<RunStatus, 'completed' | 'nan' | 'failed' | 'pruned'>;
  wallSeconds: number;
  stepsDone: number;
  nanSteps: number;
  firstNanStep: number | null;
  nanDetail?: unknown;
  error?: string | null;
  metrics: Record<string, number | null>;
  embedding?: Omit<StoredEmbedding, 'count'> | null;
  checkpoint?: StoredCheckpoint | null;
}

/** A named value at a step of a run (a search trial's rung history). */
export interface StepValue {
  step: number;
  name: string;
  value: number | null;
}

/** One decision of a search, as its log records it. */
export interface SearchEventInput {
  trial: number;
  /** suggest: the trial's parameters were chosen; rung: it was judged at a rung. */
  kind: 'suggest' | 'rung';
  /** The rung's index (rung events). */
  rung?: number;
  /** The rung's step (rung events). */
  step?: number;
  /** The objective at the rung (non-finite is stored as null). */
  value?: number | null;
  /** continue or prune (rung events). */
  decision?: string;
  /** suggest: the parameters and what the sampler saw. */
  data?: unknown;
}

export interface SearchEvent extends Omit<Required<SearchEventInput>, 'rung' | 'step' | 'value' | 'decision'> {
  id: number;
  rung: number | null;
  step: number | null;
  value: number | null;
  decision: string | null;
  createdAt: string;
}

/** A run trained by another process (a queue worker), as its lease holder records it. */
export interface RunTrainedElsewhere {
  backend: string;
  provenance: unknown;
  startedAt: string;
  stepMetrics: StepMetricRow[];
  outcome: RunOutcome;
}
