/** Pure data shaping for the report: everything here is deterministic and unit-tested. */
import { createRandom } from '@siamese-lab/core';
import { headlineMetricNames } from '@siamese-lab/run-record';
import type { ClassShape, ParamValue, ReportInput, ReportRun } from './types.ts';

export const seedKey = 'seed';

export function formatParamValue(value: ParamValue | undefined): string {
  if (value === undefined) return '—';
  if (value === null) return 'null';
  return String(value);
}

/** Sort order for param values: numbers numerically, everything else as text. */
export function compareParamValues(a: ParamValue | undefined, b: ParamValue | undefined): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return formatParamValue(a).localeCompare(formatParamValue(b), 'en', { numeric: true });
}

/** FNV-1a, so a run's subsample depends on its id and not on the order of runs. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Indices (ascending) of at most `maxPoints` points, stratified by label: every class keeps its
 * share of the points (largest-remainder rounding), the points within a class are a seeded
 * random pick. All points are kept when there are not more than `maxPoints`.
 */
export function stratifiedSubsample(labels: ArrayLike<number>, maxPoints: number, seed: number): number[] {
  const total = labels.length;
  if (!Number.isInteger(maxPoints) || maxPoints < 0) throw new Error(`maxPoints must be a non-negative integer, got ${maxPoints}`);
  if (total <= maxPoints) return Array.from({ length: total }, (_, i) => i);
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < total; i++) {
    const members = byLabel.get(labels[i]);
    if (members) members.push(i);
    else byLabel.set(labels[i], [i]);
  }
  const classes = [...byLabel.keys()].sort((a, b) => a - b);
  const quotas = classes.map((label) => {
    const exact = (byLabel.get(label)!.length * maxPoints) / total;
    return { label, quota: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let left = maxPoints - quotas.reduce((sum, entry) => sum + entry.quota, 0);
  for (const entry of [...quotas].sort((a, b) => b.remainder - a.remainder || a.label - b.label)) {
    if (left <= 0) break;
    entry.quota++;
    left--;
  }
  const random = createRandom(seed);
  const chosen: number[] = [];
  for (const { label, quota } of quotas) {
    const members = byLabel.get(label)!;
    // Partial Fisher-Yates: only the first `quota` positions need shuffling.
    for (let i = 0; i < quota; i++) {
      const j = i + random.int(members.length - i);
      const picked = members[j];
      members[j] = members[i];
      members[i] = picked;
      chosen.push(picked);
    }
  }
  return chosen.sort((a, b) => a - b);
}

export interface PolygonPoint {
  x: number;
  y: number;
  order: number;
}

/**
 * The one-sigma ellipse of a class as a closed polygon (the first point is repeated at the end):
 * semi-axes majorStd and minorStd, the major axis at angleRadians from the x axis.
 */
export function ellipsePolygon(center: [number, number], ellipse: ClassShape['ellipse'], segments = 48): PolygonPoint[] {
  const cos = Math.cos(ellipse.angleRadians);
  const sin = Math.sin(ellipse.angleRadians);
  const polygon: PolygonPoint[] = [];
  for (let i = 0; i <= segments; i++) {
    const t = ((i % segments) / segments) * 2 * Math.PI;
    const along = ellipse.majorStd * Math.cos(t);
    const across = ellipse.minorStd * Math.sin(t);
    polygon.push({ x: center[0] + along * cos - across * sin, y: center[1] + along * sin + across * cos, order: i });
  }
  return polygon;
}

/** The swept params that become facets: every sweep key except the seed. */
export function facetKeys(input: ReportInput): string[] {
  return input.sweepKeys.filter((key) => key !== seedKey);
}

/** "key=value, key=value" for the given keys of a run ('all runs' when there are none). */
export function cellLabel(run: ReportRun, keys: string[]): string {
  if (keys.length === 0) return 'all runs';
  return keys.map((key) => `${key}=${formatParamValue(run.params[key])}`).join(', ');
}

/** A run has hit NaN when it stopped on NaN or recorded at least one NaN step. */
export function hitNan(run: ReportRun): boolean {
  return run.status === 'nan' || run.nanSteps > 0 || run.firstNanStep !== null;
}

/**
 * Whether a run counts for NaN incidence: finished runs, and unfinished runs that already hit
 * NaN (a running run without NaN yet may still hit one, so it is not counted either way).
 */
export function countsForNanIncidence(run: ReportRun): boolean {
  if (run.status === 'queued') return false;
  if (run.status === 'running') return hitNan(run);
  return true;
}

export const nanCellKeys = ['loss.epsilon', 'sampler.kind', 'optimizer.name'] as const;

export interface NanCell {
  /** Value per key of `nanCellKeys` that exists in the runs' params. */
  values: Record<string, string>;
  hit: number;
  total: number;
  share: number;
}

/** Share of runs that hit NaN per epsilon × sampler × optimizer cell, over whichever of those keys exist. */
export function nanIncidence(runs: ReportRun[]): { keys: string[]; cells: NanCell[] } {
  const counted = runs.filter(countsForNanIncidence);
  const keys = nanCellKeys.filter((key) => counted.some((run) => run.params[key] !== undefined));
  const cells = new Map<string, NanCell & { sortValues: Array<ParamValue | undefined> }>();
  for (const run of counted) {
    const values: Record<string, string> = {};
    for (const key of keys) values[key] = formatParamValue(run.params[key]);
    const id = JSON.stringify(keys.map((key) => values[key]));
    let cell = cells.get(id);
    if (!cell) {
      cell = { values, hit: 0, total: 0, share: 0, sortValues: keys.map((key) => run.params[key]) };
      cells.set(id, cell);
    }
    cell.total++;
    if (hitNan(run)) cell.hit++;
  }
  const sorted = [...cells.values()].sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const order = compareParamValues(a.sortValues[i], b.sortValues[i]);
      if (order !== 0) return order;
    }
    return 0;
  });
  return { keys, cells: sorted.map(({ values, hit, total }) => ({ values, hit, total, share: hit / total })) };
}

