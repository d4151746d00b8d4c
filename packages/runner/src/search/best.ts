/**
 * `lab search best`: a search's best completed trial as a ready experiment file, its sampled
 * values fixed into base, to rerun over seeds (and check with statistics).
 */
import { stringify } from 'yaml';
import { LabError } from '@siamese-lab/core';
import type { RunRecord } from '@siamese-lab/run-record';
import type { RunStore } from '@siamese-lab/store';
import type { StoredSearchSpec } from './run-search.ts';

export interface BestTrial {
  run: RunRecord;
  value: number;
  metric: string;
  direction: 'minimize' | 'maximize';
  /** The trial's sampled values (the space's parameters it had). */
  params: Record<string, string | number | boolean>;
}

/** The experiment's search spec, or a LabError when it is not a search. */
export function storedSearch(store: RunStore, name: string): StoredSearchSpec {
  const experiment = store.getExperiment(name);
  if (!experiment) throw new LabError(`no experiment named \`${name}\``, { hint: 'list them with: pnpm lab ls' });
  const spec = experiment.spec as Partial<StoredSearchSpec>;
  if (!spec.search || !spec.rawBase)
    throw new LabError(`\`${name}\` is not a search`, { hint: 'lab search best reads an experiment run from a file with a search: block' });
  return spec as StoredSearchSpec;
}

/** The completed trial with the best objective (ties: the earlier trial); pruned, nan and failed trials are not candidates. */
export function bestTrial(store: RunStore, name: string): BestTrial {
  const spec = storedSearch(store, name);
  const { metric, direction } = spec.search.objective;
  let best: BestTrial | undefined;
  const runs = store.listRuns({ experiment: name, status: 'completed' }).sort((a, b) => a.runIndex - b.runIndex);
  for (const run of runs) {
    const value = store.getFinalMetrics(run.id)[metric];
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    if (best && !(direction === 'maximize' ? value > best.value : value < best.value)) continue;
    const params = Object.fromEntries(
      Object.keys(spec.search.space)
        .filter((key) => run.params[key] !== undefined && run.params[key] !== null)
        .map((key) => [key, run.params[key] as string | number | boolean]),
    );
    best = { run, value, metric, direction, params };
  }
  if (!best)
    throw new LabError(`\`${name}\` has no completed trial with a ${metric} yet`, {
      hint: 'run the search (pnpm run exp FILE) until at least one trial completes',
    });
  return best;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    if (typeof node[segment] !== 'object' || node[segment] === null || Array.isArray(node[segment])) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/**
 * The best trial as an experiment file: the search's base as written, with the trial's values and
 * its training length set, and `sweep: { seeds: N }` to rerun it over seeds.
 */
export function bestTrialFile(store: RunStore, name: string, seeds = 5): { text: string; best: BestTrial } {
  const spec = storedSearch(store, name);
  const best = bestTrial(store, name);
  const base = structuredClone(spec.rawBase);
  setPath(base, ['training', 'steps'], spec.trialSteps);
  for (const [key, value] of Object.entries(best.params)) setPath(base, key.split('.'), value);
  const header = [
    `The best trial of the search ${name}: ${best.run.label} (run ${best.run.id}), ${best.metric} ${best.value} (${best.direction}),`,
    `trained ${spec.trialSteps} steps. Its values are fixed below; rerun it over seeds and compare on the test set:`,
    `  pnpm lab search best ${name} > experiments/${name}-best.yaml && pnpm run exp experiments/${name}-best.yaml`,
  ];
  const file = {
    name: `${name}-best`,
    description: `${best.run.label} of the search ${name} (${Object.entries(best.params)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(', ')}), over ${seeds} seeds`,
    base,
    sweep: { seeds },
  };
  return { text: `${header.map((line) => `# ${line}`).join('\n')}\n${stringify(file)}`, best };
}
