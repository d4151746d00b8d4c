import { dirname, join } from 'node:path';
import { LabError } from '@siamese-lab/core';
import { datasetClassNames } from '@siamese-lab/data';
import type { RunRecord, RunStore } from '@siamese-lab/store';
import { renderReport } from './render.ts';
import type { RenderResult, ReportInput, ReportRun } from './types.ts';
import type { SearchReport } from './search-section.ts';

/** Where an experiment's report goes: beside the database, in a folder named after the experiment. */
export function reportDirectory(store: RunStore, experimentName: string): string {
  return join(dirname(store.path), experimentName);
}

/** Reads an experiment from the store and writes its report into `reportDirectory`. */
export async function writeExperimentReport(store: RunStore, experimentName: string): Promise<RenderResult> {
  return renderReport(collectReportInput(store, experimentName), { outputDirectory: reportDirectory(store, experimentName) });
}

/**
 * One stored run as the report's charts take it. The embedding (the large part) can be left out
 * when only curves and metrics are drawn. Call inside `store.snapshot` to read a consistent run.
 */
export function reportRunFromStore(store: RunStore, run: RunRecord, options: { embedding?: boolean } = {}): ReportRun {
  const embedding = options.embedding === false ? undefined : store.getEmbedding(run.id);
  return {
    runId: String(run.id),
    label: run.label,
    configHash: run.configHash,
    status: run.status,
    params: run.params,
    metrics: store.getFinalMetrics(run.id),
    classShapes: embedding?.classShapes ?? null,
    wallSeconds: run.wallSeconds,
    backend: run.backend,
    nanSteps: run.nanSteps,
    firstNanStep: run.firstNanStep,
    curve: store.getStepMetrics(run.id).map((row) => ({
      step: row.step,
      loss: row.loss,
      positiveDistance: row.positiveDistance,
      negativeDistance: row.negativeDistance,
      nan: row.nan,
    })),
    embedding: embedding
      ? {
          dim: embedding.dim,
          points: embedding.points,
          labels: embedding.labels,
          ...(embedding.domains ? { domain: embedding.domains } : {}),
        }
      : null,
  };
}

/** Reads one experiment from the store, in one snapshot, into the report's input. */
export function collectReportInput(store: RunStore, experimentName: string): ReportInput {
  return store.snapshot(() => {
    const experiment = store.getExperiment(experimentName);
    if (!experiment) {
      const known = store.listExperiments().map((entry) => entry.name);
      throw new LabError(`no experiment named \`${experimentName}\` in ${store.path}`, {
        hint: known.length ? `known experiments: ${known.join(', ')}` : 'run one first: pnpm run exp experiments/quickstart.yaml',
      });
    }
    const records = store.listRuns({ experiment: experimentName });
    const runs = records.map((run) => reportRunFromStore(store, run));
    const base = (experiment.spec as { base?: { data?: { dataset?: string } } }).base;
    // An image folder's or arrays' classes are named by the data: as a run recorded them.
    const recorded = records
      .map((run) => (run.provenance as { data?: { classNames?: unknown } } | null)?.data?.classNames)
      .find((names): names is string[] => Array.isArray(names) && names.every((name) => typeof name === 'string'));
    const classNames = recorded ?? [...datasetClassNames(base?.data?.dataset ?? 'mnist')];
    return {
      experiment: { name: experiment.name, description: experiment.description },
      sweepKeys: reportSweepKeys(experiment.sweepKeys, runs),
      classNames,
      runs,
      generatedAt: new Date().toISOString(),
      // The claims as the file stated them when it was run (validated then), decided in the report.
      claims: (experiment.spec as { claims?: ReportInput['claims'] }).claims ?? [],
      ...((experiment.spec as { tuning?: ReportInput['tuning'] }).tuning && {
        tuning: (experiment.spec as { tuning: NonNullable<ReportInput['tuning']> }).tuning,
      }),
      ...((experiment.spec as { search?: StoredSearch }).search && {
        search: searchReport((experiment.spec as { search: StoredSearch }).search, records, runs),
      }),
    };
  });
}

/**
 * The report facets by flat parameters. A sweep over a whole section (e.g. `model.tower_b`,
 * whose values are objects) is stored as its flattened leaves, so it is replaced by the leaves
 * under it that actually vary across the runs.
 */
export function reportSweepKeys(sweepKeys: string[], runs: Array<{ params: Record<string, unknown> }>): string[] {
  const keys: string[] = [];
  for (const key of sweepKeys) {
    if (runs.some((run) => key in run.params)) {
      keys.push(key);
      continue;
    }
    const leaves = [...new Set(runs.flatMap((run) => Object.keys(run.params).filter((name) => name.startsWith(`${key}.`))))].sort();
    // A leaf varies when runs that have it disagree; where the section is only present or absent
    // (e.g. tower_b with distinct weights, none with shared), its `kind` tells the runs apart.
    const varying = leaves.filter(
      (leaf) => new Set(runs.filter((run) => leaf in run.params).map((run) => JSON.stringify(run.params[leaf]))).size > 1,
    );
    keys.push(...(varying.length ? varying : leaves.includes(`${key}.kind`) ? [`${key}.kind`] : leaves.slice(0, 1)));
  }
  return keys;
}

/** The part of a search's stored spec the report reads (the runner writes it: StoredSearchSpec). */
interface StoredSearch {
  space: Record<string, { kind: string; values?: Array<string | number | boolean> }>;
  sampler: { kind: string };
  objective: { metric: string; direction: 'minimize' | 'maximize' };
}

/** A search's trials for the report: each run's objective (at the end, or at the rung that stopped it) and steps. */
function searchReport(search: StoredSearch, records: RunRecord[], runs: ReportRun[]): SearchReport {
  return {
    metric: search.objective.metric,
    direction: search.objective.direction,
    sampler: search.sampler.kind,
    parameters: Object.entries(search.space).map(([name, parameter]) => ({ name, kind: parameter.kind, values: parameter.values })),
    trials: records.map((record, index) => {
      const metrics = runs[index].metrics;
      const value =
        record.status === 'pruned' ? metrics.rung_objective : record.status === 'completed' ? metrics[search.objective.metric] : null;
      return {
        trial: record.runIndex,
        label: record.label,
        status: record.status,
        params: Object.fromEntries(
          Object.keys(search.space).flatMap((name) => (name in record.params ? [[name, record.params[name]]] : [])),
        ),
        value: value ?? NaN,
        steps: record.stepsDone,
        finishedAt: record.finishedAt,
      };
    }),
  };
}