export type MetricDirection = 'higher' | 'lower' | 'none';

/**
 * Which way a metric is better. Accuracy-like scores are better higher, losses lower;
 * anisotropy describes cluster shape rather than quality, so no run is "best" at it.
 */
export function metricDirection(metric: string): MetricDirection {
  const name = metric.toLowerCase();
  if (name.includes('anisotropy')) return 'none';
  if (name.includes('loss') || name.includes('error')) return 'lower';
  if (/accuracy|precision|recall|map_at|auc|silhouette|inter_intra|f1/.test(name)) return 'higher';
  return 'none';
}

/** Metric names over all runs: the well-known ones first in a fixed order, then the rest alphabetically. */
export function metricNames(runs: ReportRun[]): string[] {
  const known = headlineMetricNames;
  const present = new Set(runs.flatMap((run) => Object.keys(run.metrics)));
  return [...known.filter((name) => present.has(name)), ...[...present].filter((name) => !known.includes(name)).sort()];
}

/**
 * The run ids holding the best value per metric (all of them on a tie). Only completed runs with
 * a finite value compete; metrics without a direction get no entry.
 */
export function bestRunsByMetric(runs: ReportRun[], metrics: string[]): Map<string, Set<string>> {
  const best = new Map<string, Set<string>>();
  for (const metric of metrics) {
    const direction = metricDirection(metric);
    if (direction === 'none') continue;
    let bestValue: number | undefined;
    let holders = new Set<string>();
    for (const run of runs) {
      const value = run.metrics[metric];
      if (run.status !== 'completed' || typeof value !== 'number' || !Number.isFinite(value)) continue;
      const better = bestValue === undefined || (direction === 'higher' ? value > bestValue : value < bestValue);
      if (better) {
        bestValue = value;
        holders = new Set([run.runId]);
      } else if (value === bestValue) holders.add(run.runId);
    }
    if (holders.size > 0) best.set(metric, holders);
  }
  return best;
}

export interface Spread {
  count: number;
  mean: number;
  stdev: number;
  min: number;
  max: number;
}

/** Mean, sample standard deviation (0 for a single value), min and max of the finite values; null if none. */
export function spread(values: Array<number | null | undefined>): Spread | null {
  const finite = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  if (finite.length === 0) return null;
  const mean = finite.reduce((sum, value) => sum + value, 0) / finite.length;
  const variance = finite.length > 1 ? finite.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (finite.length - 1) : 0;
  return { count: finite.length, mean, stdev: Math.sqrt(variance), min: Math.min(...finite), max: Math.max(...finite) };
}

/**
 * NaN points of a curve merged into [start, end] step ranges, consecutive NaN points (in curve
 * order, whatever the logging interval) forming one range: a run that stays NaN is one band,
 * not hundreds of marks.
 */
export function nanStepRanges(curve: Array<{ step: number; nan: boolean }>): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = [];
  let open: { start: number; end: number } | null = null;
  for (const point of [...curve].sort((a, b) => a.step - b.step)) {
    if (!point.nan) {
      open = null;
      continue;
    }
    if (open) open.end = point.step;
    else {
      open = { start: point.step, end: point.step };
      ranges.push(open);
    }
  }
  return ranges;
}

/** Evenly spaced indices (always keeping the first and last) so long curves stay light. */
export function evenlySpacedIndices(length: number, maxCount: number): number[] {
  if (length <= maxCount) return Array.from({ length }, (_, i) => i);
  if (maxCount < 2) return length > 0 ? [0] : [];
  const indices = new Set<number>();
  for (let i = 0; i < maxCount; i++) indices.add(Math.round((i * (length - 1)) / (maxCount - 1)));
  return [...indices].sort((a, b) => a - b);
}

/** Rounds to 4 significant digits to keep the embedded JSON small; non-finite becomes null. */
export function compactNumber(value: number | null | undefined): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return value === 0 ? 0 : Number(value.toPrecision(4));
}
