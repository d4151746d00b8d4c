// The optimizer's update alone, as the runner applies it (the fused update in place on blas), in
// GB/s, against a streaming triad over arrays of the seed's parameter count on the same chunks and
// threads, measured in the same run, interleaved round by round so that both see the same machine.
import { availableBackends, createTrainingOptimizer, selectBackend, streamTriad, tf, type TrainingOptimizer } from '@siamese-lab/backend';
import { createRandom } from '@siamese-lab/core';
import type { BenchOptions, BenchSection } from './bench-section.ts';
import { SEED_STEP } from './training-step.ts';

/** The seed's variables: every dense layer's weights and bias. */
export function seedParameterShapes(layers: number[] = SEED_STEP.layers): number[][] {
  return layers.slice(1).flatMap((size, i) => [[layers[i], size], [size]]);
}

/** Arrays each optimizer's update reads plus those it writes, per parameter (the value, the gradient, the state). */
export const UPDATE_ARRAYS = { sgd: { read: 2, written: 1 }, adam: { read: 4, written: 3 } } as const;
type Kind = keyof typeof UPDATE_ARRAYS;

/** STREAM's convention: the triad reads b and c and writes a (its write-allocate reads are not counted). */
const TRIAD_ARRAYS = 3;
const ROUNDS = 7;
const ITERATIONS = 20;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function seededTensor(shape: number[], seed: number, scale: number): tf.Tensor {
  const random = createRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => (random.next() * 2 - 1) * scale),
    shape,
  );
}

interface UpdateRig {
  optimizer: TrainingOptimizer;
  variables: tf.Variable[];
  gradients: tf.NamedTensorMap;
}

function createRig(kind: Kind, shapes: number[][]): UpdateRig {
  const variables = shapes.map((shape, i) =>
    tf.tidy(() => tf.variable(seededTensor(shape, 10 + i, 0.05), true, `bench_update_${kind}_${i}`)),
  );
  const gradients: tf.NamedTensorMap = {};
  variables.forEach((variable, i) => (gradients[variable.name] = seededTensor(variable.shape, 100 + i, 1e-3)));
  const optimizer = createTrainingOptimizer(
    kind === 'adam' ? tf.train.adam(SEED_STEP.learning_rate) : tf.train.sgd(SEED_STEP.learning_rate),
  );
  return { optimizer, variables, gradients };
}

/** One step's check (prepare) and update (apply), timed apart (ms). */
function timedStep(rig: UpdateRig): { checkMs: number; updateMs: number } {
  return tf.tidy(() => {
    const start = performance.now();
    const update = rig.optimizer.prepare(rig.gradients);
    const checked = performance.now();
    update.apply();
    return { checkMs: checked - start, updateMs: performance.now() - checked };
  });
}

export interface UpdateBandwidth {
  threads: number;
  triad: { ms: number; gb_per_s: number };
  sgd: KindBandwidth;
  adam: KindBandwidth;
}

interface KindBandwidth {
  /** Bytes the update reads and writes per step (arrays x parameters x 4). */
  bytes_per_step: number;
  update_ms: number;
  update_gb_per_s: number;
  /** The update's bandwidth over the triad's, same run, same threads. */
  ratio_to_triad: number;
  /** The finite check before it (prepare: every gradient read once). */
  check_ms: number;
  check_gb_per_s: number;
}

