import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '@siamese-lab/core';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '../src/index.ts';
import { syntheticReportInput } from './synthetic.ts';
import { makeInput, makeRun, xssText } from './helpers.ts';

const directories: string[] = [];
async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'report-test-'));
  directories.push(directory);
  return directory;
}
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

describe('renderReport', () => {
  it('writes one self-contained report.html and an SVG per drawn chart, and nothing else', async () => {
    const directory = await freshDirectory();
    const input = syntheticReportInput(8, 2, { pointsPerRun: 200, curveLength: 30 });
    const result = await renderReport(input, { outputDirectory: directory, maxPointsPerRun: 100 });
    expect(result.htmlPath).toBe(join(directory, 'report.html'));
    const html = await readFile(result.htmlPath, 'utf8');
    expect(result.bytes).toBe(Buffer.byteLength(html));
    expect((await stat(result.htmlPath)).size).toBe(result.bytes);
    // No external resource of any kind: every script is inline, no src/href to another file or URL.
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain("default-src 'none'");
    expect(result.svgPaths.length).toBeGreaterThanOrEqual(5);
    for (const path of result.svgPaths) {
      const svg = await readFile(path, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toMatch(/<path|<circle|<line|<rect/);
    }
    const files = (await readdir(directory)).sort();
    expect(files).toEqual(['report.html', ...result.svgPaths.map((path) => path.slice(directory.length + 1))].sort());
  });

  it('escapes hostile experiment strings everywhere in the page', async () => {
    const directory = await freshDirectory();
    const input = syntheticReportInput(4, 3, { pointsPerRun: 60, curveLength: 10 });
    input.experiment = { name: xssText, description: `<b>bold</b> ${xssText}` };
    input.runs[0].label = xssText;
    input.runs[0].params['optimizer.name'] = xssText;
    input.classNames[0] = xssText;
    const { htmlPath } = await renderReport(input, { outputDirectory: directory });
    const html = await readFile(htmlPath, 'utf8');
    // The inlined libraries legitimately contain '<img' in their code; check the markup and the data.
    const markup = html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/gi, '$1$2');
    expect(markup).not.toContain('<img');
    expect(markup).not.toContain('<b>bold');
    const dataBlocks = [...html.matchAll(/<script type="application\/json"[^>]*>([\s\S]*?)<\/script>/gi)].map((match) => match[1]);
    expect(dataBlocks).toHaveLength(2);
    for (const block of dataBlocks) expect(block).not.toMatch(/[<>]/);
    expect(JSON.stringify(JSON.parse(dataBlocks[0]))).toContain(xssText);
    expect(html).toContain(`<h1>&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</h1>`);
    // The scripts are exactly ours: two JSON blocks, three libraries, the bootstrap.
    expect(html.match(/<script/gi)).toHaveLength(6);
    expect(html.match(/<\/script>/gi)).toHaveLength(6);
  });

  it('shows notes instead of charts when runs are still queued, and removes stale SVGs', async () => {
    const directory = await freshDirectory();
    await renderReport(syntheticReportInput(4, 1, { pointsPerRun: 50, curveLength: 10 }), { outputDirectory: directory });
    expect(await readdir(directory)).toContain('chart-embedding.svg');
    const result = await renderReport(makeInput([makeRun({ runId: '1', status: 'queued' })]), { outputDirectory: directory });
    expect(result.svgPaths).toEqual([]);
    expect(await readdir(directory)).toEqual(['report.html']);
    const html = await readFile(result.htmlPath, 'utf8');
    // One note per chart section: the seven of the run charts, and the group-means interval plot
    // of the claims section.
    expect(html.match(/<p class="empty">Nothing to show because/g)!.length).toBe(8);
    expect(html).toContain('Nothing to show because no run has a metric to compare yet.');
  });

  it('replaces an existing report in one step (no temporary files left behind)', async () => {
    const directory = await freshDirectory();
    await writeFile(join(directory, 'report.html'), 'old');
    await renderReport(makeInput([makeRun({ runId: '1' })]), { outputDirectory: directory });
    expect(await readFile(join(directory, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects bad options and inconsistent embeddings with a LabError', async () => {
    const directory = await freshDirectory();
    const input = makeInput([makeRun({ runId: '1' })]);
    await expect(renderReport(input, { outputDirectory: directory, maxPointsPerRun: 0 })).rejects.toBeInstanceOf(LabError);
    await expect(renderReport(input, { outputDirectory: '' })).rejects.toBeInstanceOf(LabError);
    const broken = makeInput([makeRun({ runId: '9', embedding: { dim: 2, points: new Float32Array(5), labels: new Uint8Array(3) } })]);
    await expect(renderReport(broken, { outputDirectory: directory })).rejects.toThrow(/run 9/i);
    const blocker = join(directory, 'a-file');
    await writeFile(blocker, '');
    await expect(renderReport(input, { outputDirectory: join(blocker, 'sub') })).rejects.toBeInstanceOf(LabError);
  });
});
