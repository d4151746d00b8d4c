/** The report's charts, in page order; each chart lives in its own module of this folder. */
import type { ReportInput } from '../types.ts';
import { anisotropyChart } from './anisotropy.ts';
import { axisRatioChart } from './axis-ratio.ts';
import { embeddingChart } from './embedding.ts';
import { firstNanStepChart } from './first-nan-step.ts';
import { intervalChart } from './intervals.ts';
import { nanHeatmapChart } from './nan-heatmap.ts';
import type { ChartOptions, ChartSection } from './section.ts';
import { distanceCurveChart, lossCurveChart } from './training-curves.ts';

export type { ChartOptions, ChartSection } from './section.ts';

export function buildCharts(input: ReportInput, options: ChartOptions): ChartSection[] {
  return [
    intervalChart(input),
    embeddingChart(input, options),
    anisotropyChart(input),
    axisRatioChart(input),
    nanHeatmapChart(input),
    firstNanStepChart(input),
    lossCurveChart(input, options),
    distanceCurveChart(input, options),
  ];
}
