/**
 * The `search:` block of an experiment file, checked against the run parameters so that a bad
 * space, an objective no run records, or a trial that could not be a run are reported at their
 * line before anything runs; and each trial's run (base with the trial's sampled values set).
 *
 * The block's own schema (ranges, conditions, sampler, budget, asha) is the search package's
 * `searchSchema`, embedded in the experiment file's schema; what needs the runner's knowledge
 * (which keys are run parameters, which metrics are recorded, what a run accepts) is here.
 */
import { createHash } from 'node:crypto';
import { LabError } from '@siamese-lab/core';
import { embeddingMetricNames } from '@siamese-lab/run-record';
import { judgedRungs, parameterOrder, type ParameterValue, type Parameters, type SearchSettings } from '@siamese-lab/search';
import { didYouMean, isKnownPath, locate, type PathSegment, type SourceDocument } from './locate.ts';
import { runSpecSchema, type ExperimentFile, type RunSpec } from './schema.ts';
import { canonicalJson, configHash, flattenParams, formatValue, type PlannedRun } from './sweep.ts';

/** A search as the runner runs it. */
export interface SearchPlan {
  settings: SearchSettings;
  /** The file's `base` as written (before defaults): each trial's values are set into a copy of it. */
  rawBase: Record<string, unknown>;
  dataFolder: string;
  /** The space's parameters, conditional ones after the parameter they read. */
  parameters: string[];
  /** The validation metric the search optimises (`validation_<metric>`). */
  metric: string;
  /** The steps every trial trains (asha.max_steps, else base's training.steps). */
  trialSteps: number;
  /** The steps at which a trial is judged (the rungs below the top; none without asha). */
  rungs: number[];
  /**
   * A hash of what decides the trials (the block and base): a resumed search must have the same,
   * or its recorded trials are not this search's.
   */
  fingerprint: string;
}

/** Sets a dotted parameter in a raw (unvalidated) run configuration. */
function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    if (typeof node[segment] !== 'object' || node[segment] === null || Array.isArray(node[segment])) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** The raw configuration of a trial: base, training.steps = the trial's steps, and the sampled values. */
function trialConfig(plan: Pick<SearchPlan, 'rawBase' | 'trialSteps' | 'settings'>, params: Parameters): Record<string, unknown> {
  const raw = structuredClone(plan.rawBase);
  if (plan.settings.asha) setPath(raw, ['training', 'steps'], plan.trialSteps);
  for (const [key, value] of Object.entries(params)) setPath(raw, key.split('.'), value);
  return raw;
}

/** The error of a trial whose configuration is not a valid run, or undefined. */
function trialProblem(plan: Pick<SearchPlan, 'rawBase' | 'trialSteps' | 'settings'>, params: Parameters): string | undefined {
  const parsed = runSpecSchema.safeParse(trialConfig(plan, params));
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `${issue.path.map(String).join('.')}: ${issue.message}`;
}

/**
 * Trial `trial`'s run: its spec validated by the run schema, its params every run parameter (as
 * a sweep's runs), its label `trial N`. Its config hash is the spec's with the trial number, so
 * that two trials that drew the same values are two runs.
 */
export function trialRun(plan: SearchPlan, trial: number, params: Parameters): PlannedRun {
  const parsed = runSpecSchema.safeParse(trialConfig(plan, params));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LabError(
      `trial ${trial} (${describeParameters(params)}) is not a valid run: ${issue.path.map(String).join('.')}: ${issue.message}`,
      {
        field: 'search.space',
        hint: 'narrow the space, or add a condition, so that every combination of its values is a valid run',
      },
    );
  }
  const spec: RunSpec = parsed.data;
  return {
    index: trial,
    spec,
    params: flattenParams(spec),
    overrides: { ...params },
    configHash: createHash('sha256')
      .update(canonicalJson({ spec: configHash(spec), trial }))
      .digest('hex')
      .slice(0, 16),
    label: `trial ${trial}`,
    dataFolder: plan.dataFolder,
  };
}

