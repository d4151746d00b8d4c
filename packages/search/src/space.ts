/**
 * The `search:` block of an experiment file (beside `sweep:`): the space of parameters, the
 * sampler, the objective, the budget and the ASHA early-stopping rule, as a zod schema the runner
 * can embed, and the space's helpers the samplers share (order, conditions, internal scale).
 *
 * ```yaml
 * search:
 *   seed: 1
 *   space:
 *     optimizer.name: { kind: choice, values: [sgd, momentum, adam] }
 *     optimizer.learning_rate: { kind: log_uniform, low: 1.0e-4, high: 0.1 }
 *     optimizer.momentum: { kind: uniform, low: 0.5, high: 0.99, condition: { parameter: optimizer.name, in: [momentum] } }
 *     model.embedding_dim: { kind: int, low: 2, high: 64, log: true }
 *   sampler: { kind: tpe }                              # random | tpe; a grid stays a sweep
 *   objective: { metric: nn_accuracy, direction: maximize }
 *   budget: { trials: 50 }                              # and/or steps: total training steps
 *   asha: { min_steps: 100, max_steps: 2700, reduction_factor: 3 }
 * ```
 */
import { z } from 'zod';
import { LabError, positiveNumber, positiveWholeNumber } from '@siamese-lab/core';

export type ParameterValue = string | number | boolean;
/** One trial's parameters: a parameter whose condition does not hold is absent. */
export type Parameters = Record<string, ParameterValue>;

const choiceValue = z.union([z.string(), z.number(), z.boolean()], { error: 'a choice value is a string, a number, true or false' });
const shown = (value: ParameterValue) => (typeof value === 'string' ? value : String(value));

const conditionSchema = z.strictObject({
  /** Another parameter of the space (a choice or an int). */
  parameter: z.string({ error: 'condition.parameter names another parameter of the space, e.g. optimizer.name' }),
  /** The values of that parameter for which this one exists. */
  in: z.array(choiceValue, { error: 'condition.in is a list of values, e.g. [momentum]' }).min(1, 'condition.in needs at least one value'),
});

type RangeContext = z.core.$RefinementCtx<{ low: number; high: number }>;

function checkRange(range: { low: number; high: number }, context: RangeContext, logLow?: { min: number; why: string }): void {
  if (range.low > range.high)
    context.addIssue({
      code: 'custom',
      path: ['high'],
      message: `the range from ${range.low} to ${range.high} is inverted: high must be greater than low`,
    });
  else if (range.low === range.high)
    context.addIssue({
      code: 'custom',
      path: ['high'],
      message: `the range from ${range.low} to ${range.high} is empty: high must be greater than low (a fixed value belongs in base)`,
    });
  if (logLow && range.low < logLow.min) context.addIssue({ code: 'custom', path: ['low'], message: logLow.why });
}

const uniformSchema = z
  .strictObject({ kind: z.literal('uniform'), low: z.number(), high: z.number(), condition: conditionSchema.optional() })
  .superRefine((range, context) => checkRange(range, context));

const logUniformSchema = z
  .strictObject({ kind: z.literal('log_uniform'), low: z.number(), high: z.number(), condition: conditionSchema.optional() })
  .superRefine((range, context) =>
    checkRange(range, context, {
      min: Number.MIN_VALUE,
      why: `a log-uniform range needs low and high greater than 0 (there is no logarithm of ${range.low})`,
    }),
  );

const intSchema = z
  .strictObject({
    kind: z.literal('int'),
    low: z.number().int('low of an int range must be a whole number'),
    high: z.number().int('high of an int range must be a whole number'),
    /** Sample on a log scale (each power of ten equally likely). */
    log: z.boolean().default(false),
    condition: conditionSchema.optional(),
  })
  .superRefine((range, context) =>
    checkRange(
      range,
      context,
      range.log
        ? { min: 1, why: `an int range with log: true needs low of at least 1 (there is no logarithm of ${range.low})` }
        : undefined,
    ),
  );

const choiceSchema = z
  .strictObject({
    kind: z.literal('choice'),
    values: z.array(choiceValue, { error: 'values is a list, e.g. [sgd, adam]' }).min(1, 'a choice needs at least one value'),
    condition: conditionSchema.optional(),
  })
  .superRefine((choice, context) => {
    const seen = new Set<ParameterValue>();
    choice.values.forEach((value, index) => {
      if (seen.has(value)) context.addIssue({ code: 'custom', path: ['values', index], message: `\`${shown(value)}\` is listed twice` });
      seen.add(value);
    });
  });

export const parameterSchema = z.discriminatedUnion('kind', [uniformSchema, logUniformSchema, intSchema, choiceSchema], {
  error: 'kind is one of: uniform, log_uniform, int, choice',
});

export type SearchParameter = z.infer<typeof parameterSchema>;
export type Condition = z.infer<typeof conditionSchema>;

