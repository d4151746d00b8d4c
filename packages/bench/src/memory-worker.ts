// Child-process entry of the memory section: one long run in a fresh process, so that the RSS
// figures are this run's alone. Prints one JSON line (MemoryWorkerResult).
import { selectBackend, tf, type BackendName } from '@siamese-lab/backend';
import { loadRunData, runSpecSchema, trainRun } from '@siamese-lab/runner';

export interface MemorySample {
  step: number;
  tensors: number;
  rss_mb: number;
  heap_mb: number;
}

export interface MemoryWorkerResult {
  backend: string;
  steps: number;
  samples: MemorySample[];
  seconds: number;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const steps = Number(argument('steps') ?? 1000);
const backend = await selectBackend((argument('backend') ?? 'blas') as BackendName);
// A small model so that 20,000 steps take minutes, not hours; the leak, if any, is per step.
const spec = runSpecSchema.parse({
  backend: backend.requested,
  data: { train_limit: 5000 },
  model: { tower_a: { hidden: [128, 128] } },
  sampler: { batch_size: 64 },
  training: { steps, log_every: 100 },
  evaluation: { test_limit: 100 },
});
const data = loadRunData(spec.data);
const sampleAt = new Set([100, 1000, 2000, 5000, 10_000, 20_000, 50_000, steps].filter((step) => step <= steps));
const samples: MemorySample[] = [];
let step = 0;
const started = performance.now();
const result = await trainRun(spec, data, {
  // Called after every step: the one place to sample at exact step counts.
  shouldStop: () => {
    step++;
    if (sampleAt.has(step)) {
      const usage = process.memoryUsage();
      samples.push({ step, tensors: tf.memory().numTensors, rss_mb: usage.rss / 2 ** 20, heap_mb: usage.heapUsed / 2 ** 20 });
    }
    return false;
  },
});
const seconds = (performance.now() - started) / 1000;
result.model.dispose();
process.stdout.write(`${JSON.stringify({ backend: backend.description, steps, samples, seconds } satisfies MemoryWorkerResult)}\n`);