/** Medians over interleaved rounds of the per-step time of SGD's and Adam's update and of the triad, on `threads` threads. */
async function measure(threads: number, shapes: number[][]): Promise<UpdateBandwidth> {
  await selectBackend('blas', { blasThreads: threads });
  const parameters = shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
  const rigs = { sgd: createRig('sgd', shapes), adam: createRig('adam', shapes) };
  const a = tf.zeros([parameters]);
  const b = seededTensor([parameters], 1, 1);
  const c = seededTensor([parameters], 2, 1);
  const samples = {
    sgd: { check: [] as number[], update: [] as number[] },
    adam: { check: [] as number[], update: [] as number[] },
    triad: [] as number[],
  };
  try {
    for (const kind of ['sgd', 'adam'] as const) timedStep(rigs[kind]); // the first step creates Adam's state
    streamTriad(a, b, c, 3);
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ['sgd', 'adam'] as const) {
        let check = 0,
          update = 0;
        for (let i = 0; i < ITERATIONS; i++) {
          const step = timedStep(rigs[kind]);
          check += step.checkMs;
          update += step.updateMs;
        }
        samples[kind].check.push(check / ITERATIONS);
        samples[kind].update.push(update / ITERATIONS);
      }
      const start = performance.now();
      for (let i = 0; i < ITERATIONS; i++) streamTriad(a, b, c, 3);
      samples.triad.push((performance.now() - start) / ITERATIONS);
    }
  } finally {
    for (const rig of Object.values(rigs)) {
      rig.optimizer.dispose();
      tf.dispose([...rig.variables, ...Object.values(rig.gradients)]);
    }
    tf.dispose([a, b, c]);
  }
  const gbPerSecond = (bytes: number, ms: number) => bytes / (ms * 1e6);
  const triadMs = median(samples.triad);
  const triad = { ms: triadMs, gb_per_s: gbPerSecond(TRIAD_ARRAYS * parameters * 4, triadMs) };
  const kindResult = (kind: Kind): KindBandwidth => {
    const bytes = (UPDATE_ARRAYS[kind].read + UPDATE_ARRAYS[kind].written) * parameters * 4;
    const updateMs = median(samples[kind].update);
    const checkMs = median(samples[kind].check);
    const updateGbPerSecond = gbPerSecond(bytes, updateMs);
    return {
      bytes_per_step: bytes,
      update_ms: updateMs,
      update_gb_per_s: updateGbPerSecond,
      ratio_to_triad: updateGbPerSecond / triad.gb_per_s,
      check_ms: checkMs,
      check_gb_per_s: gbPerSecond(parameters * 4, checkMs),
    };
  };
  return { threads, triad, sgd: kindResult('sgd'), adam: kindResult('adam') };
}

/** The seed's SGD and Adam update in GB/s next to a streaming triad, on the blas backend's threads and on one. */
export const optimizerUpdateSection: BenchSection = {
  name: 'optimizer_update',
  async run(options: BenchOptions) {
    const shapes = seedParameterShapes();
    const parameters = shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
    if (!(await availableBackends()).includes('blas')) {
      const note = 'blas backend not available: the fused update runs only there';
      return { lines: [`optimizer update: ${note}`], json: { optimizer_update: { note } } };
    }
    const threads = options.blasThreads ?? (await selectBackend('blas')).gemm?.threads ?? 1;
    const counts = threads > 1 ? [threads, 1] : [threads];
    options.log(`optimizer update: SGD and Adam over ${parameters} parameters against a triad, ${counts.join(' and ')} thread(s)`);
    const results: UpdateBandwidth[] = [];
    for (const count of counts) results.push(await measure(count, shapes));
    if (counts.length > 1) await selectBackend('blas', { blasThreads: threads }); // leave the backend as the next section expects it
    const fixed = (value: number, digits = 2) => value.toFixed(digits);
    const lines = [
      `optimizer update alone (the seed's ${parameters} parameters, in place; GB/s = bytes read + written per step / time; triad a = b + s c over ${parameters} floats, 3 arrays counted):`,
    ];
    for (const r of results) {
      lines.push(
        `  ${r.threads} thread${r.threads === 1 ? ' ' : 's'}: triad ${fixed(r.triad.gb_per_s, 1)} GB/s (${fixed(r.triad.ms)} ms); ` +
          (['sgd', 'adam'] as const)
            .map(
              (kind) =>
                `${kind} ${fixed(r[kind].update_gb_per_s, 1)} GB/s (${fixed(r[kind].update_ms)} ms, ${fixed(r[kind].ratio_to_triad)} of the triad; check ${fixed(r[kind].check_ms)} ms)`,
            )
            .join(', '),
      );
    }
    lines.push(
      "  (STREAM's convention: the triad's write-allocate read of a is not counted; the update writes only lines it has just read)",
    );
    const main = results[0];
    return {
      lines,
      json: {
        optimizer_update: { parameters, arrays: UPDATE_ARRAYS, triad_arrays: TRIAD_ARRAYS, results },
        optimizer_update_ratio_to_triad: { sgd: main.sgd.ratio_to_triad, adam: main.adam.ratio_to_triad, threads: main.threads },
      },
    };
  },
};
