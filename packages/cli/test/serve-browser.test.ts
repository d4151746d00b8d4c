/// <reference lib="dom" />
// The callbacks passed to page.evaluate run in the browser: they use DOM types.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { labInBackground, tempFolder, writeExperiment } from './helpers.ts';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
/** Set SIAMESE_LAB_SCREENSHOTS=1 to keep screenshots of the pages under results/serve/ (not in CI). */
const screenshotDirectory = process.env.SIAMESE_LAB_SCREENSHOTS === '1' ? resolve(import.meta.dirname, '../../../results/serve') : null;

if (!hasChromium) console.warn(`Skipping the browser test of lab serve: ${chromiumPath} is not installed (apt-get install chromium).`);

const children: ChildProcess[] = [];
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
});

/** Waits until the child prints a line matching `pattern`; returns the match. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  let seen = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code} before ${pattern}; output:\n${seen}`)));
  });
}

const numberAttribute = (page: Page, selector: string, name: string) =>
  page
    .locator(selector)
    .first()
    .getAttribute(name)
    .then((value) => Number(value ?? 0));

/** A pixel of a drawn point (not background, not greyed), in CSS pixels relative to the canvas. */
async function drawnPoint(page: Page, canvasSelector: string): Promise<{ x: number; y: number }> {
  return page.locator(canvasSelector).evaluate((canvas: HTMLCanvasElement) => {
    const context = canvas.getContext('2d')!;
    const { width, height } = canvas;
    const pixels = context.getImageData(0, 0, width, height).data;
    const ratio = width / canvas.getBoundingClientRect().width;
    let best: { x: number; y: number; distance: number } | null = null;
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const at = (y * width + x) * 4;
        const [r, g, b] = [pixels[at], pixels[at + 1], pixels[at + 2]];
        if (Math.max(r, g, b) - Math.min(r, g, b) < 40) continue; // white, grey or black: no class colour
        const distance = Math.hypot(x - width / 2, y - height / 2);
        if (!best || distance < best.distance) best = { x, y, distance };
      }
    }
    if (!best) throw new Error('no point drawn on the canvas');
    return { x: best.x / ratio, y: best.y / ratio };
  });
}

