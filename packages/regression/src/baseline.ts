import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LabError } from '@siamese-lab/core';
import type { ParamValue } from '@siamese-lab/run-record';
import { defaultToleranceFor, untrackedMetrics, type Tolerance } from './tolerances.ts';

/** The version of the baseline file format; a file with another version is refused. */
export const baselineFormatVersion = 1;

/** One finished run as a baseline sees it, from the store or a fresh training. */
export interface ObservedRun {
  configHash: string;
  label: string;
  status: string;
  backend: string | null;
  stepsDone: number;
  params: Record<string, ParamValue>;
  metrics: Record<string, number | null>;
}

/** One run of a baseline file (snake_case, as the file writes it). */
export interface BaselineRun {
  config_hash: string;
  label: string;
  status: string;
  backend: string | null;
  steps_done: number;
  /** The swept parameters and the seed: what tells the runs apart, for a reviewer. */
  parameters: Record<string, ParamValue>;
  metrics: Record<string, number | null>;
  /** Per-metric overrides of the file's `tolerances` for this run only. */
  tolerances?: Record<string, Tolerance>;
}

/** A reviewed, committed record of what an experiment's runs measured. */
export interface Baseline {
  format: number;
  experiment: string;
  /** How the tolerance bands are read; informational, rewritten on every save. */
  note: string;
  /** Bands for a run checked on the backend it was recorded on (runs repeat exactly there). */
  tolerances: Record<string, Tolerance>;
  /** Wider bands for a run checked on another backend: float differences grow during training. */
  cross_backend_tolerances: Record<string, Tolerance>;
  runs: BaselineRun[];
}

const toleranceNote =
  'A metric passes when |now - baseline| <= max(absolute, relative * |baseline|); a null metric must stay null. ' +
  '`tolerances` apply on the run\'s own backend, `cross_backend_tolerances` on another one. ' +
  'Edit them here (or per run, in a run\'s `tolerances`) after review; `lab baseline` keeps them when it re-records.';

/**
 * Builds a baseline from finished runs: the swept parameters (and seed) of each, every metric but
 * the untracked ones, and one tolerance per metric: `previous` tolerances (a reviewed file being
 * re-recorded) win over the measured defaults.
 */
export function createBaseline(input: {
  experiment: string;
  sweepKeys: readonly string[];
  runs: readonly ObservedRun[];
  previous?: Baseline;
}): Baseline {
  const { experiment, sweepKeys, runs, previous } = input;
  const parameterKeys = [...new Set([...sweepKeys, 'seed'])];
  const baselineRuns: BaselineRun[] = runs.map((run) => {
    const kept = previous?.runs.find((old) => old.config_hash === run.configHash)?.tolerances;
    return {
      config_hash: run.configHash,
      label: run.label,
      status: run.status,
      backend: run.backend,
      steps_done: run.stepsDone,
      parameters: Object.fromEntries(parameterKeys.filter((key) => key in run.params).map((key) => [key, run.params[key]])),
      metrics: Object.fromEntries(Object.entries(run.metrics).filter(([name]) => !untrackedMetrics.includes(name))),
      ...(kept ? { tolerances: kept } : {}),
    };
  });
  const metricNames = [...new Set(baselineRuns.flatMap((run) => Object.keys(run.metrics)))];
  const tolerances = Object.fromEntries(metricNames.map((name) => [name, previous?.tolerances[name] ?? defaultToleranceFor(name)]));
  const crossBackend = Object.fromEntries(metricNames.map((name) => [name, previous?.cross_backend_tolerances[name] ?? defaultToleranceFor(name, true)]));
  return { format: baselineFormatVersion, experiment, note: toleranceNote, tolerances, cross_backend_tolerances: crossBackend, runs: baselineRuns };
}

/** Objects with sorted keys, so a re-recorded baseline diffs line by line. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * The file text: the top level in a fixed, readable order (format, experiment, note, tolerances,
 * runs), runs in the experiment's order, every other object with sorted keys; two-space indent and
 * a final newline. The same baseline always gives the same bytes.
 */
export function serializeBaseline(baseline: Baseline): string {
  const ordered = {
    format: baseline.format,
    experiment: baseline.experiment,
    note: baseline.note,
    tolerances: sortKeys(baseline.tolerances),
    cross_backend_tolerances: sortKeys(baseline.cross_backend_tolerances),
    runs: baseline.runs.map((run) => {
      const sorted = sortKeys(run) as Record<string, unknown>;
      // Identity first, then what is measured: easier to review than alphabetical.
      const { config_hash, label, status, backend, steps_done, parameters, metrics, tolerances } = sorted;
      return { config_hash, label, status, backend, steps_done, parameters, metrics, tolerances };
    }),
  };
  // One line per tolerance ({ "relative": 0.05 }) keeps the tables short enough to review.
  const text = JSON.stringify(ordered, null, 2).replace(
    /\{\n\s*("(?:absolute|relative)": [^,\n]+)(?:,\n\s*("(?:absolute|relative)": [^,\n]+))?\n\s*\}/g,
    (_, first: string, second?: string) => `{ ${second ? `${first}, ${second}` : first} }`,
  );
  return `${text}\n`;
}