const parameterName = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Why `condition` can never hold in `space` (and which of its keys is wrong), or undefined when it can. */
function conditionProblem(
  space: Record<string, SearchParameter>,
  name: string,
  condition: Condition,
): { key: 'parameter' | 'in'; message: string } | undefined {
  const parent = space[condition.parameter];
  if (condition.parameter === name) return { key: 'parameter', message: `\`${name}\` cannot be conditional on itself` };
  if (!parent)
    return {
      key: 'parameter',
      message: `\`${condition.parameter}\` is not a parameter of the space; expected one of: ${Object.keys(space).join(', ')}`,
    };
  if (parent.kind === 'uniform' || parent.kind === 'log_uniform')
    return {
      key: 'parameter',
      message: `\`${condition.parameter}\` is continuous (${parent.kind}), so it never takes one given value: a condition needs a choice or an int parameter`,
    };
  for (const value of condition.in) {
    const possible =
      parent.kind === 'choice'
        ? parent.values.includes(value)
        : typeof value === 'number' && Number.isInteger(value) && value >= parent.low && value <= parent.high;
    if (!possible) {
      const values =
        parent.kind === 'choice' ? parent.values.map(shown).join(', ') : `the whole numbers from ${parent.low} to ${parent.high}`;
      return {
        key: 'in',
        message: `\`${shown(value)}\` is never a value of \`${condition.parameter}\` (its values: ${values}), so the condition of \`${name}\` would never hold`,
      };
    }
  }
  return undefined;
}

export const spaceSchema = z
  .record(z.string().regex(parameterName, 'a parameter is a dotted run parameter such as optimizer.learning_rate'), parameterSchema, {
    error: 'space maps run parameters to their ranges, e.g. optimizer.learning_rate: { kind: log_uniform, low: 1.0e-4, high: 0.1 }',
  })
  .superRefine((space, context) => {
    const names = Object.keys(space);
    if (names.length === 0) {
      context.addIssue({ code: 'custom', message: 'the space needs at least one parameter' });
      return;
    }
    for (const name of names) {
      const condition = space[name].condition;
      if (!condition) continue;
      const problem = conditionProblem(space, name, condition);
      if (problem) context.addIssue({ code: 'custom', path: [name, 'condition', problem.key], message: problem.message });
    }
    // A cycle of conditions (a on b, b on a) has no order to sample in.
    for (const name of names) {
      const chain = [name];
      for (let at = space[name].condition?.parameter; at !== undefined && space[at]; at = space[at].condition?.parameter) {
        if (at === name) {
          context.addIssue({
            code: 'custom',
            path: [name, 'condition', 'parameter'],
            message: `the conditions form a cycle: ${[...chain, name].join(' -> ')}`,
          });
          return;
        }
        if (chain.includes(at)) break;
        chain.push(at);
      }
    }
  });

export type Space = z.infer<typeof spaceSchema>;

export const samplerKinds = ['random', 'tpe'] as const;
export type Direction = 'minimize' | 'maximize';

export const samplerSchema = z.strictObject({
  kind: z
    .enum(samplerKinds, {
      error: (issue) =>
        issue.input === 'grid' ? 'a grid stays a sweep (sweep.grid); a search samples with random or tpe' : 'sampler.kind is random or tpe',
    })
    .default('tpe'),
  /** TPE: the first trials are drawn at random (Optuna's n_startup_trials). */
  startup_trials: z.number().int('startup_trials must be a whole number').min(0, 'startup_trials must be 0 or more').default(10),
  /** TPE: candidates drawn from l(x) and scored by l(x)/g(x) (Optuna's n_ei_candidates). */
  ei_candidates: positiveWholeNumber('ei_candidates').default(24),
  /** TPE: the good trials are the best min(ceil(gamma · n), max_good) of n. */
  gamma: z.number().gt(0, 'gamma is a fraction between 0 and 1').lt(1, 'gamma is a fraction between 0 and 1').default(0.1),
  max_good: positiveWholeNumber('max_good').default(25),
  /** TPE: the weight of the prior kernel (uniform over the range) in each Parzen estimator. */
  prior_weight: positiveNumber('prior_weight').default(1),
});

export type SamplerSettings = z.infer<typeof samplerSchema>;

export const objectiveSchema = z.strictObject({
  /** A metric the runs record, computed on the validation split (e.g. nn_accuracy, final_loss). */
  metric: z
    .string({ error: 'objective.metric is a recorded metric such as nn_accuracy' })
    .regex(/^[a-z][a-z0-9_]*$/, 'objective.metric is a recorded metric such as nn_accuracy'),
  direction: z.enum(['minimize', 'maximize'], { error: 'objective.direction is minimize or maximize' }),
});

export const budgetSchema = z
  .strictObject({
    /** Trials started (each with its own sampled parameters). */
    trials: positiveWholeNumber('budget.trials').optional(),
    /** Training steps over all trials: a trial counts the steps it trained (to max_steps, or to the rung that stopped it). */
    steps: positiveWholeNumber('budget.steps').optional(),
  })
  .refine((budget) => budget.trials !== undefined || budget.steps !== undefined, 'the budget needs trials, steps or both');

