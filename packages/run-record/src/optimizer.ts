/**
 * The optimizer a run trained with, as tfjs built it: its class and `getConfig()` (learning rate,
 * betas, epsilon, momentum, ...). The runner records it in each run's provenance; baselines keep it
 * and compare it exactly.
 */
export type OptimizerAsBuilt = Record<string, string | number | boolean>;
