/**
 * A model's validation scores in the middle of training (a search judging a trial at a rung),
 * computed by the same code as the end-of-run `validation_<metric>` scores.
 */
import { embeddingMetricNames } from '@siamese-lab/run-record';
import type { SiameseModel } from '@siamese-lab/model';
import type { Dataset } from '@siamese-lab/data';
import { evaluateRun } from '../evaluate.ts';
import type { RunSpec } from '../spec/schema.ts';

/**
 * The `validation_<metric>` scores of `model` on the first evaluation.validation_limit validation
 * images. evaluateRun scores them with sister A (`scoreDomain`, pairs from spec.seed + 7777); here
 * they are passed to evaluateRun as the test set, with test_limit = validation_limit, so that
 * sister A's scores of that set are computed by the very same path and equal what the run's
 * end-of-training evaluation records as validation_<metric> for the same weights.
 */
export function validationScores(model: SiameseModel, validation: Dataset, spec: RunSpec): Record<string, number | null> {
  const limit = spec.evaluation.validation_limit;
  if (limit === undefined) throw new Error('validationScores needs evaluation.validation_limit');
  const asTest: RunSpec = { ...spec, evaluation: { ...spec.evaluation, test_limit: limit, validation_limit: undefined } };
  const { metrics } = evaluateRun(model, validation, asTest);
  const scores: Record<string, number | null> = {};
  for (const name of embeddingMetricNames) if (name in metrics) scores[`validation_${name}`] = metrics[name];
  return scores;
}