describe.skipIf(!hasChromium)('lab serve in a real browser', () => {
  it('follows a sweep run by another process live, and explores and links embeddings', async () => {
    const folder = tempFolder();
    const db = join(folder, 'runs.sqlite');
    openRunStore(db).close();
    const file = writeExperiment(
      folder,
      'live.yaml',
      `name: live-sweep
description: a tiny sweep followed by lab serve
base:
  backend: cpu
  data: { train_limit: 1000 }
  model: { tower_a: { hidden: [32] } }
  sampler: { batch_size: 32 }
  training: { steps: 400, log_every: 4 }
  evaluation: { test_limit: 500, verification_pairs: 200, store_checkpoint: false }
sweep:
  grid: { optimizer.name: [sgd, adam] }
`,
    );
    const server = labInBackground(['serve', '--db', db, '--port', '0']);
    children.push(server);
    const [, url] = await waitForOutput(server, /serving .* at (http:\/\/127\.0\.0\.1:\d+\/)/);
    const origin = new URL(url).origin;

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const consoleErrors: string[] = [];
    const foreignRequests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => {
      if (new URL(request.url()).origin !== origin && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });

    await page.goto(url);
    await page.waitForSelector('#live[data-state="live"]');
    await page.waitForSelector('#run-count[data-count="0"]');
    // A marker on the window: a reload would drop it.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // The sweep starts in another process; the experiments page shows its runs without a reload.
    const sweep = labInBackground(['run', file, '--db', db, '--no-report']);
    children.push(sweep);
    const sweepDone = new Promise<number | null>((done) => sweep.on('exit', done));
    await page.waitForSelector('#run-count[data-count="2"]', { timeout: 60_000 });
    await page.click('a[href="#/experiments/live-sweep"]');
    await page.waitForSelector('#run-table tbody tr[data-run]');
    expect(await page.locator('#run-table tbody tr').count()).toBe(2);

    // The second run's page, opened before it starts: its loss curve appears and gains points as
    // the sweep logs steps.
    await page.click('#run-table a[href="#/runs/2"]');
    await page.waitForFunction(() => Number(document.querySelector('#curves')?.getAttribute('data-points') ?? 0) > 0, null, {
      timeout: 60_000,
    });
    const firstPoints = await numberAttribute(page, '#curves', 'data-points');
    const firstMarks = await numberAttribute(page, '#curves [data-chart="loss-curves"]', 'data-marks');
    await page.waitForFunction(
      (before) => Number(document.querySelector('#curves')?.getAttribute('data-points') ?? 0) > before,
      firstPoints,
      { timeout: 60_000 },
    );
    await page.waitForFunction(
      (before) =>
        Number(
          document.querySelector('#curves [data-chart="loss-curves"]')?.getAttribute('data-rendered') === 'done' &&
            document.querySelector('#curves [data-chart="loss-curves"]')?.getAttribute('data-marks'),
        ) > before,
      firstMarks,
    );

    // When the run completes, its page shows the embedding explorer (still no reload).
    await page.waitForSelector('#explorer canvas.scatter', { timeout: 90_000 });
    expect(await page.locator('#explorer canvas.scatter').getAttribute('data-points')).toBe('500');
    await page.locator('#explorer canvas.scatter').scrollIntoViewIfNeeded();
    const canvasBox = (await page.locator('#explorer canvas.scatter').boundingBox())!;
    const point = await drawnPoint(page, '#explorer canvas.scatter');
    await page.mouse.move(canvasBox.x + point.x, canvasBox.y + point.y);
    const hoverImage = page.locator('#hover-card img');
    await hoverImage.waitFor();
    await page.waitForFunction(() => document.querySelector<HTMLImageElement>('#hover-card img')?.naturalWidth === 28);
    expect(await page.locator('#hover-card figcaption').textContent()).toMatch(/^\d · #\d+/);

    await page.mouse.click(canvasBox.x + point.x, canvasBox.y + point.y);
    await page.waitForSelector('#neighbours figure.neighbour');
    expect(await page.locator('#neighbours figure.neighbour').count()).toBe(8);
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('#neighbours img')).every(
        (image) => image.complete && image.naturalWidth === 28,
      ),
    );
    await page.waitForSelector('#confusion tbody tr');
    expect(await page.locator('#confusion tbody tr').count()).toBe(10);

    expect(await sweepDone).toBe(0);
    await page.waitForSelector('h1 .status-completed');
    await page.waitForFunction(() => document.querySelector('#curves')?.getAttribute('data-points') === '101');
    if (screenshotDirectory) {
      await mkdir(screenshotDirectory, { recursive: true });
      await page.screenshot({ path: join(screenshotDirectory, 'run.png'), fullPage: true });
    }

    // Linked runs: brushing a region of run 1 highlights the same test images in run 2.
    await page.evaluate(() => (location.hash = '#/linked?runs=1,2'));
    await page.waitForFunction(() => document.querySelectorAll('.linked-panel canvas.scatter').length === 2);
    const [first, second] = await page.locator('.linked-panel canvas.scatter').all();
    await first.scrollIntoViewIfNeeded();
    const box = (await first.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.8, { steps: 5 });
    await page.mouse.up();
    const brushed = Number(await first.getAttribute('data-highlighted'));
    expect(brushed).toBeGreaterThan(0);
    expect(brushed).toBeLessThan(500);
    expect(Number(await second.getAttribute('data-highlighted'))).toBe(brushed);
    expect(await page.locator('#linked-status').textContent()).toContain(`${brushed} test images highlighted in every run`);
    // Picking a class highlights its members in both.
    await page.click('#linked-classes button[data-label="3"]');
    const classThree = Number(await first.getAttribute('data-highlighted'));
    expect(classThree).toBeGreaterThan(10);
    expect(Number(await second.getAttribute('data-highlighted'))).toBe(classThree);

    if (screenshotDirectory) {
      await page.screenshot({ path: join(screenshotDirectory, 'linked.png'), fullPage: true });
      await page.evaluate(() => (location.hash = '#/experiments/live-sweep'));
      await page.waitForFunction(() => document.querySelectorAll('#charts .chart[data-rendered="done"]').length >= 4, null, {
        timeout: 60_000,
      });
      await page.click('#run-table tbody tr[data-run="1"] input[type="checkbox"]');
      await page.click('#run-table tbody tr[data-run="2"] input[type="checkbox"]');
      await page.click('#compare-button');
      await page.waitForSelector('#compare .chart[data-rendered="done"]');
      await page.screenshot({ path: join(screenshotDirectory, 'experiment.png'), fullPage: true });
      console.info(`lab serve screenshots: ${screenshotDirectory}/experiment.png, run.png, linked.png`);
    }

    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  }, 240_000);
});
