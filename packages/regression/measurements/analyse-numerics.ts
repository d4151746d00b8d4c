/**
 * Per-metric spreads across numerics variants, per optimizer, from the databases that
 * measure-numerics.sh wrote (one per variant, same experiment, same config hashes).
 *
 *   tsx packages/regression/measurements/analyse-numerics.ts EXPERIMENT DIR [REFERENCE_VARIANT] > spreads.json
 *
 * For every run (config hash) and metric: the largest difference between any two blas variants
 * (same_backend) and between the reference variant and each non-blas variant (different_backend);
 * relative to |value| for final_loss, inter_intra_ratio and anisotropy. Also the seed standard
 * deviation per optimizer (pooled over variants), and which variants are bit-identical.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openRunStore } from '@siamese-lab/store';
import { exactMetrics, untrackedMetrics } from '../src/tolerances.ts';

const [experiment, directory, referenceName = 'Haswell-2'] = process.argv.slice(2);
const relativeMetrics = ['final_loss', 'inter_intra_ratio', 'anisotropy'];
type Runs = Map<string, { optimizer: string; seed: number; backend: string; metrics: Record<string, number | null> }>;
const variants = new Map<string, Runs>();
for (const file of readdirSync(directory)
  .filter((name) => name.endsWith('.sqlite'))
  .sort()) {
  const store = openRunStore(join(directory, file), { readonly: true });
  const runs: Runs = new Map();
  for (const run of store.listRuns({ experiment })) {
    if (run.status !== 'completed') continue;
    runs.set(run.configHash, {
      optimizer: String(run.params['optimizer.name']),
      seed: Number(run.params.seed),
      backend: run.backend ?? '?',
      metrics: store.getFinalMetrics(run.id),
    });
  }
  store.close();
  variants.set(file.replace(/\.sqlite$/, ''), runs);
}
const names = [...variants.keys()];
const reference = variants.get(referenceName)!;
const metrics = [...new Set([...reference.values()].flatMap((run) => Object.keys(run.metrics)))]
  .filter((name) => !untrackedMetrics.includes(name) && !exactMetrics.includes(name))
  .sort();
const difference = (metric: string, a: number, b: number) =>
  relativeMetrics.includes(metric) ? Math.abs(a - b) / Math.abs(a) : Math.abs(a - b);

const spreads: Record<string, Record<string, Record<string, number>>> = { same_backend: {}, different_backend: {} };
const identical: string[][] = [];
for (const [hash, run] of reference) {
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) {
      const runA = variants.get(a)!.get(hash);
      const runB = variants.get(b)!.get(hash);
      if (!runA || !runB) continue;
      const sameBackend = runA.backend === runB.backend;
      if (!sameBackend && a !== referenceName && b !== referenceName) continue;
      const group = (spreads[sameBackend ? 'same_backend' : 'different_backend'][run.optimizer] ??= {});
      let equal = true;
      for (const metric of metrics) {
        const x = runA.metrics[metric];
        const y = runB.metrics[metric];
        if (x === null || y === null || x === undefined || y === undefined) continue;
        if (x !== y) equal = false;
        group[metric] = Math.max(group[metric] ?? 0, difference(metric, x, y));
      }
      if (equal && !identical.some((pair) => pair[0] === a && pair[1] === b)) identical.push([a, b]);
    }
  }
}
// Seed standard deviation per optimizer: within each variant, over the seeds of a setting, pooled.
const seedSd: Record<string, Record<string, number>> = {};
for (const optimizer of new Set([...reference.values()].map((run) => run.optimizer))) {
  seedSd[optimizer] = {};
  for (const metric of metrics) {
    let squares = 0;
    let freedom = 0;
    for (const runs of variants.values()) {
      const values = [...runs.values()]
        .filter((run) => run.optimizer === optimizer)
        .map((run) => run.metrics[metric])
        .filter((value): value is number => typeof value === 'number');
      if (values.length < 2) continue;
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      squares += values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
      freedom += values.length - 1;
    }
    seedSd[optimizer][metric] = Math.sqrt(squares / freedom);
  }
}
console.log(
  JSON.stringify(
    {
      experiment,
      reference: referenceName,
      variants: names,
      relative: relativeMetrics,
      spreads,
      seed_sd: seedSd,
      bit_identical_pairs: identical,
    },
    null,
    2,
  ),
);
