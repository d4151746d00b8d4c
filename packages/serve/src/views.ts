/**
 * The JSON behind each page, read from the store inside one snapshot so that a sweep writing at
 * the same time never shows half of a change (e.g. a completed run without its metrics).
 */
import {
  bestRunsByMetric,
  buildCharts,
  metricDirection,
  reportRunFromStore,
  type ChartSection,
  type ReportInput,
  type ReportRun,
} from '@siamese-lab/report';
import { headlineMetricNames, type ParamValue } from '@siamese-lab/run-record';
import type { RunRecord, RunStore } from '@siamese-lab/store';
import { overlaidCurvesSpec } from './compare-chart.ts';
import { classNamesOf, imageSource } from './images.ts';
import type { EmbeddingMeta, ExperimentListEntry, RunPageData, RunRow } from './wire.ts';

export function experimentsView(store: RunStore): { experiments: ExperimentListEntry[] } {
  return store.snapshot(() => {
    const latestByExperiment = new Map<string, string>();
    for (const run of store.listRuns()) {
      const latest = [run.createdAt, run.startedAt, run.finishedAt]
        .filter((time): time is string => time !== null)
        .sort()
        .at(-1)!;
      const current = latestByExperiment.get(run.experimentName);
      if (!current || latest > current) latestByExperiment.set(run.experimentName, latest);
    }
    const experiments = store.listExperiments().map((experiment) => {
      const runCounts = Object.fromEntries(Object.entries(experiment.runCounts).filter(([, count]) => count !== undefined)) as Record<
        string,
        number
      >;
      const runTime = latestByExperiment.get(experiment.name);
      return {
        name: experiment.name,
        description: experiment.description,
        runCounts,
        runs: Object.values(runCounts).reduce((sum, count) => sum + count, 0),
        lastUpdate: runTime && runTime > experiment.updatedAt ? runTime : experiment.updatedAt,
      };
    });
    return { experiments };
  });
}

/** Parameter keys whose value differs between runs (a key missing from a run counts as a value). */
export function varyingKeys(runs: Array<{ params: Record<string, ParamValue> }>): string[] {
  const keys = [...new Set(runs.flatMap((run) => Object.keys(run.params)))].sort();
  return keys.filter((key) => new Set(runs.map((run) => JSON.stringify(run.params[key] ?? null))).size > 1);
}

/** Known metrics first in a fixed order, then the rest alphabetically. */
function orderedMetricNames(rows: RunRow[]): string[] {
  const known = headlineMetricNames;
  const all = new Set(rows.flatMap((row) => Object.keys(row.metrics)));
  return [...known.filter((name) => all.has(name)), ...[...all].filter((name) => !known.includes(name)).sort()];
}

