import { selectBackend, tf, type ActiveBackend, type BackendName } from '@siamese-lab/backend';
import { contrastiveLoss, euclideanDistance } from '@siamese-lab/losses';
import { createSiameseModel, type ModelSpec } from '@siamese-lab/model';
import { createRandom } from '@siamese-lab/core';


/** The seed's training step: what `pnpm bench` times. */
export interface StepShape {
  pairs_per_step: number;
  layers: number[];
  activation: 'relu';
  optimizer: 'sgd';
  learning_rate: number;
  margin: number;
  epsilon: number;
  shared_weights: true;
}

export const SEED_STEP: StepShape = {
  pairs_per_step: 128,
  layers: [784, 1024, 1024, 2],
  activation: 'relu',
  optimizer: 'sgd',
  learning_rate: 0.01,
  margin: 5,
  epsilon: 1e-6,
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
  /** One SGD step; returns the loss (read back, so the step has really finished). */
  step(): number;
  /** Kernel times of one step from tf.profile, largest first (ms). */
  profile(): Promise<Array<{ kernel: string; ms: number; calls: number }>>;
  dispose(): void;
}

/** Builds the seed's model, loss and optimizer on the ACTIVE backend, with random inputs. */
export function createTrainingStep(shape: StepShape, seed = 1): TrainingStepRunner {
  const [inputSize, ...rest] = shape.layers;
  const spec: ModelSpec = {
    share_weights: true,
    embedding_dim: rest[rest.length - 1],
    tower_a: { kind: 'mlp', hidden: rest.slice(0, -1), activation: shape.activation, init_stddev: 0.01, bias_init: 0.01 },
  };
  const model = createSiameseModel(spec, { inputSizeA: inputSize, inputSizeB: inputSize, seed });
  const loss = contrastiveLoss({ margin: shape.margin, distance: euclideanDistance({ epsilon: shape.epsilon }) });
  const optimizer = tf.train.sgd(shape.learning_rate);
  const random = createRandom(seed);
  const batch = shape.pairs_per_step;
  const uniform = (count: number) => Float32Array.from({ length: count }, () => random.next());
  const left = tf.tensor2d(uniform(batch * inputSize), [batch, inputSize]);
  const right = tf.tensor2d(uniform(batch * inputSize), [batch, inputSize]);
  const similar = tf.tensor1d(Float32Array.from({ length: batch }, () => (random.next() < 0.5 ? 1 : 0)));
  const lossOfBatch = () => {
    const [a, b] = model.embedPair(left, right);
    return loss(a, b, similar);
  };
  const step = () => {
    const value = optimizer.minimize(lossOfBatch, true, model.trainableVariables)!;
    const result = value.dataSync()[0];
    value.dispose();
    return result;
  };
  return {
    step,
    async profile() {
      const info = await tf.profile(() => {
        step();
      });
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const kernel of info.kernels) {
        // customGrad's wrapper kernel ('forward') times the kernels it runs: counting it would count twice.
        if (kernel.name === 'forward') continue;
        const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
        entry.ms += Number(kernel.kernelTimeMs) || 0;
        entry.calls += 1;
        byKernel.set(kernel.name, entry);
      }
      return [...byKernel].map(([kernel, entry]) => ({ kernel, ...entry })).sort((a, b) => b.ms - a.ms);
    },
    dispose() {
      model.dispose();
      optimizer.dispose();
      tf.dispose([left, right, similar]);
    },
  };
}

export interface StepTiming {
  backend: ActiveBackend;
  steps: number;
  warmup_steps: number;
  seconds: number;
  steps_per_s: number;
  pairs_per_s: number;
  gflops: number;
  final_loss: number;
  profile?: Array<{ kernel: string; ms: number; calls: number }>;
}

/** Selects `backendName`, warms up, then times `steps` training steps. */
export async function timeTrainingStep(
  backendName: BackendName,
  options: { steps: number; warmup: number; profile?: boolean; shape?: StepShape; blasThreads?: number },
): Promise<StepTiming> {
  const shape = options.shape ?? SEED_STEP;
  const backend = await selectBackend(backendName, { blasThreads: options.blasThreads });
  const runner = createTrainingStep(shape);
  try {
    for (let i = 0; i < options.warmup; i++) runner.step();
    let finalLoss = NaN;
    const start = performance.now();
    for (let i = 0; i < options.steps; i++) finalLoss = runner.step();
    const seconds = (performance.now() - start) / 1000;
    const stepsPerSecond = options.steps / seconds;
    return {
      backend,
      steps: options.steps,
      warmup_steps: options.warmup,
      seconds,
      steps_per_s: stepsPerSecond,
      pairs_per_s: stepsPerSecond * shape.pairs_per_step,
      gflops: (stepsPerSecond * stepFlops(shape)) / 1e9,
      final_loss: finalLoss,
      profile: options.profile ? await runner.profile() : undefined,
    };
  } finally {
    runner.dispose();
  }
}
