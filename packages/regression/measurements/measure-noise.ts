/**
 * Measures how much the recorded metrics move (a) between backends for the same run (same
 * config hash: only float differences) and (b) between seeds of the same configuration, so the
 * default tolerances of a baseline can sit between the two.
 *
 *   tsx packages/regression/measurements/measure-noise.ts EXPERIMENT REFERENCE_DB OTHER_DB...
 *
 * REFERENCE_DB holds the whole sweep (every seed); each OTHER_DB the same sweep on another backend.
 */
import { openRunStore, type RunRecord } from '@siamese-lab/store';
import { untrackedMetrics } from '../src/tolerances.ts';

const [experiment, referencePath, ...otherPaths] = process.argv.slice(2);
if (!experiment || !referencePath || otherPaths.length === 0) {
  console.error('usage: measure-noise.ts EXPERIMENT REFERENCE_DB OTHER_DB...');
  process.exit(2);
}

interface Loaded {
  backend: string;
  runs: Map<string, { run: RunRecord; metrics: Record<string, number | null> }>;
}

function load(path: string): Loaded {
  const store = openRunStore(path, { readonly: true });
  try {
    const runs = new Map<string, { run: RunRecord; metrics: Record<string, number | null> }>();
    for (const run of store.listRuns({ experiment })) {
      if (run.status === 'completed' || run.status === 'nan') runs.set(run.configHash, { run, metrics: store.getFinalMetrics(run.id) });
    }
    const backend = [...runs.values()][0]?.run.backend ?? path;
    return { backend, runs };
  } finally {
    store.close();
  }
}

const reference = load(referencePath);
const others = otherPaths.map(load);
const metricNames = [...new Set([...reference.runs.values()].flatMap((entry) => Object.keys(entry.metrics)))]
  .filter((name) => !untrackedMetrics.includes(name))
  .sort();

/** The configuration of a run without its seed: runs that differ only by seed share it. */
const configurationOf = (run: RunRecord): string =>
  run.label
    .split(', ')
    .filter((part) => !part.startsWith('seed='))
    .join(', ') || 'base';

/** Largest |other − reference| over the runs both databases hold, per configuration (seeds pooled). */
function crossBackend(other: Loaded, metric: string, configuration: string): number {
  let max = 0;
  for (const [hash, entry] of other.runs) {
    if (configurationOf(entry.run) !== configuration) continue;
    const base = reference.runs.get(hash)?.metrics[metric];
    const value = entry.metrics[metric];
    if (base === undefined || base === null || value === null || value === undefined) continue;
    max = Math.max(max, Math.abs(value - base));
  }
  return max;
}

/** Seed-to-seed spread in the reference: the smallest standard deviation over configurations, and the median one. */
function seedSpread(metric: string): { smallest: number; median: number } {
  const groups = new Map<string, number[]>();
  for (const { run, metrics } of reference.runs.values()) {
    const value = metrics[metric];
    if (value === null || value === undefined) continue;
    const key = JSON.stringify(Object.entries(run.params).filter(([name]) => name !== 'seed'));
    groups.set(key, [...(groups.get(key) ?? []), value]);
  }
  const deviations = [...groups.values()]
    .filter((values) => values.length > 1)
    .map((values) => {
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
    })
    .sort((a, b) => a - b);
  return { smallest: deviations[0] ?? NaN, median: deviations[Math.floor(deviations.length / 2)] ?? NaN };
}

const format = (value: number) => (Number.isFinite(value) ? (value === 0 ? '0' : value.toExponential(2)) : '-');
const configurations = [...new Set([...reference.runs.values()].map((entry) => configurationOf(entry.run)))];
const header = [
  'metric',
  ...others.flatMap((other) => configurations.map((configuration) => `|${other.backend}-${reference.backend}| ${configuration}`)),
  'seed sd (smallest)',
  'seed sd (median)',
];
const rows = metricNames.map((metric) => {
  const spread = seedSpread(metric);
  return [
    metric,
    ...others.flatMap((other) => configurations.map((configuration) => format(crossBackend(other, metric, configuration)))),
    format(spread.smallest),
    format(spread.median),
  ];
});
const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
const printRow = (row: string[]) =>
  console.log(
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd(),
  );
console.log(
  `${experiment}: ${reference.runs.size} runs on ${reference.backend}; ${others.map((other) => `${other.runs.size} on ${other.backend}`).join(', ')}; cross-backend columns are the largest difference over seeds`,
);
printRow(header);
for (const row of rows) printRow(row);
