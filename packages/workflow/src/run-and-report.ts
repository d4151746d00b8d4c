/**
 * "Run an experiment, then write its report" in one call, for the CLI, the bench and tests.
 * It lives in its own package because it needs both the runner and the report, and the runner
 * must not import the report (data flows runner → store → report).
 */
import { writeExperimentReport, type RenderResult } from '@siamese-lab/report';
import {
  parseExperimentFile,
  preflightExperiment,
  runExperiment,
  type ExperimentOutcome,
  type ExperimentSpec,
  type RunExperimentOptions,
} from '@siamese-lab/runner';
import { openRunStore } from '@siamese-lab/store';

export interface RunAndReportOptions extends Omit<RunExperimentOptions, 'store' | 'preflighted'> {
  /** The run database; created when absent. */
  db: string;
  /** Write the HTML report once the runs are done (default true); never after an interruption. */
  report?: boolean;
  /** Trains the runs (default: `runExperiment`, in this process or its workers); e.g. over a queue instead. */
  execute?: (experiment: ExperimentSpec, options: RunExperimentOptions) => Promise<ExperimentOutcome>;
}

export interface RunAndReportResult {
  experiment: ExperimentSpec;
  outcome: ExperimentOutcome;
  /** Wall time of the runs (not of the report). */
  seconds: number;
  /** The written report, or null when skipped or interrupted. */
  report: RenderResult | null;
}

/**
 * Parses and checks the experiment file before the database is touched (a bad file writes
 * nothing), runs every run that has not finished, then writes the report beside the database.
 */
export async function runAndReport(file: string, options: RunAndReportOptions): Promise<RunAndReportResult> {
  const { db, report = true, execute = runExperiment, ...runOptions } = options;
  const experiment = parseExperimentFile(file);
  preflightExperiment(experiment, { yes: runOptions.yes });
  const store = openRunStore(db);
  try {
    const started = performance.now();
    const outcome = await execute(experiment, { ...runOptions, store, preflighted: true });
    const seconds = (performance.now() - started) / 1000;
    const written = report && !outcome.interrupted ? await writeExperimentReport(store, experiment.name) : null;
    return { experiment, outcome, seconds, report: written };
  } finally {
    store.close();
  }
}
