import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './bench-section.ts';

const workerPath = fileURLToPath(new URL('./serve-worker.ts', import.meta.url));
const RUNS = 100;
const REQUESTS = 300;

function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

/** Times `count` sequential GETs of one URL (after a warm-up), in milliseconds, sorted. */
async function timeRequests(url: string, count: number, warmup: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    if (i >= warmup) times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

/**
 * `lab serve` on a 100-run experiment: latency of the experiment page's data request (the run
 * table: parameters, metrics, best runs) and of its charts request, and the server's RSS. The
 * server runs in its own process, so its RSS is its own.
 */
export const serveSection: BenchSection = {
  name: 'serve',
  async run(options) {
    options.log(`starting lab serve on a synthetic ${RUNS}-run experiment (10,000 test points and 200 logged steps per run)`);
    const child = spawn(process.execPath, [...process.execArgv, workerPath, String(RUNS)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const nextJson = async <T>(): Promise<T> => {
      const next: IteratorResult<string> = await lines.next();
      if (next.done) throw new Error(`serve bench worker ended early: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return JSON.parse(next.value) as T;
    };
    try {
      const { url, experiment } = await nextJson<{ url: string; experiment: string }>();
      options.log(`timing ${REQUESTS} requests of the experiment page's data`);
      const page = await timeRequests(`${url}api/experiments/${experiment}`, REQUESTS, 20);
      options.log('timing 10 requests of its charts (the report specs for all runs)');
      const charts = await timeRequests(`${url}api/experiments/${experiment}/charts`, 10, 2);
      child.stdin.write('report\n');
      const memory = await nextJson<{ rss_mb: number; peak_rss_mb: number }>();
      const json = {
        serve: {
          runs: RUNS,
          experiment_request_p50_ms: percentile(page, 0.5),
          experiment_request_p95_ms: percentile(page, 0.95),
          charts_request_p50_ms: percentile(charts, 0.5),
          rss_mb: memory.rss_mb,
          peak_rss_mb: memory.peak_rss_mb,
        },
      };
      return {
        lines: [
          `lab serve, ${RUNS}-run experiment: experiment data p50 ${json.serve.experiment_request_p50_ms.toFixed(1)} ms, p95 ${json.serve.experiment_request_p95_ms.toFixed(1)} ms (${REQUESTS} requests); charts p50 ${json.serve.charts_request_p50_ms.toFixed(0)} ms`,
          `server RSS ${memory.rss_mb.toFixed(0)} MB after the requests (peak ${memory.peak_rss_mb.toFixed(0)} MB)`,
        ],
        json,
      };
    } finally {
      if (child.exitCode === null) child.kill();
    }
  },
};
