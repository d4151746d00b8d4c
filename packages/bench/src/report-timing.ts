import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport } from '@siamese-lab/report';
// The synthetic sweep the report's own tests use (a test helper, exported for this benchmark only).
import { syntheticReportInput } from '@siamese-lab/report/synthetic';
import type { BenchOptions, BenchSection } from './bench-section.ts';

/** How long the report of a 24-run sweep takes to write, and how big it is. */
export const reportTimingSection: BenchSection = {
  name: 'report',
  async run(options: BenchOptions) {
    const folder = mkdtempSync(join(tmpdir(), 'lab-bench-report-'));
    options.log('rendering the report of a synthetic 24-run sweep (10,000 points, 500 curve points per run)');
    try {
      const runCount = 24;
      // Built beforehand: only renderReport is timed.
      const input = syntheticReportInput(runCount, 1, { pointsPerRun: 10_000, curveLength: 500 });
      const started = performance.now();
      const result = await renderReport(input, { outputDirectory: folder });
      const seconds = (performance.now() - started) / 1000;
      return {
        lines: [
          `report of ${runCount} runs: ${seconds.toFixed(2)} s, ${(result.bytes / 1e6).toFixed(2)} MB HTML, ${result.svgPaths.length} SVG charts`,
        ],
        json: { report: { runs: runCount, seconds, html_mb: result.bytes / 1e6, svg_charts: result.svgPaths.length } },
      };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
};
