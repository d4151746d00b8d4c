// A sweep's writes, from another process: plans `count` runs, then trains each (steps logged in
// small transactions) and finishes it (metrics and embedding in one transaction).
import { openRunStore } from '@siamese-lab/store';
import { stepRows, syntheticOutcome } from './fixtures.ts';

const [path, countText] = process.argv.slice(2);
const count = Number(countText);
const store = openRunStore(path);
const experiment = store.upsertExperiment({ name: 'live', description: '', filePath: null, spec: {}, sweepKeys: ['seed'] });
const runs = Array.from({ length: count }, (_, index) =>
  store.planRun(experiment.id, {
    runIndex: index,
    configHash: `live-${index}`,
    label: `seed=${index}`,
    params: { seed: index, 'data.dataset': 'mnist' },
  }),
);
for (const run of runs) {
  store.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 });
  for (let step = 10; step <= 100; step += 10) store.appendStepMetrics(run.id, stepRows(step, step));
  store.finishRun(run.id, syntheticOutcome(run.id, { points: 2000 }), run.params);
}
console.log(`wrote ${count} runs; integrity ${store.integrityCheck()}`);
store.close();
