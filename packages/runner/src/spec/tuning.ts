/**
 * The `tuning:` block of an experiment file, checked against the planned runs so that a test
 * metric, an unknown parameter or runs without validation scores are reported at their line
 * before anything runs.
 */
import { LabError } from '@siamese-lab/core';
import type { TuningRule } from '@siamese-lab/stats';
import type { TuningEntry } from './claim-schema.ts';
import { didYouMean, locate, type PathSegment, type SourceDocument } from './locate.ts';
import type { PlannedRun } from './sweep.ts';

/** A tuning rule with the test metric its ranking reports. */
export interface Tuning extends TuningRule {
  report: string;
}

export function planTuning(
  entry: TuningEntry | undefined,
  context: { sources: SourceDocument[]; runs: readonly PlannedRun[] },
): Tuning | undefined {
  if (!entry) return undefined;
  const at = (field: string, index?: number) => {
    const path: PathSegment[] = ['tuning', field, ...(index === undefined ? [] : [index])];
    const source = context.sources.find((candidate) => candidate.document.hasIn(path)) ?? context.sources[0];
    return { location: locate(source, path), field: `tuning.${field}${index === undefined ? '' : `[${index}]`}` };
  };
  if (!entry.metric.startsWith('validation_')) {
    throw new LabError(
      `tuning.metric ${entry.metric} is not a validation metric: settings are chosen on held-out training images, never on the test set`,
      {
        ...at('metric'),
        hint: `use validation_${entry.metric} (with evaluation.validation_limit set, every run records it)`,
      },
    );
  }
  const unscored = context.runs.find((run) => run.spec.evaluation.validation_limit === undefined);
  if (unscored) {
    throw new LabError(`run ${unscored.index + 1} (${unscored.label}) records no validation scores to tune on`, {
      ...at('metric'),
      hint: 'set evaluation.validation_limit in base (e.g. 2000), with data.validation_size holding that many images',
    });
  }
  const parameterNames = [...new Set(context.runs.flatMap((run) => Object.keys(run.params)))];
  entry.per.forEach((name, index) => {
    if (parameterNames.includes(name)) return;
    const suggestion = didYouMean(name, parameterNames);
    throw new LabError(`\`${name}\` is not a parameter of these runs`, {
      ...at('per', index),
      hint: suggestion ? `did you mean \`${suggestion}\`?` : 'use dotted run parameters such as loss.kind or data.dataset',
    });
  });
  return {
    metric: entry.metric,
    direction: entry.direction,
    per: entry.per,
    report: entry.report ?? entry.metric.slice('validation_'.length),
  };
}
