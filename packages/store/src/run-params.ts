import type { ParamValue } from '@siamese-lab/run-record';

/**
 * What a run's `backend` holds while it waits on the queue for a worker (the coordinator claims
 * it with this): no backend has computed anything for it yet.
 */
export const QUEUE_PLACEHOLDER_BACKEND = 'queue';

/**
 * A run's parameters as it ran: the backend recorded when it was claimed replaces the one it
 * was planned with. `--backend` overrides an experiment file's `backend` without changing the
 * config hash, and `auto` becomes a concrete backend, so the planned value may never have
 * applied. A run no backend has taken up yet (queued, or waiting on the queue) keeps its plan.
 */
export function paramsAsRun(params: Record<string, ParamValue>, backend: string | null): Record<string, ParamValue> {
  if (backend === null || backend === QUEUE_PLACEHOLDER_BACKEND || !('backend' in params)) return params;
  return { ...params, backend };
}
