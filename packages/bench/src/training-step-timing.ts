import { fileURLToPath } from 'node:url';
import { availableBackends, type ConcreteBackendName } from '@siamese-lab/backend';
import type { BenchOptions, BenchSection } from './bench-section.ts';
import { runJsonWorker } from './json-worker.ts';
import { runPytorchPeer, type PeerResult } from './pytorch-peer.ts';
import { SEED_STEP, type StepTiming } from './training-step.ts';

type WorkerResult = StepTiming & { peak_rss_mb: number };

const workerPath = fileURLToPath(new URL('./training-step-worker.ts', import.meta.url));

function runWorker(
  backend: ConcreteBackendName,
  steps: number,
  warmup: number,
  options: BenchOptions,
  optimizer: 'sgd' | 'adam' = 'sgd',
): Promise<WorkerResult> {
  const args = ['--backend', backend, '--steps', String(steps), '--warmup', String(warmup), '--optimizer', optimizer];
  if (options.profile) args.push('--profile');
  if (options.blasThreads !== undefined) args.push('--blas-threads', String(options.blasThreads));
  return runJsonWorker<WorkerResult>(workerPath, args, `bench worker for ${backend}`);
}

function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/**
 * Steps before the timed ones on blas and tensorflow. A fresh process's first ~100 steps pay
 * one-time costs: V8 compiling tfjs' code, oneDNN generating its kernels, and first touches of
 * memory (measured on blas: ~240 page faults per step over the first 50 steps, under 1 per step
 * after step 100, at ~30 µs each on these virtual machines). A run spends nearly all its steps
 * past that point, so the timed figure is the steady state; the warm-up's own rate is reported
 * beside it.
 */
const FAST_BACKEND_WARMUP_STEPS = 150;

