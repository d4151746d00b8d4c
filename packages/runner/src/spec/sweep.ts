import { createHash } from 'node:crypto';
import type { ParamValue } from '@siamese-lab/run-record';
import type { RunSpec } from './schema.ts';

/** One run of an experiment, fully resolved. */
export interface PlannedRun {
  index: number;
  spec: RunSpec;
  /** Every parameter as a dotted key, for the database and reports. */
  params: Record<string, ParamValue>;
  /** The swept values that make this run differ from `base`. */
  overrides: Record<string, unknown>;
  /** Hash of the resolved parameters: the run's identity for resume and skip. */
  configHash: string;
  label: string;
  /** The folder relative data paths (`data.directory`) resolve against: that of the experiment file that sets them. */
  dataFolder: string;
}

type SweepValues =
  unknown[] | { from: number; to: number; step: number } | { from: number; to: number; count: number; scale: 'linear' | 'log' };

export interface SweepSection {
  grid?: Record<string, SweepValues>;
  zip?: Record<string, SweepValues>;
  seeds?: number[] | number;
}

/** Twelve significant digits: enough for any hyper-parameter, and 0.1 + 0.2 prints as 0.3. */
const tidyNumber = (value: number): number => Number(value.toPrecision(12));

export function expandValues(values: SweepValues): unknown[] {
  if (Array.isArray(values)) return values;
  if ('step' in values) {
    const out: number[] = [];
    const count = Math.floor((values.to - values.from) / values.step + 1e-9) + 1;
    for (let i = 0; i < Math.min(count, 100_000); i++) out.push(tidyNumber(values.from + i * values.step));
    return out;
  }
  if (values.count === 1) return [values.from];
  return Array.from({ length: values.count }, (_, i) => {
    const t = i / (values.count - 1);
    return tidyNumber(
      values.scale === 'log'
        ? Math.exp(Math.log(values.from) + t * (Math.log(values.to) - Math.log(values.from)))
        : values.from + t * (values.to - values.from),
    );
  });
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    if (typeof node[segment] !== 'object' || node[segment] === null || Array.isArray(node[segment])) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** JSON with sorted keys, so that equal configurations hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function configHash(spec: RunSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
}

export function flattenParams(value: unknown, prefix = '', out: Record<string, ParamValue> = {}): Record<string, ParamValue> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flattenParams(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (Array.isArray(value)) {
    out[prefix] = JSON.stringify(value);
  } else if (value !== undefined) {
    out[prefix] = value as ParamValue;
  }
  return out;
}

export function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Expands `grid` (cartesian product), `zip` (lists that vary together) and `seeds` into
 * raw run configurations; `finish` turns a validated one into a PlannedRun.
 */
export function expandSweep(base: Record<string, unknown>, sweep: SweepSection) {
  const axes: Array<Array<Record<string, unknown>>> = [];
  for (const [key, values] of Object.entries(sweep.grid ?? {})) {
    axes.push(expandValues(values).map((value) => ({ [key]: value })));
  }
  const zipEntries = Object.entries(sweep.zip ?? {}).map(([key, values]) => [key, expandValues(values)] as const);
  if (zipEntries.length > 0) {
    const length = zipEntries[0][1].length;
    const mismatched = zipEntries.find(([, values]) => values.length !== length);
    if (mismatched) {
      throw new ZipLengthError(zipEntries[0][0], length, mismatched[0], mismatched[1].length);
    }
    axes.push(Array.from({ length }, (_, i) => Object.fromEntries(zipEntries.map(([key, values]) => [key, values[i]]))));
  }
  if (sweep.seeds !== undefined) {
    const seeds = Array.isArray(sweep.seeds) ? sweep.seeds : Array.from({ length: sweep.seeds }, (_, i) => i + 1);
    axes.push(seeds.map((seed) => ({ seed })));
  }
  let combinations: Array<Record<string, unknown>> = [{}];
  for (const axis of axes) combinations = combinations.flatMap((combination) => axis.map((entry) => ({ ...combination, ...entry })));

  const sweepKeys = [...Object.keys(sweep.grid ?? {}), ...zipEntries.map(([key]) => key), ...(sweep.seeds !== undefined ? ['seed'] : [])];
  const runs = combinations.map((overrides) => {
    const raw = structuredClone(base);
    for (const [key, value] of Object.entries(overrides)) setPath(raw, key.split('.'), value);
    return { raw, overrides };
  });
  return {
    runs,
    sweepKeys,
    finish(candidate: { overrides: Record<string, unknown> }, spec: RunSpec, index: number, dataFolder: string): PlannedRun {
      const label = Object.entries(candidate.overrides)
        .map(([key, value]) => `${key}=${formatValue(value)}`)
        .join(', ');
      return {
        index,
        spec,
        params: flattenParams(spec),
        overrides: candidate.overrides,
        configHash: configHash(spec),
        label: label || 'base',
        dataFolder,
      };
    },
  };
}

export class ZipLengthError extends Error {
  constructor(
    readonly firstKey: string,
    readonly firstLength: number,
    readonly otherKey: string,
    readonly otherLength: number,
  ) {
    super(`zip lists must have the same length: ${firstKey} has ${firstLength} values, ${otherKey} has ${otherLength}`);
  }
}
