import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { LabError } from '@siamese-lab/core';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { buildCharts, type ChartSection } from './charts/index.ts';
import { reportHtml, type InlineLibraries } from './html.ts';
import type { RenderOptions, RenderResult, ReportInput } from './types.ts';

export const defaultMaxPointsPerRun = 1500;
const maxCurvePointsPerRun = 1000;

let librariesPromise: Promise<InlineLibraries> | undefined;

/** The browser builds of vega, vega-lite and vega-embed, read once per process. */
function loadLibraries(): Promise<InlineLibraries> {
  librariesPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    // Each package's main entry lives in its build folder, next to the minified browser bundle.
    const read = (name: string, file: string) => readFile(join(dirname(require.resolve(name)), file), 'utf8');
    const [vegaSource, vegaLite, vegaEmbed] = await Promise.all([
      read('vega', 'vega.min.js'),
      read('vega-lite', 'vega-lite.min.js'),
      read('vega-embed', 'vega-embed.min.js'),
    ]);
    return { vega: vegaSource, vegaLite, vegaEmbed };
  })();
  librariesPromise.catch(() => {
    librariesPromise = undefined;
  });
  return librariesPromise;
}

/** Writes through a temporary file and a rename, so a crash never leaves a half-written file. */
async function writeFileAtomically(path: string, contents: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, contents, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Draws a chart's Vega-Lite spec to SVG in Node, without a browser. */
export async function chartSvg(chart: ChartSection): Promise<string> {
  if (!chart.spec) throw new Error(`chart ${chart.id} has no spec`);
  const vegaSpec = compile(chart.spec).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function chartSvgFileName(chartId: string): string {
  return `chart-${chartId}.svg`;
}

function validate(input: ReportInput, options: RenderOptions): number {
  if (typeof options.outputDirectory !== 'string' || options.outputDirectory.trim() === '') {
    throw new LabError('The report needs an output directory.', {
      field: 'outputDirectory',
      hint: 'Pass the folder to write report.html into.',
    });
  }
  const maxPoints = options.maxPointsPerRun ?? defaultMaxPointsPerRun;
  if (!Number.isInteger(maxPoints) || maxPoints < 1) {
    throw new LabError(`maxPointsPerRun must be a positive whole number, got ${maxPoints}.`, {
      field: 'maxPointsPerRun',
      hint: `Use e.g. ${defaultMaxPointsPerRun}.`,
    });
  }
  for (const run of input.runs) {
    const embedding = run.embedding;
    if (!embedding) continue;
    if (!Number.isInteger(embedding.dim) || embedding.dim < 1 || embedding.points.length !== embedding.labels.length * embedding.dim) {
      throw new LabError(
        `Run ${run.runId} has an embedding of ${embedding.points.length} values for ${embedding.labels.length} labels at dimension ${embedding.dim}.`,
        { field: `runs.${run.runId}.embedding`, hint: 'The stored embedding is inconsistent; re-run or delete this run.' },
      );
    }
    if (embedding.domain && embedding.domain.length !== embedding.labels.length) {
      throw new LabError(`Run ${run.runId} has ${embedding.domain.length} domain flags for ${embedding.labels.length} points.`, {
        field: `runs.${run.runId}.embedding.domain`,
        hint: 'The stored embedding is inconsistent; re-run or delete this run.',
      });
    }
  }
  return maxPoints;
}

/**
 * Writes `report.html` (one self-contained file: libraries, data and specs inlined, no network)
 * and one `chart-<id>.svg` per drawn chart into outputDirectory. SVG files of charts that have
 * nothing to show this time are removed so they cannot be mistaken for current ones.
 */
export async function renderReport(input: ReportInput, options: RenderOptions): Promise<RenderResult> {
  const maxPointsPerRun = validate(input, options);
  const directory = resolve(options.outputDirectory);
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    throw new LabError(`Cannot create the report folder: ${(error as Error).message}`, {
      location: directory,
      hint: 'Choose a folder you can write to.',
      cause: error,
    });
  }
  const charts = buildCharts(input, { maxPointsPerRun, maxCurvePointsPerRun });
  const libraries = await loadLibraries();
  const svgPaths: string[] = [];
  try {
    for (const chart of charts) {
      const path = join(directory, chartSvgFileName(chart.id));
      if (!chart.spec || chart.emptyReason) {
        await rm(path, { force: true });
        continue;
      }
      await writeFileAtomically(path, await chartSvg(chart));
      svgPaths.push(path);
    }
    const html = reportHtml(input, charts, libraries);
    const htmlPath = join(directory, 'report.html');
    await writeFileAtomically(htmlPath, html);
    return { htmlPath, svgPaths, bytes: Buffer.byteLength(html, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'ENOSPC' || code === 'EPERM') {
      throw new LabError(`Cannot write the report: ${(error as Error).message}`, {
        location: directory,
        hint: code === 'ENOSPC' ? 'Free some disk space and try again.' : 'Choose a folder you can write to.',
        cause: error,
      });
    }
    throw error;
  }
}