export type Budget = z.infer<typeof budgetSchema>;

export const ashaSchema = z
  .strictObject({
    /** The first rung: every trial trains this many steps before it is compared. */
    min_steps: positiveWholeNumber('asha.min_steps'),
    /** The top rung: every trial trains this many steps (training.steps) unless a rung stops it. */
    max_steps: positiveWholeNumber('asha.max_steps'),
    /** η: at each rung about the best 1/η of the trials go on (rungs η times apart); the others stop there. */
    reduction_factor: z
      .number({ error: 'asha.reduction_factor (η) must be a whole number' })
      .int('asha.reduction_factor (η) must be a whole number')
      .min(2, 'asha.reduction_factor (η) must be at least 2: each rung keeps about the best 1/η of its trials')
      .default(3),
  })
  .superRefine((asha, context) => {
    if (asha.min_steps > asha.max_steps)
      context.addIssue({
        code: 'custom',
        path: ['min_steps'],
        message: `asha.min_steps (${asha.min_steps}) is more than asha.max_steps (${asha.max_steps})`,
      });
    else if (asha.max_steps < asha.min_steps * asha.reduction_factor)
      context.addIssue({
        code: 'custom',
        path: ['max_steps'],
        message: `asha.max_steps must be at least min_steps × reduction_factor (${asha.min_steps * asha.reduction_factor}): with ${asha.max_steps} there is one rung and nothing to stop early`,
      });
  });

export type AshaSettings = z.infer<typeof ashaSchema>;

/** The `search:` block of an experiment file. */
export const searchSchema = z
  .strictObject({
    /** The sampler's seed: the same file and seed give the same parameters for each trial. */
    seed: z.number().int('search.seed must be a whole number').min(0, 'search.seed must be 0 or more').default(1),
    space: spaceSchema,
    sampler: samplerSchema.prefault({}),
    objective: objectiveSchema,
    budget: budgetSchema,
    asha: ashaSchema.optional(),
  })
  .superRefine((search, context) => {
    if (search.asha && search.budget.steps !== undefined && search.budget.steps < search.asha.min_steps)
      context.addIssue({
        code: 'custom',
        path: ['budget', 'steps'],
        message: `budget.steps (${search.budget.steps}) is less than asha.min_steps (${search.asha.min_steps}): not one trial fits`,
      });
  });

export type SearchSettings = z.infer<typeof searchSchema>;

function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, prefix: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [prefix, ...issue.path.map(String)].join('.');
  throw new LabError(issue.message, { field });
}

/**
 * Check a whole `search:` block (the space with its ranges and conditions, the sampler, the
 * objective, the budget and asha) and return it with its defaults, or throw a LabError naming the
 * field (`search.space.optimizer.momentum.high`). The runner, which knows the file, may instead
 * embed `searchSchema` and report the issue with its line and column as it does for the rest.
 */
export function validateSpace(input: unknown, field = 'search'): SearchSettings {
  return parseOrThrow(searchSchema, input, field);
}

/**
 * The space's parameters in an order where each conditional parameter comes after the one its
 * condition reads; otherwise the file's order.
 */
export function parameterOrder(space: Space): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const place = (name: string) => {
    if (placed.has(name)) return;
    placed.add(name);
    const parent = space[name].condition?.parameter;
    if (parent !== undefined && space[parent]) place(parent);
    order.push(name);
  };
  Object.keys(space).forEach(place);
  return order;
}

/** Whether a parameter exists in a trial whose (earlier) parameters are `values`. */
export function isActive(parameter: SearchParameter, values: Parameters): boolean {
  const condition = parameter.condition;
  if (!condition) return true;
  const value = values[condition.parameter];
  return value !== undefined && condition.in.includes(value);
}

export type NumericParameter = Exclude<SearchParameter, { kind: 'choice' }>;

/**
 * The interval a numerical parameter is sampled in: its logarithm for log_uniform and log ints,
 * and for ints widened by half a step on each side, so that rounding gives every integer the same
 * width (as Optuna's transform does).
 */
export function internalBounds(parameter: NumericParameter): { low: number; high: number } {
  const widen = parameter.kind === 'int' ? 0.5 : 0;
  const low = parameter.low - widen;
  const high = parameter.high + widen;
  return isLogScale(parameter) ? { low: Math.log(low), high: Math.log(high) } : { low, high };
}

function isLogScale(parameter: NumericParameter): boolean {
  return parameter.kind === 'log_uniform' || (parameter.kind === 'int' && parameter.log);
}

/** A parameter's value on the internal scale (see internalBounds). */
export function toInternal(parameter: NumericParameter, value: number): number {
  return isLogScale(parameter) ? Math.log(value) : value;
}

/** The value of an internal-scale point: exponentiated, rounded for ints, clamped to the range. */
export function fromInternal(parameter: NumericParameter, internal: number): number {
  let value = isLogScale(parameter) ? Math.exp(internal) : internal;
  if (parameter.kind === 'int') value = Math.round(value);
  return Math.min(parameter.high, Math.max(parameter.low, value));
}
