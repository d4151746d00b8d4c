/** Reading runs' params for chart axes and groups, in display order. */
import { cellLabel, compareParamValues, formatParamValue, seedKey } from '../shaping.ts';
import type { ParamValue, ReportInput, ReportRun } from '../types.ts';

export function className(input: ReportInput, label: number): string {
  return input.classNames[label] ?? String(label);
}

export function seedOf(run: ReportRun): ParamValue | undefined {
  return run.params[seedKey];
}

/** Distinct values of a param over runs, in display order. */
export function sortedValues(runs: ReportRun[], key: string): string[] {
  const byText = new Map<string, ParamValue | undefined>();
  for (const run of runs) byText.set(formatParamValue(run.params[key]), run.params[key]);
  return [...byText.entries()].sort((a, b) => compareParamValues(a[1], b[1])).map(([text]) => text);
}

/** The runs sorted by the values of the given params, the first param first (a stable sort). */
export function sortedByParams(runs: ReportRun[], keys: string[]): ReportRun[] {
  return [...runs].sort((a, b) => {
    for (const key of keys) {
      const compared = compareParamValues(a.params[key], b.params[key]);
      if (compared !== 0) return compared;
    }
    return 0;
  });
}

/** The distinct "key=value, ..." labels of the runs for the given keys, in display order. */
export function orderedGroups(runs: ReportRun[], keys: string[]): string[] {
  return [...new Set(sortedByParams(runs, keys).map((run) => cellLabel(run, keys)))];
}
