/**
 * What a section of `pnpm bench` is and the options it runs with. Its own module so that each
 * section imports it and the registry (sections.ts) imports the sections, never the reverse.
 */
import type { ConcreteBackendName } from '@siamese-lab/backend';

export interface BenchOptions {
  /** Timed steps for the fast backends (tensorflow, blas). */
  steps: number;
  wasmSteps: number;
  cpuSteps: number;
  peerSteps: number;
  backends?: ConcreteBackendName[];
  peer: boolean;
  profile: boolean;
  blasThreads?: number;
  /** Steps of the memory section's run (default 2000; 20000 for the long-run figure). */
  memorySteps?: number;
  /** Steps of each run of the sweep section (default 300). */
  sweepSteps?: number;
  log: (line: string) => void;
}

export const DEFAULT_BENCH_OPTIONS: Omit<BenchOptions, 'log'> = {
  steps: 200,
  wasmSteps: 12,
  cpuSteps: 3,
  peerSteps: 100,
  peer: true,
  profile: false,
};

export interface SectionReport {
  /** Lines of the human-readable table. */
  lines: string[];
  /** Keys merged into the one JSON object `--json` prints. */
  json: Record<string, unknown>;
}

/** One part of `pnpm bench`; sections run in order and each adds to the table and the JSON. */
export interface BenchSection {
  name: string;
  run(options: BenchOptions): Promise<SectionReport>;
}
