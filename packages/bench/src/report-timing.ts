import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkReport } from '@siamese-lab/report';
import type { BenchOptions, BenchSection } from './sections.ts';

/** How long the report of a 24-run sweep takes to write, and how big it is. */
export const reportTimingSection: BenchSection = {
  name: 'report',
  async run(options: BenchOptions) {
    const folder = mkdtempSync(join(tmpdir(), 'lab-bench-report-'));
    options.log('rendering the report of a synthetic 24-run sweep (10,000 points, 500 curve points per run)');
    try {
      const result = await benchmarkReport({ outputDirectory: folder, runCount: 24 });
      return {
        lines: [
          `report of ${result.runCount} runs: ${result.renderSeconds.toFixed(2)} s, ${(result.htmlBytes / 1e6).toFixed(2)} MB HTML, ${result.svgCount} SVG charts`,
        ],
        json: {
          report: { runs: result.runCount, seconds: result.renderSeconds, html_mb: result.htmlBytes / 1e6, svg_charts: result.svgCount },
        },
      };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
};
