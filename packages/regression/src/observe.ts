import { LabError } from '@siamese-lab/core';
import { parseNumerics } from '@siamese-lab/backend';
import type { RunStore } from '@siamese-lab/store';
import { parseOptimizerAsBuilt, type ObservedRun } from './baseline.ts';

/** The SHA-256 fingerprint of a run's data from its provenance, or null for runs recorded before it was. */
function dataFingerprintOf(provenance: unknown): string | null {
  const sha256 = (provenance as { data?: { sha256?: unknown } } | null)?.data?.sha256;
  return typeof sha256 === 'string' ? sha256 : null;
}

/**
 * The runs of an experiment as stored, with their final metrics, in the experiment's order.
 * `configHashes` limits them to one plan (an experiment file's current runs); without it every
 * run the store holds for the experiment is returned, whatever its status.
 */
export function observeRuns(store: RunStore, experiment: string, configHashes?: readonly string[]): ObservedRun[] {
  if (!store.getExperiment(experiment)) {
    throw new LabError(`no experiment named \`${experiment}\` in ${store.path}`, {
      hint: 'list them with: pnpm lab ls (or pass --db), or give the experiment file to run it',
    });
  }
  const wanted = configHashes ? new Set(configHashes) : undefined;
  return store.snapshot(() =>
    store
      .listRuns({ experiment })
      .filter((run) => !wanted || wanted.has(run.configHash))
      .map((run) => ({
        configHash: run.configHash,
        label: run.label,
        status: run.status,
        backend: run.backend,
        stepsDone: run.stepsDone,
        params: run.params,
        metrics: store.getFinalMetrics(run.id),
        numerics: parseNumerics((run.provenance as { numerics?: unknown } | null)?.numerics) ?? null,
        optimizer: parseOptimizerAsBuilt((run.provenance as { optimizer?: unknown } | null)?.optimizer) ?? null,
        data: dataFingerprintOf(run.provenance),
      })),
  );
}
