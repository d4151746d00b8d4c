import type { ParamValue } from './params.ts';
import type { RunStatus } from './statuses.ts';

/** One run as the store hands it out and the web UI receives it (camelCase, never an SQL row). */
export interface RunRecord {
  id: number;
  experimentId: number;
  experimentName: string;
  runIndex: number;
  configHash: string;
  label: string;
  status: RunStatus;
  /** The parameters the run ran with: as planned, but `backend` is the one it was computed on once recorded. */
  params: Record<string, ParamValue>;
  backend: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  wallSeconds: number | null;
  stepsDone: number;
  nanSteps: number;
  firstNanStep: number | null;
  nanDetail: unknown;
  error: string | null;
  provenance: unknown;
}
