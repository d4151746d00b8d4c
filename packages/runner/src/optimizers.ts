import { tf } from '@siamese-lab/backend';
import type { OptimizerAsBuilt } from '@siamese-lab/run-record';
import type { RunSpec } from './spec/schema.ts';

type OptimizerSpec = RunSpec['optimizer'];

/** Builds the tfjs optimizer an experiment names; unset hyper-parameters keep tfjs' defaults. */
export function buildOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const rate = spec.learning_rate;
  switch (spec.name) {
    case 'sgd':
      return tf.train.sgd(rate);
    case 'momentum':
      return tf.train.momentum(rate, spec.momentum ?? 0.9, spec.use_nesterov ?? false);
    case 'adam':
      return tf.train.adam(rate, spec.beta1, spec.beta2, spec.epsilon);
    case 'adamax':
      return tf.train.adamax(rate, spec.beta1, spec.beta2, spec.epsilon, spec.decay);
    case 'rmsprop':
      return tf.train.rmsprop(rate, spec.decay, spec.momentum, spec.epsilon);
    case 'adagrad':
      return tf.train.adagrad(rate, spec.initial_accumulator_value);
    case 'adadelta':
      return tf.train.adadelta(rate, spec.rho, spec.epsilon);
  }
}

/**
 * The optimizer as tfjs built it for this spec: its class and `getConfig()` (learning rate, betas,
 * epsilon, momentum, ...), recorded with each run. A baseline compares it exactly, so a code
 * path that drops or replaces a configured hyper-parameter fails on any machine, even where its
 * effect on the metrics is smaller than a change of GEMM kernel (Adam's beta2 0.999 -> 0.99).
 */
export function optimizerAsBuilt(spec: OptimizerSpec): OptimizerAsBuilt {
  const optimizer = buildOptimizer(spec);
  try {
    const described: OptimizerAsBuilt = { class: optimizer.getClassName() };
    for (const [key, value] of Object.entries(optimizer.getConfig())) {
      if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') described[key] = value;
    }
    return described;
  } finally {
    optimizer.dispose();
  }
}

/**
 * Float32 values each optimizer keeps per weight (tfjs' slot variables): moments, accumulators.
 * A test checks these against the optimizers' own `getWeights()`.
 */
export const optimizerStateCopies: Readonly<Record<OptimizerSpec['name'], number>> = {
  sgd: 0,
  momentum: 1,
  adam: 2,
  adamax: 2,
  rmsprop: 2,
  adagrad: 1,
  adadelta: 2,
};

/** The learning rate at a 0-based step under the spec's schedule. */
export function learningRateAt(spec: OptimizerSpec, step: number, totalSteps: number): number {
  const schedule = spec.schedule;
  if (!schedule || schedule.kind === 'constant') return spec.learning_rate;
  if (schedule.kind === 'step') return spec.learning_rate * schedule.gamma ** Math.floor(step / schedule.step_size);
  const progress = totalSteps <= 1 ? 1 : step / (totalSteps - 1);
  return schedule.min_learning_rate + 0.5 * (spec.learning_rate - schedule.min_learning_rate) * (1 + Math.cos(Math.PI * progress));
}
