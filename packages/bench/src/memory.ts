import { fileURLToPath } from 'node:url';
import { runJsonWorker } from './json-worker.ts';
import type { BenchOptions, BenchSection } from './bench-section.ts';
import type { MemoryWorkerResult } from './memory-worker.ts';

const workerPath = fileURLToPath(new URL('./memory-worker.ts', import.meta.url));

function runMemoryWorker(steps: number, backend: string): Promise<MemoryWorkerResult> {
  return runJsonWorker<MemoryWorkerResult>(workerPath, ['--steps', String(steps), '--backend', backend], 'memory worker');
}

/**
 * Whether a long run leaks: live tensors and RSS sampled at steps 100, 1000, 2000, ... of one run
 * (runner's own training loop, blas backend, a small MLP). Flat tensor counts mean no tensor
 * escapes tf.tidy; RSS after warm-up should stay within allocator noise.
 */
export const memorySection: BenchSection = {
  name: 'memory',
  async run(options: BenchOptions) {
    const steps = options.memorySteps ?? 2000;
    const backend = options.backends?.includes('blas') === false && options.backends.length ? options.backends[0] : 'blas';
    options.log(`memory: one run of ${steps} steps on ${backend} (--memory-steps 20000 for the long figure)`);
    const result = await runMemoryWorker(steps, backend);
    const first = result.samples[0];
    const last = result.samples[result.samples.length - 1];
    const lines = [
      `memory over one run (${result.backend}, MLP 784-128-128-2, batch 64, ${steps} steps in ${result.seconds.toFixed(0)} s)`,
      `${'step'.padStart(8)}${'tensors'.padStart(9)}${'RSS MB'.padStart(9)}${'heap MB'.padStart(9)}`,
      ...result.samples.map(
        (sample) =>
          `${String(sample.step).padStart(8)}${String(sample.tensors).padStart(9)}${sample.rss_mb.toFixed(1).padStart(9)}${sample.heap_mb.toFixed(1).padStart(9)}`,
      ),
      `from step ${first.step} to ${last.step}: tensors ${last.tensors - first.tensors >= 0 ? '+' : ''}${last.tensors - first.tensors}, RSS ${(last.rss_mb - first.rss_mb).toFixed(1)} MB, heap ${(last.heap_mb - first.heap_mb).toFixed(1)} MB`,
    ];
    return {
      lines,
      json: {
        memory: {
          backend: result.backend,
          steps,
          seconds: result.seconds,
          samples: result.samples,
          tensor_growth: last.tensors - first.tensors,
          rss_growth_mb: last.rss_mb - first.rss_mb,
        },
      },
    };
  },
};
