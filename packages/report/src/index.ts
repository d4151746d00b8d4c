export type { CurvePoint, RenderOptions, RenderResult, ReportInput, ReportRun, RunEmbedding } from './types.ts';
export { renderReport, defaultMaxPointsPerRun, chartSvg, chartSvgFileName } from './render.ts';
export { buildCharts, pointsPerPanel, type ChartSection, type ChartOptions } from './charts/index.ts';
export { escapeHtml, jsonForScript } from './escape.ts';
export {
  stratifiedSubsample,
  ellipsePolygon,
  nanIncidence,
  hitNan,
  metricDirection,
  bestRunsByMetric,
  type NanCell,
  type MetricDirection,
} from './shaping.ts';
export { collectReportInput, reportRunFromStore, reportDirectory, writeExperimentReport } from './from-store.ts';