function runRow(store: RunStore, run: RunRecord): RunRow {
  return {
    id: run.id,
    label: run.label,
    status: run.status,
    params: run.params,
    metrics: store.getFinalMetrics(run.id),
    stepsDone: run.stepsDone,
    nanSteps: run.nanSteps,
    firstNanStep: run.firstNanStep,
    wallSeconds: run.wallSeconds,
    backend: run.backend,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

/** The experiment page's data: the run table with varying parameters, metrics and the best run per metric. */
export function experimentView(store: RunStore, name: string) {
  return store.snapshot(() => {
    const experiment = store.getExperiment(name);
    if (!experiment) return null;
    const runs = store.listRuns({ experiment: name }).map((run) => runRow(store, run));
    const metricNames = orderedMetricNames(runs);
    const reportRuns = runs.map((run) => ({ runId: String(run.id), status: run.status, metrics: run.metrics })) as ReportRun[];
    const best: Record<string, number[]> = {};
    for (const [metric, holders] of bestRunsByMetric(reportRuns, metricNames)) best[metric] = [...holders].map(Number);
    const sweepKeys = experiment.sweepKeys;
    const varying = varyingKeys(runs);
    const paramKeys = [...sweepKeys.filter((key) => varying.includes(key)), ...varying.filter((key) => !sweepKeys.includes(key))];
    return {
      name: experiment.name,
      description: experiment.description,
      sweepKeys,
      paramKeys,
      metricNames,
      directions: Object.fromEntries(metricNames.map((metric) => [metric, metricDirection(metric)])),
      best,
      runs,
    };
  });
}

const chartOptions = { maxPointsPerRun: 1500, maxCurvePointsPerRun: 500 };

/**
 * The report's charts (the same Vega-Lite specs as `lab report`) for the runs shown on the
 * experiment page: all runs, or the listed ones.
 */
export function experimentCharts(store: RunStore, name: string, runIds: number[] | null): ChartSection[] | null {
  return store.snapshot(() => {
    const experiment = store.getExperiment(name);
    if (!experiment) return null;
    const shown = new Set(runIds ?? []);
    const runs = store.listRuns({ experiment: name }).filter((run) => runIds === null || shown.has(run.id));
    const input: ReportInput = {
      experiment: { name: experiment.name, description: experiment.description },
      sweepKeys: experiment.sweepKeys.filter((key) => runs.some((run) => key in run.params)),
      classNames: classNamesOf(imageSource(runs[0]?.params ?? {}, experiment.filePath)),
      runs: runs.map((run) => reportRunFromStore(store, run)),
      generatedAt: new Date().toISOString(),
    };
    return buildCharts(input, chartOptions);
  });
}

/** One run's loss and pair-distance curves: the report's curve charts, for this run alone. */
export function runCurves(store: RunStore, runId: number): { charts: ChartSection[]; points: number } | null {
  return store.snapshot(() => {
    const run = store.getRun(runId);
    if (!run) return null;
    const reportRun = reportRunFromStore(store, run, { embedding: false });
    const input: ReportInput = {
      experiment: { name: run.experimentName, description: '' },
      sweepKeys: [],
      classNames: [],
      runs: [reportRun],
      generatedAt: new Date().toISOString(),
    };
    const charts = buildCharts(input, chartOptions).filter((chart) => chart.id === 'loss-curves' || chart.id === 'distance-curves');
    return { charts, points: reportRun.curve.length };
  });
}

/** The run page's data, without the embedding itself (fetched as binary). */
export function runView(store: RunStore, runId: number, embeddingMeta: (run: RunRecord) => EmbeddingMeta | null): RunPageData | null {
  return store.snapshot(() => {
    const run = store.getRun(runId);
    if (!run) return null;
    const experiment = store.getExperiment(run.experimentName);
    const source = imageSource(run.params, experiment?.filePath ?? null);
    return {
      run,
      metrics: store.getFinalMetrics(run.id),
      classNames: classNamesOf(source),
      images: { dataset: source.dataset, twoSource: source.right !== null },
      embedding: embeddingMeta(run),
    };
  });
}

/** Two or more runs side by side: the parameters that differ, their metrics, and their curves overlaid. */
export function compareView(store: RunStore, runIds: number[]) {
  return store.snapshot(() => {
    const runs = runIds.map((id) => store.getRun(id));
    const missing = runIds.filter((_, index) => !runs[index]);
    if (missing.length > 0) return { missing, found: null };
    const found = runs as RunRecord[];
    const rows = found.map((run) => runRow(store, run));
    const differing = varyingKeys(found).map((key) => ({ key, values: found.map((run) => run.params[key] ?? null) }));
    const metricNames = orderedMetricNames(rows);
    const curves = found.map((run) => ({ runId: run.id, label: run.label, curve: store.getStepMetrics(run.id) }));
    return {
      missing: [],
      found: {
        runs: rows.map(({ id, label, status, stepsDone, wallSeconds }) => ({ id, label, status, stepsDone, wallSeconds })),
        experimentNames: [...new Set(found.map((run) => run.experimentName))],
        differing,
        metrics: metricNames.map((name) => ({
          name,
          direction: metricDirection(name),
          values: rows.map((row) => row.metrics[name] ?? null),
        })),
        chart: overlaidCurvesSpec(curves),
      },
    };
  });
}

/** The API's answers, for typed clients and tests. */
export type ExperimentsView = ReturnType<typeof experimentsView>;
export type ExperimentView = NonNullable<ReturnType<typeof experimentView>>;
export type CompareView = NonNullable<ReturnType<typeof compareView>['found']>;
