export type { CurvePoint, RenderOptions, RenderResult, ReportInput, ReportRun, RunEmbedding } from './types.ts';
export { renderReport } from './render.ts';
export { buildCharts, type ChartSection, type ChartOptions } from './charts/index.ts';
export { metricDirection, bestRunsByMetric, type MetricDirection } from './shaping.ts';
export { reportRunFromStore, writeExperimentReport } from './from-store.ts';
export { writeProjectorFiles, float32Text, spriteGridSide, spriteImage, MAX_SPRITE_SIDE, type ProjectorInput } from './projector.ts';
export { greyscalePng, imagePng } from './png.ts';
