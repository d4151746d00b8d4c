import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@siamese-lab/backend';
import { loadRunData, runSpecSchema, trainRun } from '@siamese-lab/runner';
import { openRunStore } from '@siamese-lab/store';
import type { BenchOptions, BenchSection } from './bench-section.ts';

/**
 * What recording metrics costs: the runner's own training loop on the seed's network, once with
 * every logged row written to a real SQLite store and once with nothing recorded, alternating
 * A/B/A/B so drift of the machine hits both alike. Also the time spent inside the store's
 * writes, as a share of training time (the direct measure, free of run-to-run noise).
 */
export const loggingOverheadSection: BenchSection = {
  name: 'logging_overhead',
  async run(options: BenchOptions) {
    const backend = await selectBackend('auto');
    const steps = Math.max(50, Math.round(options.steps));
    const spec = runSpecSchema.parse({ training: { steps, log_every: 10 }, evaluation: { test_limit: 100 } });
    const data = loadRunData(spec.data);
    const folder = mkdtempSync(join(tmpdir(), 'lab-bench-log-'));
    const store = openRunStore(join(folder, 'runs.sqlite'));
    const experiment = store.upsertExperiment({ name: 'bench', description: '', filePath: null, spec: {}, sweepKeys: [] });
    let storeSeconds = 0;
    let rowsWritten = 0;
    const timeOne = async (record: boolean, index: number): Promise<number> => {
      const run = store.planRun(experiment.id, { runIndex: index, configHash: `bench-${index}`, label: 'bench', params: {} });
      const started = performance.now();
      const result = await trainRun(
        spec,
        data,
        record
          ? {
              onStepMetrics: (rows) => {
                const writeStarted = performance.now();
                store.appendStepMetrics(run.id, rows);
                storeSeconds += (performance.now() - writeStarted) / 1000;
                rowsWritten += rows.length;
              },
            }
          : {},
      );
      const seconds = (performance.now() - started) / 1000;
      result.model.dispose();
      return seconds;
    };
    options.log(`logging overhead on ${backend.name}: 2 × 2 runs of ${steps} steps (log_every 10)`);
    await timeOne(false, 0); // warm-up
    const withLogging: number[] = [];
    const without: number[] = [];
    for (let round = 0; round < 2; round++) {
      without.push(await timeOne(false, 1 + round * 2));
      withLogging.push(await timeOne(true, 2 + round * 2));
    }
    store.close();
    rmSync(folder, { recursive: true, force: true });
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const abOverhead = sum(withLogging) / sum(without) - 1;
    const directShare = storeSeconds / sum(withLogging);
    return {
      lines: [
        `metric logging (${backend.name}, ${steps} steps, log_every 10): store writes ${(directShare * 100).toFixed(2)}% of training time (${rowsWritten} rows); A/B wall-time difference ${(abOverhead * 100).toFixed(2)}% (run-to-run noise included)`,
      ],
      json: {
        logging_overhead: {
          backend: backend.name,
          steps,
          log_every: 10,
          store_write_share: directShare,
          ab_overhead: abOverhead,
          seconds_with_logging: withLogging,
          seconds_without_logging: without,
        },
      },
    };
  },
};
