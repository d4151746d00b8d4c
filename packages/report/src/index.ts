export type { CurvePoint, RenderOptions, RenderResult, ReportInput, ReportRun, RunEmbedding } from './types.ts';
export { renderReport } from './render.ts';
export { buildCharts, type ChartSection, type ChartOptions } from './charts/index.ts';
export { metricDirection, bestRunsByMetric, type MetricDirection } from './shaping.ts';
export { reportRunFromStore, writeExperimentReport } from './from-store.ts';