export function describeParameters(params: Parameters): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${formatValue(typeof value === 'number' ? Number(value.toPrecision(4)) : value)}`)
    .join(', ');
}

/** The values of a parameter worth checking against the run schema: a choice's values, a range's ends. */
function probeValues(parameter: SearchSettings['space'][string]): ParameterValue[] {
  return parameter.kind === 'choice' ? parameter.values : [parameter.low, parameter.high];
}

/**
 * Checks a file's `search:` block against the run parameters and the rest of the file, and
 * returns the plan. Everything refused here is refused before the database is opened.
 */
export function planSearch(
  file: ExperimentFile,
  settings: SearchSettings,
  context: { sources: SourceDocument[]; base: RunSpec; dataFolder: string },
): SearchPlan {
  const at = (path: PathSegment[]) => {
    const full: PathSegment[] = ['search', ...path];
    const source = context.sources.find((candidate) => candidate.document.hasIn(full)) ?? context.sources[0];
    return { location: locate(source, full), field: full.join('.') };
  };
  const topLevel = (key: string) => {
    const source = context.sources.find((candidate) => candidate.document.hasIn([key])) ?? context.sources[0];
    return { location: locate(source, [key]), field: key };
  };
  if (file.sweep) {
    throw new LabError('an experiment has either a sweep or a search, not both', {
      ...topLevel('sweep'),
      hint: 'a search samples its own trials; to run its best setting over seeds, use lab search best NAME',
    });
  }
  for (const key of ['claims', 'tuning'] as const) {
    if (file[key] === undefined) continue;
    throw new LabError(`${key} apply to the runs of a sweep, not to a search's trials`, {
      ...topLevel(key),
      hint: `rerun the best trial over seeds (lab search best NAME prints that file) and put the ${key} there`,
    });
  }

  const rawBase = file.base;
  const trialSteps = settings.asha?.max_steps ?? context.base.training.steps;
  const rungs = settings.asha ? judgedRungs(settings.asha) : [];
  const plan = { rawBase, trialSteps, settings };

  for (const [name, parameter] of Object.entries(settings.space)) {
    const known = isKnownPath(runSpecSchema, name.split('.'));
    if (!known.ok) {
      const segment = name.split('.')[known.at];
      const suggestion = didYouMean(segment, known.known);
      throw new LabError(`\`${name}\` is not a run parameter`, {
        ...at(['space', name]),
        hint: suggestion
          ? `did you mean \`${[...name.split('.').slice(0, known.at), suggestion].join('.')}\`?`
          : 'the space takes dotted run parameters, such as optimizer.learning_rate, loss.margin, loss.epsilon, optimizer.name',
      });
    }
    if (name === 'training.steps' && settings.asha) {
      throw new LabError('training.steps is set by asha.max_steps in a search with early stopping', {
        ...at(['space', name]),
        hint: 'remove it from the space: every trial trains asha.max_steps steps unless a rung stops it',
      });
    }
    // Each value on its own, with base's other settings: a learning rate of 0, an unknown optimizer.
    for (const value of probeValues(parameter)) {
      const problem = trialProblem(plan, { [name]: value });
      if (problem) {
        const key = parameter.kind === 'choice' ? 'values' : value === parameter.low ? 'low' : 'high';
        throw new LabError(`\`${name}\` = ${formatValue(value)} is not a valid run: ${problem}`, {
          ...at(['space', name, key]),
          hint: 'every value of the space must be a valid value of that run parameter',
        });
      }
    }
  }

  const metric = settings.objective.metric;
  if (!metric.startsWith('validation_')) {
    throw new LabError(
      `objective.metric ${metric} is not a validation metric: a search chooses on held-out training images, never on the test set`,
      {
        ...at(['objective', 'metric']),
        hint: `use validation_${metric} (with evaluation.validation_limit set in base, every trial records it)`,
      },
    );
  }
  const scored = metric.slice('validation_'.length);
  if (!(embeddingMetricNames as readonly string[]).includes(scored)) {
    const suggestion = didYouMean(
      metric,
      embeddingMetricNames.map((name) => `validation_${name}`),
    );
    throw new LabError(`objective.metric ${metric} is not a metric the runs record`, {
      ...at(['objective', 'metric']),
      hint: suggestion
        ? `did you mean \`${suggestion}\`?`
        : `the validation metrics are: ${embeddingMetricNames.map((name) => `validation_${name}`).join(', ')}`,
    });
  }
  if (context.base.evaluation.validation_limit === undefined && !('evaluation.validation_limit' in settings.space)) {
    throw new LabError(`the trials record no validation scores: ${metric} needs evaluation.validation_limit`, {
      ...at(['objective', 'metric']),
      hint: 'set evaluation.validation_limit in base (e.g. 1000), with data.validation_size holding that many images',
    });
  }
  if (settings.budget.steps !== undefined && settings.budget.steps < trialSteps) {
    throw new LabError(`budget.steps (${settings.budget.steps}) is less than the ${trialSteps} steps of one trial: not one trial fits`, {
      ...at(['budget', 'steps']),
      hint: `raise budget.steps to at least ${trialSteps}${settings.asha ? ' (asha.max_steps)' : ' (training.steps)'}`,
    });
  }

  const parameters = parameterOrder(settings.space);
  const fingerprint = createHash('sha256')
    .update(canonicalJson({ settings, base: rawBase, trialSteps }))
    .digest('hex')
    .slice(0, 16);
  return { settings, rawBase, dataFolder: context.dataFolder, parameters, metric, trialSteps, rungs, fingerprint };
}
