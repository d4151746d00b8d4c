import {
  createTrainingOptimizer,
  measureGemmBound,
  readNativeTimers,
  selectBackend,
  tf,
  type ActiveBackend,
  type BackendName,
} from '@siamese-lab/backend';
import type { PairBatch } from '@siamese-lab/data';
import { buildDistance, buildPairLoss, lossSettingsSchema, type PairLossSpec } from '@siamese-lab/losses';
import { createSiameseModel, modelSettingsSchema, type ModelSpec } from '@siamese-lab/model';
import { runSpecSchema, trainingStep, type StepParts } from '@siamese-lab/runner';
import { createRandom } from '@siamese-lab/core';

/** The seed's training step: what `pnpm bench` times. */
export interface StepShape {
  pairs_per_step: number;
  layers: number[];
  activation: 'relu';
  optimizer: 'sgd' | 'adam';
  learning_rate: number;
  margin: number;
  epsilon: number;
  shared_weights: true;
}

/** The seed's configuration: every default of an experiment file's `base`, written once in the settings schemas. */
const seedSpec = runSpecSchema.parse({});
/** MNIST's 28x28 images, flattened. */
const seedInputSize = 28 * 28;

export const SEED_STEP: StepShape = {
  pairs_per_step: seedSpec.sampler.batch_size,
  layers: [seedInputSize, ...seedSpec.model.tower_a.hidden, seedSpec.model.embedding_dim],
  activation: 'relu',
  optimizer: 'sgd',
  learning_rate: seedSpec.optimizer.learning_rate,
  margin: (seedSpec.loss as PairLossSpec).margin,
  epsilon: seedSpec.loss.epsilon,
  shared_weights: true,
};

/**
 * Floating-point operations of one step with shared weights (both inputs in one batch):
 * forward and weight-gradient products for every layer, input-gradient products for all but
 * the first (its input is data). Element-wise work is not counted.
 */
export function stepFlops(shape: StepShape): number {
  const rows = 2 * shape.pairs_per_step;
  let products = 0;
  for (let i = 0; i + 1 < shape.layers.length; i++) {
    const macs = rows * shape.layers[i] * shape.layers[i + 1];
    products += 2 * macs + (i > 0 ? macs : 0);
  }
  return 2 * products;
}

export interface TrainingStepRunner {
  /** One training step, exactly as the runner does it (one read per step); returns the loss. */
  step(): number;
  /** Kernel times of `steps` steps from tf.profile, per step, largest first (ms). */
  profile(steps?: number): Promise<Array<{ kernel: string; ms: number; calls: number }>>;
  dispose(): void;
}

/**
 * Builds the seed's model, loss and optimizer on the ACTIVE backend, with one batch of random
 * inputs, and steps it through the runner's own training step (fused optimizer, exact check).
 */
export function createTrainingStep(shape: StepShape, seed = 1): TrainingStepRunner {
  const [inputSize, ...rest] = shape.layers;
  const spec: ModelSpec = modelSettingsSchema.parse({
    share_weights: true,
    embedding_dim: rest[rest.length - 1],
    tower_a: { kind: 'mlp', hidden: rest.slice(0, -1), activation: shape.activation },
  });
  const loss = lossSettingsSchema.parse({ margin: shape.margin, epsilon: shape.epsilon });
  const optimizer = shape.optimizer === 'adam' ? tf.train.adam(shape.learning_rate) : tf.train.sgd(shape.learning_rate);
  const parts: StepParts = {
    model: createSiameseModel(spec, { inputSizeA: inputSize, inputSizeB: inputSize, seed }),
    loss: buildPairLoss(loss),
    distance: buildDistance(loss),
    optimizer: createTrainingOptimizer(optimizer),
  };
  const random = createRandom(seed);
  const pairs = shape.pairs_per_step;
  const uniform = (count: number) => Float32Array.from({ length: count }, () => random.next());
  // Left rows then right rows in one buffer, as the pair samplers lay out a batch of one input size.
  const stacked = uniform(2 * pairs * inputSize);
  const batch: PairBatch = {
    stacked,
    left: stacked.subarray(0, pairs * inputSize),
    right: stacked.subarray(pairs * inputSize),
    similar: Float32Array.from({ length: pairs }, () => (random.next() < 0.5 ? 1 : 0)),
    leftIndices: Int32Array.from({ length: pairs }, (_, i) => i),
    rightIndices: Int32Array.from({ length: pairs }, (_, i) => pairs + i),
    batchSize: pairs,
    leftFeatures: inputSize,
    rightFeatures: inputSize,
  };
  const step = () => trainingStep(parts, batch, { wantDistances: false, applyNonFinite: false }).loss;
  return {
    step,
    async profile(steps = 1) {
      const info = await tf.profile(() => {
        for (let i = 0; i < steps; i++) step();
      });
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const kernel of info.kernels) {
        // customGrad's wrapper kernel ('forward') times the kernels it runs: counting it would count twice.
        if (kernel.name === 'forward') continue;
        const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
        entry.ms += (Number(kernel.kernelTimeMs) || 0) / steps;
        entry.calls += 1 / steps;
        byKernel.set(kernel.name, entry);
      }
      return [...byKernel].map(([kernel, entry]) => ({ kernel, ...entry })).sort((a, b) => b.ms - a.ms);
    },
    dispose() {
      parts.model.dispose();
      parts.optimizer.dispose();
    },
  };
}

