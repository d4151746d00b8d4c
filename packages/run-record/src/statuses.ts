/** Every state a run can be in; the store's SQL CHECK constraint is generated from this list. */
export const runStatuses = ['queued', 'running', 'completed', 'nan', 'failed', 'interrupted', 'pruned'] as const;
export type RunStatus = (typeof runStatuses)[number];

/**
 * A run in one of these states holds a result and is not run again unless forced. `pruned`: a
 * search's trial stopped early at a rung by its early-stopping rule (its result is its rung history).
 */
export const finishedStatuses: readonly RunStatus[] = ['completed', 'nan', 'pruned'];

export function isRunStatus(value: string): value is RunStatus {
  return (runStatuses as readonly string[]).includes(value);
}

export function isFinishedStatus(status: string): boolean {
  return (finishedStatuses as readonly string[]).includes(status);
}
