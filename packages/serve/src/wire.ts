/**
 * The JSON shapes the server sends and the web UI reads, declared once for both. Type-only and
 * browser-safe on purpose: the UI bundle cannot import the server's modules (they pull in the
 * store and node), so this file imports nothing but the dependency-free run-record types.
 */
import type { ParamValue, RunRecord, RunStatus } from '@siamese-lab/run-record';

export interface ExperimentListEntry {
  name: string;
  description: string;
  runCounts: Record<string, number>;
  runs: number;
  /** The latest time anything of the experiment changed (its file, or a run starting or finishing). */
  lastUpdate: string;
}

/** One run of an experiment's run table. */
export interface RunRow {
  id: number;
  label: string;
  status: RunStatus;
  params: Record<string, ParamValue>;
  metrics: Record<string, number | null>;
  stepsDone: number;
  nanSteps: number;
  firstNanStep: number | null;
  wallSeconds: number | null;
  backend: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What changed since the last poll; pages re-read only what they show. */
export interface ChangeEvent {
  /** Runs that appeared, changed status, logged steps, or disappeared. */
  runs: Array<{
    id: number;
    experimentName: string;
    status: RunStatus;
    stepsDone: number;
    lastStep: number | null;
    change: 'added' | 'changed' | 'removed';
  }>;
  /** Experiments whose run list or statuses changed (their page and the experiments page refresh). */
  experiments: string[];
}

/** What the run page shows of a run's embedding before it fetches the points (binary). */
export interface EmbeddingMeta {
  count: number;
  dim: number;
  /** How the points were put in 2-D: as they are, by PCA, or on a line (1-D embeddings). */
  projection: 'identity' | 'pca' | 'line';
  explainedVariance: [number, number] | null;
  twoSource: boolean;
}

/** The run page's data (`/api/runs/:id`), without the embedding's points. */
export interface RunPageData {
  run: RunRecord;
  metrics: Record<string, number | null>;
  classNames: string[];
  images: { dataset: string; twoSource: boolean };
  embedding: EmbeddingMeta | null;
}