/** Where a step's wall time goes (ms per step). `host` is what no kernel accounts for: tfjs' engine, tape, JS. */
export interface StepBreakdown {
  wall_ms: number;
  /** Inside the GEMM provider (native timers). */
  gemm_ms: number;
  /** Every other kernel: the addon's non-GEMM work (bias, masks, optimizer) and tfjs' own kernels. */
  other_kernels_ms: number;
  host_ms: number;
}

export interface StepTiming {
  backend: ActiveBackend;
  steps: number;
  warmup_steps: number;
  /** The warm-up's own rate: a fresh process's first steps pay one-time costs (see sections.ts). */
  warmup_steps_per_s: number | null;
  seconds: number;
  steps_per_s: number;
  pairs_per_s: number;
  gflops: number;
  final_loss: number;
  profile?: Array<{ kernel: string; ms: number; calls: number }>;
  /** blas only: the step's products alone on the same provider and threads, per step (ms). */
  gemm_bound?: { best_ms: number; mean_ms: number; steps_per_s: number; slices_ms: number[] };
  breakdown?: StepBreakdown;
}

/** Slices the timed steps and the GEMM-only bound are interleaved in. */
const GEMM_BOUND_SLICES = 5;

/** Selects `backendName`, warms up, then times `steps` training steps (and, on blas, the GEMM-only bound). */
export async function timeTrainingStep(
  backendName: BackendName,
  options: { steps: number; warmup: number; profile?: boolean; shape?: StepShape; blasThreads?: number },
): Promise<StepTiming> {
  const shape = options.shape ?? SEED_STEP;
  const backend = await selectBackend(backendName, { blasThreads: options.blasThreads });
  const runner = createTrainingStep(shape);
  try {
    const warmupStart = performance.now();
    for (let i = 0; i < options.warmup; i++) runner.step();
    const warmupSeconds = (performance.now() - warmupStart) / 1000;
    let finalLoss = NaN;
    // On blas the GEMM-only bound is timed in slices between slices of the steps, so that both
    // see the same machine: a virtual machine's neighbours come and go within seconds.
    const slices = backend.name === 'blas' ? GEMM_BOUND_SLICES : 1;
    const boundIterations = Math.ceil(Math.max(20, Math.min(options.steps, 100)) / slices);
    const boundMs: number[] = [];
    let bestBoundMs = Infinity;
    let seconds = 0;
    let gemmMs = 0;
    let kernelMs = 0;
    let haveNativeTimers = false;
    for (let slice = 0; slice < slices; slice++) {
      const sliceSteps = Math.floor((options.steps * (slice + 1)) / slices) - Math.floor((options.steps * slice) / slices);
      readNativeTimers(true);
      const start = performance.now();
      for (let i = 0; i < sliceSteps; i++) finalLoss = runner.step();
      seconds += (performance.now() - start) / 1000;
      const timers = readNativeTimers(true);
      if (timers) {
        haveNativeTimers = true;
        gemmMs += timers.gemmMs;
        kernelMs += timers.kernelMs;
      }
      if (backend.name === 'blas') {
        const bound = measureGemmBound(2 * shape.pairs_per_step, shape.layers, boundIterations);
        if (bound) {
          boundMs.push(bound.meanMs);
          bestBoundMs = Math.min(bestBoundMs, bound.bestMs);
        }
      }
    }
    const native = haveNativeTimers ? { gemmMs, kernelMs } : undefined;
    const stepsPerSecond = options.steps / seconds;
    const wallMs = (seconds * 1000) / options.steps;
    let breakdown: StepBreakdown | undefined;
    let profile: StepTiming['profile'];
    if (options.profile || native) {
      // Native times come from the timed loop; tfjs' own (wasm) kernels from profiled steps,
      // as the profile's kernel time minus the native time inside those same steps.
      const profileSteps = Math.min(options.steps, 20);
      readNativeTimers(true);
      profile = await runner.profile(profileSteps);
      const nativeInProfileMs = (readNativeTimers(true)?.kernelMs ?? 0) / profileSteps;
      const tfjsKernelsMs = Math.max(0, profile.reduce((sum, kernel) => sum + kernel.ms, 0) - nativeInProfileMs);
      const gemmMs = native ? native.gemmMs / options.steps : 0;
      const otherNativeMs = native ? (native.kernelMs - native.gemmMs) / options.steps : 0;
      const otherKernelsMs = otherNativeMs + tfjsKernelsMs;
      breakdown = {
        wall_ms: wallMs,
        gemm_ms: gemmMs,
        other_kernels_ms: otherKernelsMs,
        host_ms: Math.max(0, wallMs - gemmMs - otherKernelsMs),
      };
    }
    let gemmBound: StepTiming['gemm_bound'];
    if (boundMs.length > 0) {
      const meanMs = boundMs.reduce((sum, ms) => sum + ms, 0) / boundMs.length;
      gemmBound = { best_ms: bestBoundMs, mean_ms: meanMs, steps_per_s: 1000 / meanMs, slices_ms: boundMs };
    }
    return {
      backend,
      steps: options.steps,
      warmup_steps: options.warmup,
      warmup_steps_per_s: options.warmup > 0 ? options.warmup / warmupSeconds : null,
      seconds,
      steps_per_s: stepsPerSecond,
      pairs_per_s: stepsPerSecond * shape.pairs_per_step,
      gflops: (stepsPerSecond * stepFlops(shape)) / 1e9,
      final_loss: finalLoss,
      ...(options.profile && profile && { profile }),
      ...(gemmBound && { gemm_bound: gemmBound }),
      ...(breakdown && { breakdown }),
    };
  } finally {
    runner.dispose();
  }
}
