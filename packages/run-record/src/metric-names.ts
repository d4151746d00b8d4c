/**
 * The names of a run's final metrics (snake_case: they are metric names in the database, the
 * export and the baselines).
 */

/** Scores of one test embedding (the metrics package computes them). */
export const embeddingMetricNames = [
  'nn_accuracy',
  'precision_at_1',
  'map_at_r',
  'silhouette',
  'inter_intra_ratio',
  'roc_auc',
  'anisotropy',
  'degenerate_classes',
  'collapsed',
  'non_finite',
] as const;
export type EmbeddingMetricName = (typeof embeddingMetricNames)[number];

/** Two-source runs also score domain B's embedding, under the embedding metric names with this suffix. */
export const domainBSuffix = '_b';

/** Two-source runs: retrieval and verification across the two domains. */
export const crossDomainMetricNames = ['cross_recall_at_1', 'cross_map_at_r', 'cross_roc_auc'] as const;
export type CrossDomainMetricName = (typeof crossDomainMetricNames)[number];

/**
 * Measured while training. `mean_learning_rate` is the mean of the rates the steps trained at: it
 * follows from the schedule alone, so it is the same on every machine.
 */
export const trainingMetricNames = ['final_loss', 'mean_learning_rate', 'steps_per_second', 'nan_steps', 'first_nan_step'] as const;
export type TrainingMetricName = (typeof trainingMetricNames)[number];

/** Metrics that measure the machine rather than the model: never compared against a baseline. */
export const timingMetricNames: readonly TrainingMetricName[] = ['steps_per_second'];

/** The headline metrics, in the order tables and reports show them first. */
export const headlineMetricNames: readonly string[] = [
  'nn_accuracy',
  'precision_at_1',
  'map_at_r',
  'roc_auc',
  'silhouette',
  'inter_intra_ratio',
  'anisotropy',
  'final_loss',
];
