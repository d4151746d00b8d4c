import type { ParamValue } from '@siamese-lab/run-record';
import { now, type StoreContext } from './context.ts';
import { mayClaim } from './leases.ts';
import { getRunByConfigHash } from './reads.ts';
import type { PlannedRun, RunClaim, RunOutcome, RunRecord, RunTrainedElsewhere } from './records.ts';
import type { LeaseRow, RunRow } from './rows.ts';
import { paramsAsRun } from './run-params.ts';
import { appendStepMetrics, clearRunResults, writeRunResults } from './writes.ts';

/**
 * A run's life: planned (queued), claimed under a lease (running) and renewed as it trains,
 * then finished (completed, nan, failed) or interrupted.
 */

/** Adds a queued run for this configuration unless one exists; returns the stored run either way. */
export function planRun(context: StoreContext, experimentId: number, input: PlannedRun): RunRecord {
  context
    .statement<[number, number, string, string, string, string]>(
      `INSERT INTO runs (experiment_id, run_index, config_hash, label, status, params_json, created_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?)
         ON CONFLICT(experiment_id, config_hash) DO UPDATE SET run_index = excluded.run_index, label = excluded.label`,
    )
    .run(experimentId, input.runIndex, input.configHash, input.label, JSON.stringify(input.params), now());
  const run = getRunByConfigHash(context, experimentId, input.configHash);
  if (!run) throw new Error(`run ${input.configHash} of experiment ${experimentId} is missing right after its insert`);
  return run;
}

/**
 * Takes the lease on a run so that no other process trains it at the same time (see `mayClaim`).
 * The check and the take are one IMMEDIATE transaction, so two claimers cannot both win.
 */
export function claimRun(context: StoreContext, runId: number, claim: RunClaim): boolean {
  return context.transaction(() => {
    const run = context.statement<[number], LeaseRow>(`SELECT status, lease_owner, lease_expires_at FROM runs WHERE id = ?`).get(runId);
    if (!run || !mayClaim(run, context.owner, claim.force ?? false)) return false;
    clearRunResults(context, runId);
    context
      .statement<[string, number, string, string, string, number]>(
        `UPDATE runs SET status = 'running', lease_owner = ?, lease_expires_at = ?, started_at = ?, finished_at = NULL,
             wall_seconds = NULL, steps_done = 0, nan_steps = 0, first_nan_step = NULL, nan_detail_json = NULL, error = NULL,
             backend = ?, provenance_json = ? WHERE id = ?`,
      )
      .run(context.owner, Date.now() + claim.leaseSeconds * 1000, now(), claim.backend, JSON.stringify(claim.provenance), runId);
    return true;
  }, 'immediate');
}

/** Extends this process's lease on the run and records its progress; a lease held by another is left alone. */
export function renewLease(context: StoreContext, runId: number, leaseSeconds: number, stepsDone: number): void {
  context
    .statement<[number, number, number, string]>(`UPDATE runs SET lease_expires_at = ?, steps_done = ? WHERE id = ? AND lease_owner = ?`)
    .run(Date.now() + leaseSeconds * 1000, stepsDone, runId, context.owner);
}

/** Records a run's result, metrics, embedding and checkpoint in one transaction, and releases its lease. */
export function finishRun(context: StoreContext, runId: number, outcome: RunOutcome, params: Record<string, ParamValue>): void {
  context.transaction(() => {
    context
      .statement<[string, string, number, number, number, number | null, string | null, string | null, number]>(
        `UPDATE runs SET status = ?, finished_at = ?, wall_seconds = ?, steps_done = ?, nan_steps = ?, first_nan_step = ?,
             nan_detail_json = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`,
      )
      .run(
        outcome.status,
        now(),
        outcome.wallSeconds,
        outcome.stepsDone,
        outcome.nanSteps,
        outcome.firstNanStep,
        outcome.nanDetail === undefined || outcome.nanDetail === null ? null : JSON.stringify(outcome.nanDetail),
        outcome.error ?? null,
        runId,
      );
    // run_params holds the parameters the run ran with, as reads return them (paramsAsRun).
    const recorded = context.statement<[number], Pick<RunRow, 'backend'>>(`SELECT backend FROM runs WHERE id = ?`).get(runId);
    writeRunResults(context, runId, outcome, paramsAsRun(params, recorded?.backend ?? null));
  });
}

/**
 * Records a run trained elsewhere (a queue worker) in one transaction: where and on what it
 * ran, its step metrics, then its result as `finishRun` does. Only the lease holder may.
 */
export function recordTrainedElsewhere(
  context: StoreContext,
  runId: number,
  run: RunTrainedElsewhere,
  params: Record<string, ParamValue>,
): boolean {
  return context.transaction(() => {
    const updated = context
      .statement<[string, string, string, number, string]>(
        `UPDATE runs SET backend = ?, provenance_json = ?, started_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`,
      )
      .run(run.backend, JSON.stringify(run.provenance), run.startedAt, runId, context.owner);
    if (updated.changes === 0) return false;
    clearRunResults(context, runId);
    appendStepMetrics(context, runId, run.stepMetrics);
    finishRun(context, runId, run.outcome, params);
    return true;
  });
}

/** Marks a run stopped by the user; its partial step metrics stay for inspection until it is redone. */
export function markInterrupted(context: StoreContext, runId: number, stepsDone: number): void {
  context
    .statement<[number, string, number]>(
      `UPDATE runs SET status = 'interrupted', steps_done = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`,
    )
    .run(stepsDone, now(), runId);
}