/** Writes the file atomically: a temporary file beside it, then a rename, so a reader never sees half a baseline. */
export function writeBaseline(path: string, baseline: Baseline): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, serializeBaseline(baseline));
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new LabError(`cannot write the baseline ${path}: ${(error as Error).message}`, {
      location: path,
      hint: 'check that the folder is writable, or choose another path with --baseline',
    });
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkTolerance(value: unknown, path: string, field: string): Tolerance {
  const problem = (what: string) =>
    new LabError(`${what}`, { location: path, field, hint: 'a tolerance is an object such as { "absolute": 0.01 } or { "relative": 0.02 } (numbers >= 0)' });
  if (!isRecord(value)) throw problem('a tolerance must be an object');
  for (const key of Object.keys(value)) {
    if (key !== 'absolute' && key !== 'relative') throw problem(`unknown tolerance key \`${key}\` (use absolute or relative)`);
    const number = value[key];
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) throw problem(`tolerance ${key} must be a number >= 0`);
  }
  return value;
}

/** Reads and validates a baseline file; every problem is a LabError naming the file and the field. */
export function readBaseline(path: string): Baseline {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new LabError(`no baseline file at ${path}`, {
      location: path,
      hint: 'record one from a finished experiment with: pnpm lab baseline EXPERIMENT (or pass --baseline PATH)',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LabError(`the baseline is not valid JSON: ${(error as Error).message}`, { location: path, hint: 'fix the file, or re-record it with lab baseline' });
  }
  const fail = (message: string, field?: string) => new LabError(message, { location: path, field, hint: 'fix the file, or re-record it with lab baseline' });
  if (!isRecord(raw)) throw fail('a baseline must be a JSON object');
  if (raw.format !== baselineFormatVersion) throw fail(`unsupported baseline format ${JSON.stringify(raw.format)} (this Siamese Lab reads format ${baselineFormatVersion})`, 'format');
  if (typeof raw.experiment !== 'string' || raw.experiment === '') throw fail('experiment must be the experiment name', 'experiment');
  if (!isRecord(raw.tolerances)) throw fail('tolerances must be an object of metric name to tolerance', 'tolerances');
  const tolerances = Object.fromEntries(Object.entries(raw.tolerances).map(([name, value]) => [name, checkTolerance(value, path, `tolerances.${name}`)]));
  if (!isRecord(raw.cross_backend_tolerances)) throw fail('cross_backend_tolerances must be an object of metric name to tolerance', 'cross_backend_tolerances');
  const crossBackend = Object.fromEntries(
    Object.entries(raw.cross_backend_tolerances).map(([name, value]) => [name, checkTolerance(value, path, `cross_backend_tolerances.${name}`)]),
  );
  if (!Array.isArray(raw.runs)) throw fail('runs must be a list', 'runs');
  const seen = new Set<string>();
  const runs = raw.runs.map((run: unknown, index): BaselineRun => {
    const field = `runs[${index}]`;
    if (!isRecord(run)) throw fail('a run must be an object', field);
    if (typeof run.config_hash !== 'string' || run.config_hash === '') throw fail('config_hash must be a string', `${field}.config_hash`);
    if (seen.has(run.config_hash)) throw fail(`config_hash ${run.config_hash} appears twice`, `${field}.config_hash`);
    seen.add(run.config_hash);
    if (typeof run.status !== 'string') throw fail('status must be a string', `${field}.status`);
    if (!isRecord(run.metrics)) throw fail('metrics must be an object', `${field}.metrics`);
    for (const [name, value] of Object.entries(run.metrics)) {
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw fail('a metric must be a finite number or null', `${field}.metrics.${name}`);
    }
    const runTolerances = run.tolerances === undefined ? undefined : isRecord(run.tolerances) ? run.tolerances : undefined;
    if (run.tolerances !== undefined && !runTolerances) throw fail('tolerances must be an object', `${field}.tolerances`);
    return {
      config_hash: run.config_hash,
      label: typeof run.label === 'string' ? run.label : run.config_hash,
      status: run.status,
      backend: typeof run.backend === 'string' ? run.backend : null,
      steps_done: typeof run.steps_done === 'number' ? run.steps_done : 0,
      parameters: isRecord(run.parameters) ? (run.parameters as Record<string, ParamValue>) : {},
      metrics: run.metrics as Record<string, number | null>,
      ...(runTolerances
        ? { tolerances: Object.fromEntries(Object.entries(runTolerances).map(([name, value]) => [name, checkTolerance(value, path, `${field}.tolerances.${name}`)])) }
        : {}),
    };
  });
  return { format: baselineFormatVersion, experiment: raw.experiment, note: typeof raw.note === 'string' ? raw.note : toleranceNote, tolerances, cross_backend_tolerances: crossBackend, runs };
}

/** Where an experiment's baseline lives: `baselines/<name>.json` beside its experiment file. */
export function defaultBaselinePath(experimentName: string, experimentFile?: string): string {
  return join(experimentFile ? dirname(experimentFile) : 'experiments', 'baselines', `${experimentName}.json`);
}
