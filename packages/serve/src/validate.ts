/**
 * Every id and name that arrives in a URL is checked here before it reaches the store: ids are
 * positive decimal integers, experiment names follow the experiment-file rule. Anything else is a
 * 404, so no path segment can reach the file system or an SQL string.
 */

/** The experiment-name rule of experiment files (letters, digits, `.`, `_`, `-`; no leading dot). */
const experimentNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const idPattern = /^[1-9][0-9]{0,15}$/;
const indexPattern = /^(0|[1-9][0-9]{0,8})$/;

export function parseRunId(text: string | undefined): number | null {
  if (text === undefined || !idPattern.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/** A point index inside an embedding (0-based). */
export function parsePointIndex(text: string | undefined): number | null {
  return text !== undefined && indexPattern.test(text) ? Number(text) : null;
}

export function parseExperimentName(text: string | undefined): string | null {
  return text !== undefined && experimentNamePattern.test(text) ? text : null;
}

/** `1,2,3` → [1, 2, 3]; null when any entry is not a run id, or there are too many. */
export function parseRunIdList(text: string | undefined, max = 200): number[] | null {
  if (text === undefined || text === '') return [];
  const parts = text.split(',');
  if (parts.length > max) return null;
  const ids = parts.map(parseRunId);
  return ids.every((id): id is number => id !== null) ? [...new Set(ids)] : null;
}

/** A small positive integer from a query string, clamped to [1, max]; the fallback when absent or malformed. */
export function parseCount(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined || !/^[1-9][0-9]{0,3}$/.test(text)) return fallback;
  return Math.min(max, Number(text));
}
