/**
 * The `claims:` list of an experiment file: what the experiment is meant to show, checked by
 * `lab check` (see @siamese-lab/stats for how a claim is decided). Parsed here so that a wrong
 * parameter, value or operator is reported at its line before anything runs.
 */
import { LabError } from '@siamese-lab/core';
import {
  distinctValues,
  formatParameter,
  nanRunsMetric,
  parameterKey,
  type Claim,
  type ClaimExpectation,
  type ParameterValue,
} from '@siamese-lab/stats';
import type { ClaimEntry } from './claim-schema.ts';
import { didYouMean, locate, type PathSegment, type SourceDocument } from './locate.ts';
import type { PlannedRun } from './sweep.ts';

const orderPattern = /^\s*([^<>\s]+)\s*([<>])\s*([^<>\s]+)(?:\s+-\s+(\d+\.?\d*|\.\d+))?\s*$/;
const thresholdPattern = /^\s*([<>])\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*$/i;

/** The value of `by` that a side of "a > b" names: text equal to it, or a number equal to it (1e-6 names 0.000001). */
function matchValue(text: string, values: ParameterValue[]): ParameterValue | undefined {
  return values.find((value) => String(value) === text || (typeof value === 'number' && text.trim() !== '' && Number(text) === value));
}

/** Validates the claims against the planned runs and turns `expect` into a typed expectation. */
export function planClaims(entries: readonly ClaimEntry[], context: { sources: SourceDocument[]; runs: readonly PlannedRun[] }): Claim[] {
  const source = (path: PathSegment[]) => context.sources.find((candidate) => candidate.document.hasIn(path)) ?? context.sources[0];
  const at = (index: number, field?: string, key?: string) => {
    const path: PathSegment[] = ['claims', index, ...(field ? [field] : [])];
    return { location: locate(source(path), path, key), field: `claims[${index}]${field ? `.${field}${key ? `.${key}` : ''}` : ''}` };
  };
  const parameterNames = [...new Set(context.runs.flatMap((run) => Object.keys(run.params)))];
  const observations = context.runs.map((run) => ({ params: run.params }));
  return entries.map((entry, index): Claim => {
    const problem = (message: string, field: string | undefined, hint: string, key?: string) =>
      new LabError(message, { ...at(index, field, key), hint });
    const knownParameter = (name: string, field: string, key?: string) => {
      if (parameterNames.includes(name)) return;
      const suggestion = didYouMean(name, parameterNames);
      throw problem(
        `\`${name}\` is not a parameter of these runs`,
        field,
        suggestion ? `did you mean \`${suggestion}\`?` : 'use a dotted run parameter such as optimizer.name or loss.epsilon',
        key,
      );
    };
    let selected = observations;
    for (const [key, wanted] of Object.entries(entry.where ?? {})) {
      knownParameter(key, 'where', key);
      const values = distinctValues(selected, key);
      const match = values.find((value) => parameterKey(value) === parameterKey(wanted)) ?? matchValue(String(wanted), values);
      if (match === undefined) {
        throw problem(
          `no run has ${key} = ${formatParameter(wanted)}`,
          'where',
          `the runs have ${key} = ${values.map(formatParameter).join(', ')}`,
          key,
        );
      }
      selected = selected.filter((run) => parameterKey(run.params[key]) === parameterKey(match));
    }
    const where = entry.where ? Object.fromEntries(Object.keys(entry.where).map((key) => [key, selected[0].params[key]])) : undefined;
    let expectation: ClaimExpectation;
    if (entry.by !== undefined) {
      knownParameter(entry.by, 'by');
      const values = distinctValues(selected, entry.by);
      if (values.length < 2) {
        throw problem(
          `\`${entry.by}\` does not vary across the ${where ? 'selected ' : ''}runs (all have ${formatParameter(values[0])})`,
          'by',
          'a claim compares values of a swept parameter: list them in sweep.grid or sweep.zip',
        );
      }
      const order = orderPattern.exec(entry.expect);
      if (!order)
        throw problem(
          `\`${entry.expect}\` is not a comparison of two values of ${entry.by}`,
          'expect',
          `write e.g. "${formatParameter(values[0])} > ${formatParameter(values[1])}"`,
        );
      const [left, right] = [order[1], order[3]].map((text) => {
        const value = matchValue(text, values);
        if (value === undefined) {
          const suggestion = didYouMean(text, values.map(formatParameter));
          throw problem(
            `\`${text}\` is not a value of ${entry.by} in these runs`,
            'expect',
            `the values are ${values.map(formatParameter).join(', ')}${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`,
          );
        }
        return value;
      });
      if (parameterKey(left) === parameterKey(right))
        throw problem(
          'a claim compares two different values',
          'expect',
          `e.g. "${formatParameter(values[0])} > ${formatParameter(values[1])}"`,
        );
      const margin = order[4] === undefined ? 0 : Number(order[4]);
      if (margin > 0 && (order[2] !== '>' || entry.metric === nanRunsMetric)) {
        throw problem(
          entry.metric === nanRunsMetric
            ? `${nanRunsMetric} compares shares of runs: it takes no margin`
            : 'a margin is written on the right of ">": "a > b - 0.02"',
          'expect',
          `"${formatParameter(right)} > ${formatParameter(left)} - ${order[4]}" says ${formatParameter(right)} is at most ${order[4]} below ${formatParameter(left)}`,
        );
      }
      expectation =
        order[2] === '>'
          ? { kind: 'order', higher: left, lower: right, ...(margin > 0 && { margin }) }
          : { kind: 'order', higher: right, lower: left };
    } else {
      if (entry.metric === nanRunsMetric)
        throw problem(`${nanRunsMetric} compares groups of runs: give \`by\``, 'by', `e.g. by: loss.epsilon with expect: "0 > 1e-6"`);
      const threshold = thresholdPattern.exec(entry.expect);
      if (!threshold) {
        throw problem(
          `\`${entry.expect}\` is not a comparison with a number`,
          'expect',
          orderPattern.test(entry.expect)
            ? 'to compare values of a parameter, name it with `by`'
            : 'write e.g. "> 0.3" (the mean over the selected runs is above 0.3)',
        );
      }
      expectation = { kind: 'threshold', direction: threshold[1] === '>' ? 'above' : 'below', value: Number(threshold[2]) };
    }
    return {
      metric: entry.metric,
      ...(entry.by !== undefined && { by: entry.by }),
      expect: entry.expect.trim(),
      expectation,
      ...(where && { where }),
      ...(entry.pool !== undefined && { pool: entry.pool }),
      ...(entry.confidence !== undefined && { confidence: entry.confidence }),
      ...(entry.verdict !== undefined && { verdict: entry.verdict }),
      location: at(index).location,
    };
  });
}
