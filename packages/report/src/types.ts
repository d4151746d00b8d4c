import type { ClassShape, ParamValue, RunStatus } from '@siamese-lab/run-record';

export type { ClassShape, ParamValue };

import type { Claim, TuningRule } from '@siamese-lab/stats';
import type { SearchReport } from './search-section.ts';

/** One run as the report sees it (see `collectReportInput` for how the store fills it). */

export interface CurvePoint {
  step: number;
  loss: number | null;
  positiveDistance: number | null;
  negativeDistance: number | null;
  nan: boolean;
}

export interface RunEmbedding {
  dim: number;
  /** n*dim values, row-major. */
  points: Float32Array;
  labels: Uint8Array;
  /** 0/1 per point for two-source runs. */
  domain?: Uint8Array;
}

export interface ReportRun {
  runId: string;
  label: string;
  configHash: string;
  status: RunStatus;
  /** Flattened dotted keys: 'optimizer.name', 'loss.margin', 'seed', ... */
  params: Record<string, ParamValue>;
  metrics: Record<string, number | null>;
  classShapes: ClassShape[] | null;
  wallSeconds: number | null;
  backend: string | null;
  nanSteps: number;
  firstNanStep: number | null;
  curve: CurvePoint[];
  embedding: RunEmbedding | null;
}

export interface ReportInput {
  experiment: { name: string; description: string };
  /** The params that vary across runs, in sweep order (the facet dimensions); 'seed' may be among them. */
  sweepKeys: string[];
  classNames: string[];
  /** May include unfinished runs: the report shows what is finished. */
  runs: ReportRun[];
  generatedAt: string;
  /** The experiment file's claims (as parsed by the runner), decided in the report's first section. */
  claims?: Claim[];
  /** The file's tuning rule: claims keep each group's best setting on validation, and the report ranks those settings. */
  tuning?: TuningRule & { report?: string };
  /** A search's trials with their objective and steps, for the report's Search section. */
  search?: SearchReport;
}

export interface RenderOptions {
  outputDirectory: string;
  /** Points drawn per run in the embedding scatter (stratified by class). Default 1500. */
  maxPointsPerRun?: number;
}

export interface RenderResult {
  htmlPath: string;
  svgPaths: string[];
  bytes: number;
}
