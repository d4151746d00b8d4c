import { now, type StoreContext } from './context.ts';
import type { SearchEvent, SearchEventInput, StepValue } from './records.ts';

/**
 * A search's log (its decisions in the order they were made: each trial's suggested parameters,
 * each rung decision) and named values at a step of a run (a trial's rung history).
 */

interface SearchEventRow {
  id: number;
  trial: number;
  kind: 'suggest' | 'rung';
  rung: number;
  step: number | null;
  value: number | null;
  decision: string | null;
  data_json: string;
  created_at: string;
}

const finiteOrNull = (value: number | null | undefined): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : value;

/**
 * Appends an event to the experiment's search log. An event for the same trial, kind and rung is
 * recorded once: a second one (a trial redone after a crash) is ignored and the first returned.
 */
export function recordSearchEvent(context: StoreContext, experimentId: number, event: SearchEventInput): SearchEvent {
  return context.transaction(() => {
    context
      .statement<[number, number, string, number, number | null, number | null, string | null, string, string]>(
        `INSERT INTO search_events (experiment_id, trial, kind, rung, step, value, decision, data_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(experiment_id, kind, trial, rung) DO NOTHING`,
      )
      .run(
        experimentId,
        event.trial,
        event.kind,
        event.rung ?? -1,
        event.step ?? null,
        finiteOrNull(event.value),
        event.decision ?? null,
        JSON.stringify(event.data ?? {}),
        now(),
      );
    const row = context
      .statement<[number, string, number, number], SearchEventRow>(
        `SELECT * FROM search_events WHERE experiment_id = ? AND kind = ? AND trial = ? AND rung = ?`,
      )
      .get(experimentId, event.kind, event.trial, event.rung ?? -1);
    if (!row) throw new Error(`search event of trial ${event.trial} is missing right after its insert`);
    return toSearchEvent(row);
  }, 'immediate');
}

function toSearchEvent(row: SearchEventRow): SearchEvent {
  return {
    id: row.id,
    trial: row.trial,
    kind: row.kind,
    rung: row.rung < 0 ? null : row.rung,
    step: row.step,
    value: row.value,
    decision: row.decision,
    data: JSON.parse(row.data_json) as unknown,
    createdAt: row.created_at,
  };
}

/** The experiment's search log, in the order it was written. */
export function listSearchEvents(context: StoreContext, experimentId: number): SearchEvent[] {
  return context
    .statement<[number], SearchEventRow>(`SELECT * FROM search_events WHERE experiment_id = ? ORDER BY id`)
    .all(experimentId)
    .map(toSearchEvent);
}

/** Records named values at a step of a run (replacing those of the same names at that step). */
export function appendStepValues(context: StoreContext, runId: number, step: number, values: Record<string, number | null>): void {
  const insert = context.statement<[number, number, string, number | null]>(
    `INSERT OR REPLACE INTO step_values (run_id, step, name, value) VALUES (?, ?, ?, ?)`,
  );
  context.transaction(() => {
    for (const [name, value] of Object.entries(values)) insert.run(runId, step, name, finiteOrNull(value));
  });
}

/** A run's named step values, by step then name. */
export function getStepValues(context: StoreContext, runId: number): StepValue[] {
  return context
    .statement<[number], StepValue>(`SELECT step, name, value FROM step_values WHERE run_id = ? ORDER BY step, name`)
    .all(runId);
}