/** The seed's training step on every available backend, each in its own process, and the PyTorch peer. */
export const trainingStepSection: BenchSection = {
  name: 'training_step',
  async run(options) {
    const present = await availableBackends();
    const backends = (options.backends ?? present).filter((name) => {
      if (present.includes(name)) return true;
      options.log(`skipping backend ${name}: not available here`);
      return false;
    });
    const stepsFor = (name: ConcreteBackendName) =>
      name === 'cpu' ? options.cpuSteps : name === 'wasm' ? options.wasmSteps : options.steps;
    const warmupFor = (name: ConcreteBackendName) => (name === 'cpu' ? 1 : name === 'wasm' ? 2 : FAST_BACKEND_WARMUP_STEPS);

    const results: Partial<Record<ConcreteBackendName, WorkerResult>> = {};
    for (const name of backends) {
      options.log(`timing ${name}: ${stepsFor(name)} steps after ${warmupFor(name)} warm-up`);
      results[name] = await runWorker(name, stepsFor(name), warmupFor(name), options);
    }
    // Adam on the fast backends only (wasm and cpu take minutes for a meaningful count).
    const adamResults: Partial<Record<ConcreteBackendName, WorkerResult>> = {};
    for (const name of backends.filter((backend) => backend === 'blas' || backend === 'tensorflow')) {
      options.log(`timing ${name} with Adam: ${options.steps} steps after ${FAST_BACKEND_WARMUP_STEPS} warm-up`);
      adamResults[name] = await runWorker(name, options.steps, FAST_BACKEND_WARMUP_STEPS, options, 'adam');
    }
    let peer: PeerResult | undefined;
    let peerNote: string | undefined;
    if (options.peer) {
      options.log(`timing the PyTorch peer: ${options.peerSteps} steps per variant`);
      const outcome = runPytorchPeer(options.peerSteps);
      peer = outcome.result;
      peerNote = outcome.skipped;
    } else {
      peerNote = 'PyTorch peer not run (--no-peer)';
    }

    const best = Math.max(...Object.values(results).map((r) => r.steps_per_s));
    const bestAdam = Math.max(...Object.values(adamResults).map((r) => r.steps_per_s));
    const ratio = peer && Number.isFinite(best) ? best / peer.best_steps_per_s : null;
    const peerAdam = peer?.best_by_optimizer?.adam;
    const ratioAdam = peerAdam && Number.isFinite(bestAdam) ? bestAdam / peerAdam : null;
    const blas = results.blas;
    const fractionOfGemmBound = blas?.gemm_bound ? blas.steps_per_s / blas.gemm_bound.steps_per_s : null;
    const lines = [
      `training step: ${SEED_STEP.pairs_per_step} pairs, ${SEED_STEP.layers.join('-')} ReLU, shared weights (one batch of ${2 * SEED_STEP.pairs_per_step}), contrastive loss, SGD lr ${SEED_STEP.learning_rate}`,
      `${'backend'.padEnd(12)}${'steps/s'.padStart(9)}${'pairs/s'.padStart(10)}${'GFLOP/s'.padStart(9)}${'peak RSS MB'.padStart(13)}  description`,
    ];
    for (const [name, r] of Object.entries(results)) {
      lines.push(
        `${name.padEnd(12)}${fixed(r.steps_per_s, 2).padStart(9)}${fixed(r.pairs_per_s, 0).padStart(10)}${fixed(r.gflops).padStart(9)}${fixed(r.peak_rss_mb, 0).padStart(13)}  ${r.backend.description}`,
      );
      for (const warning of r.backend.warnings) lines.push(`${''.padEnd(12)}warning: ${warning}`);
    }
    for (const [name, r] of Object.entries(adamResults)) {
      lines.push(
        `${`${name} adam`.padEnd(12)}${fixed(r.steps_per_s, 2).padStart(9)}${fixed(r.pairs_per_s, 0).padStart(10)}${fixed(r.gflops).padStart(9)}${fixed(r.peak_rss_mb, 0).padStart(13)}  the same step with Adam (lr ${SEED_STEP.learning_rate})`,
      );
    }
    for (const [name, r] of Object.entries(results)) {
      if (r.warmup_steps_per_s !== null && r.warmup_steps >= FAST_BACKEND_WARMUP_STEPS) {
        lines.push(
          `${name}: the first ${r.warmup_steps} steps of a fresh process (not timed above) ran at ${fixed(r.warmup_steps_per_s, 1)} steps/s`,
        );
      }
    }
    if (blas?.gemm_bound) {
      lines.push(
        `GEMM-only bound (the step's products alone, same provider and threads): ${fixed(blas.gemm_bound.mean_ms, 2)} ms/step = ${fixed(blas.gemm_bound.steps_per_s, 1)} steps/s; blas reaches ${fixed((fractionOfGemmBound ?? NaN) * 100, 0)}% of it`,
      );
    }
    for (const [label, r] of [
      ['sgd', blas],
      ['adam', adamResults.blas],
    ] as const) {
      const b = r?.breakdown;
      if (b)
        lines.push(
          `blas ${label} step breakdown: ${fixed(b.wall_ms, 2)} ms = GEMM ${fixed(b.gemm_ms, 2)} + other kernels ${fixed(b.other_kernels_ms, 2)} + host ${fixed(b.host_ms, 2)}`,
        );
    }
    if (peer) {
      for (const run of peer.runs ?? []) {
        lines.push(
          `${`pytorch ${run.optimizer ?? 'sgd'}`.padEnd(12)}${fixed(run.steps_per_s, 2).padStart(9)}${fixed(run.steps_per_s * SEED_STEP.pairs_per_step, 0).padStart(10)}${''.padStart(22)}  PyTorch ${peer.version ?? ''} ${run.variant}, ${run.threads} thread${run.threads === 1 ? '' : 's'}`,
        );
      }
      lines.push(`ratio best backend / best PyTorch: SGD ${fixed(ratio ?? NaN, 2)}, Adam ${fixed(ratioAdam ?? NaN, 2)}`);
    } else if (peerNote) {
      lines.push(`pytorch: ${peerNote}`);
    }
    if (options.profile) {
      for (const [name, r] of Object.entries(results)) {
        const top = (r.profile ?? [])
          .slice(0, 8)
          .map((k) => `${k.kernel} ${k.ms.toFixed(2)}ms×${k.calls}`)
          .join(', ');
        lines.push(`profile ${name} (one step, kernel time): ${top}`);
      }
    }

    const backendsJson: Record<string, unknown> = {};
    for (const [name, r] of Object.entries(results)) {
      backendsJson[name] = {
        steps_per_s: r.steps_per_s,
        pairs_per_s: r.pairs_per_s,
        gflops: r.gflops,
        peak_rss_mb: r.peak_rss_mb,
        steps: r.steps,
        warmup_steps: r.warmup_steps,
        warmup_steps_per_s: r.warmup_steps_per_s,
        description: r.backend.description,
        ...(r.backend.gemm && { gemm: r.backend.gemm }),
        ...(adamResults[name as ConcreteBackendName] && { adam_steps_per_s: adamResults[name as ConcreteBackendName]!.steps_per_s }),
        ...(r.gemm_bound && { gemm_bound: r.gemm_bound }),
        ...(r.profile ? { profile_ms: Object.fromEntries(r.profile.map((k) => [k.kernel, Number(k.ms.toFixed(3))])) } : {}),
      };
    }
    return {
      lines,
      json: {
        step: SEED_STEP,
        backends: backendsJson,
        peer: peer
          ? {
              pytorch: {
                best_steps_per_s: peer.best_steps_per_s,
                best_by_optimizer: peer.best_by_optimizer,
                version: peer.version,
                runs: peer.runs,
              },
            }
          : { pytorch: null, note: peerNote },
        ratio_vs_pytorch: ratio,
        ratio_vs_pytorch_adam: ratioAdam,
        adam_steps_per_s: Number.isFinite(bestAdam) ? bestAdam : null,
        fraction_of_gemm_bound: fractionOfGemmBound,
        gemm_bound_steps_per_s: blas?.gemm_bound?.steps_per_s ?? null,
        step_breakdown_ms: { sgd: blas?.breakdown ?? null, adam: adamResults.blas?.breakdown ?? null },
      },
    };
  },
};
