import type { NamedTensorMap, Optimizer, Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from './tfjs.ts';
import { ALL_FINITE_KERNEL, BLAS_BACKEND, OPTIMIZER_UPDATE_KERNEL, OWNED_COPY_KERNEL, ownsBuffer } from './blas-backend.ts';
import { OPTIMIZER_KIND } from './native-addon.ts';

/** One step's update, checked but not yet applied. */
export interface PreparedUpdate {
  /** A [1] tensor: 1 when every element of every gradient is finite, else 0 (exact). */
  readonly gradientsFinite: Tensor;
  /**
   * Writes the update into the variables and the optimizer's state. Call at most once, inside the
   * same tidy, while the gradients are alive (on blas the update is computed here).
   */
  apply(): void;
}

/**
 * A tfjs optimizer whose step is split in two: `prepare` checks the gradients, `apply` applies
 * the update, so a caller can read the check (with the loss, in one read) and drop a non-finite
 * step. On the `blas` backend, SGD, momentum (plain and Nesterov), Adam and
 * Adagrad check every gradient in one native pass (`prepare`) and update every variable and its
 * state in place in another (`apply`): one vectorised pass per variable, split across threads when
 * the model is large enough, no new tensors a step. The results are those of the tfjs optimizer,
 * bit for bit (same float32 operations in the same order). Everywhere else, and for the other
 * optimizers, the tfjs optimizer itself runs.
 */
export interface TrainingOptimizer {
  /** tfjs' class name: SGD, Momentum, Adam, ... */
  readonly className: string;
  /** Whether steps run through the fused native update (known after the first `prepare`). */
  readonly fused: boolean | undefined;
  /**
   * With `consumeGradients`, the update may write over the gradients' buffers where no other
   * tensor shares them: read the gradients before, never after. (The fused update, in place,
   * no longer needs to; the promise is kept for the callers.)
   */
  prepare(gradients: NamedTensorMap, options?: { consumeGradients?: boolean }): PreparedUpdate;
  setLearningRate(rate: number): void;
  dispose(): void;
}

type FusedKind = keyof typeof OPTIMIZER_KIND;

interface OptimizerConfig {
  learningRate: number;
  momentum?: number;
  useNesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  initialAccumulatorValue?: number;
}

function fusedKindOf(optimizer: Optimizer, config: OptimizerConfig): FusedKind | undefined {
  switch (optimizer.getClassName()) {
    case 'SGD':
      return 'sgd';
    case 'Momentum':
      return config.useNesterov ? 'nesterov' : 'momentum';
    case 'Adam':
      return 'adam';
    case 'Adagrad':
      return 'adagrad';
    default:
      return undefined;
  }
}

const SLOTS: Record<FusedKind, number> = { sgd: 0, momentum: 1, nesterov: 1, adam: 2, adagrad: 1 };

/**
 * tfjs optimizers read their rate on every update; SGD and momentum cache it as a tensor and
 * expose `setLearningRate`, the others keep it in a plain `learningRate` field.
 */
function setTfjsLearningRate(optimizer: Optimizer, rate: number): void {
  const target = optimizer as unknown as { setLearningRate?: (rate: number) => void; learningRate: number };
  if (target.learningRate === rate) return;
  if (typeof target.setLearningRate === 'function') target.setLearningRate(rate);
  else target.learningRate = rate;
}

/** 1 when every element of every tensor is finite: the native check on blas, tfjs ops elsewhere. */
function allFinite(tensors: Tensor[]): Tensor {
  if (tf.getKernel(ALL_FINITE_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel<Tensor>(ALL_FINITE_KERNEL, Object.fromEntries(tensors.map((t, i) => [`x${i}`, t])));
  }
  return tf.tidy(() => {
    const each = tensors.map((t) => tf.all(tf.isFinite(t)));
    return tf.reshape(tf.cast(tf.all(tf.stack(each)), 'float32'), [1]);
  });
}

export function createTrainingOptimizer(optimizer: Optimizer): TrainingOptimizer {
  const config = optimizer.getConfig() as unknown as OptimizerConfig;
  const kind = fusedKindOf(optimizer, config);
  let learningRate = config.learningRate;
  let fused: boolean | undefined;
  // Fused-path state, kept as tfjs keeps it: a non-trainable variable per slot and variable
  // (updated in place), Adam's beta powers as float32 scalars.
  const slots = new Map<string, Variable[]>();
  let accBeta1 = Math.fround(config.beta1 ?? 0);
  let accBeta2 = Math.fround(config.beta2 ?? 0);

  const slotsOf = (name: string, value: Variable): Variable[] => {
    let state = slots.get(name);
    if (!state) {
      const initial = kind === 'adagrad' ? (config.initialAccumulatorValue ?? 0.1) : 0;
      state = Array.from({ length: SLOTS[kind!] }, () => tf.tidy(() => tf.fill(value.shape, initial).variable(false)));
      slots.set(name, state);
    }
    return state;
  };

  const constants = (): number[] => {
    const epsilon = kind === 'adagrad' ? tf.backend().epsilon() : (config.epsilon ?? 0);
    return [
      -learningRate,
      config.momentum ?? 0,
      config.beta1 ?? 0,
      1 - (config.beta1 ?? 0),
      config.beta2 ?? 0,
      1 - (config.beta2 ?? 0),
      1 - accBeta1,
      1 - accBeta2,
      epsilon,
    ];
  };

  /**
   * A variable (or slot) whose buffer another tensor shares (tf.variable(t) with t still alive, a
   * clone or reshape of it kept) gets a buffer of its own first, so that the update in place
   * changes the variable alone. Once per such buffer: the next steps find it owned.
   */
  const owned = (variable: Variable): Variable => {
    if (!ownsBuffer(variable)) {
      const copy = tf.engine().runKernel<Tensor>(OWNED_COPY_KERNEL, { x: variable });
      variable.assign(copy);
      copy.dispose();
    }
    return variable;
  };

  const prepareFused = (gradients: NamedTensorMap): PreparedUpdate => {
    const names = Object.keys(gradients).filter((name) => gradients[name] != null);
    const variables = names.map((name) => tf.engine().registeredVariables[name]);
    names.forEach((name, i) => slotsOf(name, variables[i]));
    // The check reads every gradient once; the update, in `apply`, then writes the variables and
    // their state where they are (so it cannot run before the step is known to be kept).
    const gradientsFinite = allFinite(names.map((name) => gradients[name]));
    const attrs = { kind: OPTIMIZER_KIND[kind!], constants: constants(), variables: names.length, slots: SLOTS[kind!] };
    let applied = false;
    return {
      gradientsFinite,
      apply() {
        if (applied) throw new Error('this update was applied already');
        applied = true;
        const inputs: NamedTensorMap = {};
        names.forEach((name, i) => {
          inputs[`value${i}`] = owned(variables[i]);
          inputs[`gradient${i}`] = gradients[name];
          slots.get(name)!.forEach((slot, s) => (inputs[`slot${s}_${i}`] = owned(slot)));
        });
        tf.engine().runKernel(OPTIMIZER_UPDATE_KERNEL, inputs, attrs);
        if (kind === 'adam') {
          accBeta1 = Math.fround(accBeta1 * Math.fround(config.beta1!));
          accBeta2 = Math.fround(accBeta2 * Math.fround(config.beta2!));
        }
      },
    };
  };

  return {
    className: optimizer.getClassName(),
    get fused() {
      return fused;
    },
    prepare(gradients) {
      // Decided once: the two paths keep their state in different places.
      fused ??= kind !== undefined && tf.getBackend() === BLAS_BACKEND && tf.getKernel(OPTIMIZER_UPDATE_KERNEL, BLAS_BACKEND) !== undefined;
      if (fused) return prepareFused(gradients);
      let applied = false;
      return {
        gradientsFinite: allFinite(Object.values(gradients)),
        apply() {
          if (applied) throw new Error('this update was applied already');
          applied = true;
          optimizer.applyGradients(gradients);
        },
      };
    },
    setLearningRate(rate) {
      learningRate = rate;
      setTfjsLearningRate(optimizer, rate);
    },
    dispose() {
      optimizer.dispose();
      for (const state of slots.values()) tf.dispose(state);
      slots.clear();
    },
  };
}
