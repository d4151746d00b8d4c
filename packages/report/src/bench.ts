import { renderReport } from './render.ts';
import { syntheticReportInput } from './synthetic.ts';

export interface ReportBenchmark {
  runCount: number;
  pointsPerRun: number;
  curveLength: number;
  /** Time for renderReport alone (the synthetic input is built beforehand). */
  renderSeconds: number;
  htmlBytes: number;
  svgCount: number;
}

/**
 * Renders a synthetic sweep (default: 24 runs, 10,000 2-D points and 500 curve points per run)
 * into outputDirectory and measures how long renderReport takes and how big report.html is.
 */
export async function benchmarkReport(options: {
  outputDirectory: string;
  runCount?: number;
  pointsPerRun?: number;
  curveLength?: number;
  seed?: number;
}): Promise<ReportBenchmark> {
  const runCount = options.runCount ?? 24;
  const pointsPerRun = options.pointsPerRun ?? 10_000;
  const curveLength = options.curveLength ?? 500;
  const input = syntheticReportInput(runCount, options.seed ?? 1, { pointsPerRun, curveLength });
  const started = performance.now();
  const result = await renderReport(input, { outputDirectory: options.outputDirectory });
  return {
    runCount,
    pointsPerRun,
    curveLength,
    renderSeconds: (performance.now() - started) / 1000,
    htmlBytes: result.bytes,
    svgCount: result.svgPaths.length,
  };
}
