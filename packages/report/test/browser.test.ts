// The page callbacks below run in Chromium: they need the DOM types, which Node code does not.
/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '../src/index.ts';
import { syntheticReportInput } from './synthetic.ts';
import { xssText } from './helpers.ts';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
/** Screenshots go to the git-ignored results folder so a person can look at them. */
const screenshotDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '../../../results/report-test');

if (!hasChromium) console.warn(`Skipping the browser test of the report: ${chromiumPath} is not installed (apt-get install chromium).`);

const directories: string[] = [];
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

describe.skipIf(!hasChromium)('report in a real browser', () => {
  it('renders every chart offline, with no errors, no requests and no script injection', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'report-browser-'));
    directories.push(directory);
    const input = syntheticReportInput(8, 11, { pointsPerRun: 600, curveLength: 80 });
    input.experiment = { name: xssText, description: `description with ${xssText}` };
    input.runs[1].label = `label ${xssText}`;
    input.runs[1].params['optimizer.name'] = xssText;
    input.runs[0].params['optimizer.name'] = `"'><svg onload=alert(2)>`;
    const result = await renderReport(input, { outputDirectory: directory, maxPointsPerRun: 400 });
    const fileUrl = pathToFileURL(result.htmlPath).href;

    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      const dialogs: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });

      await page.goto(fileUrl);
      await page.waitForSelector('body[data-charts="done"]', { timeout: 30_000 });

      const charts = await page.$$eval('.chart', (elements) =>
        elements.map((element) => {
          const surface = element.querySelector('svg.marks, canvas.marks');
          return {
            id: element.id,
            rendered: element.getAttribute('data-rendered'),
            marks: Number(element.getAttribute('data-marks')),
            surface: surface?.tagName.toLowerCase() ?? null,
            width: surface?.getBoundingClientRect().width ?? 0,
            height: surface?.getBoundingClientRect().height ?? 0,
          };
        }),
      );
      expect(charts.map((chart) => chart.id)).toEqual(result.svgPaths.map((path) => `view-${path.match(/chart-(.+)\.svg$/)![1]}`));
      for (const chart of charts) {
        expect(chart, chart.id).toMatchObject({ rendered: 'done' });
        expect(chart.marks, chart.id).toBeGreaterThan(0);
        expect(['svg', 'canvas'], chart.id).toContain(chart.surface);
        expect(chart.width, chart.id).toBeGreaterThan(100);
        expect(chart.height, chart.id).toBeGreaterThan(50);
      }
      // The embedding draws every subsampled point of every panel.
      const embedding = charts.find((chart) => chart.id === 'view-embedding')!;
      expect(embedding.marks).toBeGreaterThanOrEqual(8 * 400);

      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([fileUrl]);
      expect(dialogs).toEqual([]);
      expect(await page.locator('h1').textContent()).toBe(xssText);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('#section-runs').innerText()).toContain(xssText);

      await mkdir(screenshotDirectory, { recursive: true });
      await page.screenshot({ path: join(screenshotDirectory, 'report-full.png'), fullPage: true });
      await page.locator('#section-embedding').screenshot({ path: join(screenshotDirectory, 'report-embedding.png') });
      console.info(`report screenshots: ${screenshotDirectory}/report-full.png, report-embedding.png`);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
