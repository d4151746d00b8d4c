// Bench worker: fills a temporary database with one 100-run experiment (through the store's write
// API), starts `lab serve`'s server on it in this process, prints {"url": ...} and waits; on a
// line "report" from stdin it prints its RSS as JSON and exits. The bench times requests from outside.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRandom } from '@siamese-lab/core';
import { startServer } from '@siamese-lab/serve';
import { openRunStore } from '@siamese-lab/store';

const runCount = Number(process.argv[2] ?? 100);
const points = Number(process.argv[3] ?? 10_000);
const curveLength = 200;

const folder = mkdtempSync(join(tmpdir(), 'lab-bench-serve-'));
const path = join(folder, 'runs.sqlite');
const writer = openRunStore(path);
const random = createRandom(7);
const experiment = writer.upsertExperiment({
  name: 'bench-serve',
  description: 'bench',
  filePath: null,
  spec: {},
  sweepKeys: ['optimizer.name', 'loss.margin', 'seed'],
});
for (let index = 0; index < runCount; index++) {
  const params = {
    seed: index % 5,
    'optimizer.name': index % 2 ? 'adam' : 'sgd',
    'loss.margin': 1 + (index % 10),
    'data.dataset': 'mnist',
  };
  const run = writer.planRun(experiment.id, { runIndex: index, configHash: `bench-${index}`, label: `run ${index}`, params });
  writer.claimRun(run.id, { backend: 'cpu', provenance: {}, leaseSeconds: 60 });
  writer.appendStepMetrics(
    run.id,
    Array.from({ length: curveLength }, (_, step) => ({
      step: step * 10,
      loss: random.next(),
      positiveDistance: random.next(),
      negativeDistance: 2,
      learningRate: 0.01,
      nan: false,
    })),
  );
  const labels = Uint8Array.from({ length: points }, (_, i) => i % 10);
  const embedding = Float32Array.from({ length: points * 2 }, () => random.next());
  writer.finishRun(
    run.id,
    {
      status: 'completed',
      wallSeconds: 10,
      stepsDone: curveLength * 10,
      nanSteps: 0,
      firstNanStep: null,
      metrics: {
        nn_accuracy: random.next(),
        precision_at_1: random.next(),
        map_at_r: random.next(),
        roc_auc: random.next(),
        silhouette: random.next(),
        anisotropy: 1 + random.next(),
        final_loss: random.next(),
      },
      embedding: { dim: 2, points: embedding, labels, domains: null, classShapes: null },
    },
    params,
  );
}
writer.close();

const server = await startServer({ db: path, port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ url: server.url, experiment: 'bench-serve' }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'report') continue;
  const rssMb = process.memoryUsage().rss / 1e6;
  const peakRssMb = process.resourceUsage().maxRSS / 1e3;
  await server.close();
  rmSync(folder, { recursive: true, force: true });
  console.log(JSON.stringify({ rss_mb: rssMb, peak_rss_mb: peakRssMb }));
  break;
}
