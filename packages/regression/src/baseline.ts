import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { numericsDifferences, parseNumerics, type Numerics } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import type { OptimizerAsBuilt, ParamValue } from '@siamese-lab/run-record';
import { checkSeedLevel, defaultSeedLevel, type SeedLevelSettings } from './seed-level-settings.ts';
import { defaultBands, untrackedMetrics, type BandClass, type BandTable, type Tolerance } from './tolerances.ts';

/** The version of the baseline file format written; format 1 (before numerics were recorded) is still read. */
export const baselineFormatVersion = 2;

/** One finished run as a baseline sees it, from the store or a fresh training. */
export interface ObservedRun {
  configHash: string;
  label: string;
  status: string;
  backend: string | null;
  stepsDone: number;
  params: Record<string, ParamValue>;
  metrics: Record<string, number | null>;
  /** The run's numerical environment (from its provenance); null for runs recorded before it was. */
  numerics: Numerics | null;
  /** The optimizer as tfjs built it (class and getConfig(), from its provenance); null when not recorded. */
  optimizer: OptimizerAsBuilt | null;
  /** The fingerprint of the run's data (a content hash of the files read, from its provenance); absent when not recorded. */
  data?: string | null;
}

/** One run of a baseline file (snake_case, as the file writes it). */
export interface BaselineRun {
  config_hash: string;
  label: string;
  status: string;
  backend: string | null;
  /** The name of the run's entry in the file's `numerics`; null when not recorded. */
  numerics: string | null;
  steps_done: number;
  /** The optimizer the run trained with, as tfjs built it; absent in files recorded before it was. */
  optimizer?: OptimizerAsBuilt;
  /** The fingerprint of the data the run read (SHA-256 of its files); absent in files recorded before it was. */
  data?: string;
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
  /** How the bands are read; informational, rewritten on every save. */
  note: string;
  /** The numerical environments the runs were recorded under, by name (usually one). */
  numerics: Record<string, Numerics>;
  /** Per class, per optimizer, per metric. Identical numerics need no bands: any difference fails. */
  bands: Record<BandClass, BandTable>;
  /** The check of each setting's mean over seeds. */
  seed_level: SeedLevelSettings;
  runs: BaselineRun[];
}

const toleranceNote =
  'Each run is checked in one of three classes. identical numerics (same backend, GEMM provider, version, kernel, threads and CPU as recorded ' +
  'in `numerics`): bit-identical results are expected and any difference fails. same_backend (the same backend with other numerics) and ' +
  'different_backend: a metric passes when |now - baseline| <= max(absolute, relative * |baseline|) with the `bands` of the class and the ' +
  "run's optimizer (an optimizer without its own bands gets adam's); a run that ended NaN both times is judged by its status alone there; event counts (nan_steps, first_nan_step, collapsed, non_finite) and " +
  'null metrics must match exactly, and mean_learning_rate (set by the schedule alone) to 1e-9 relative. ' +
  "In those two classes each setting's mean over seeds is also checked (see `seed_level`). The bands " +
  "are measured (packages/regression/measurements/README.md); edit them here, or per run in a run's `tolerances`, after review: " +
  '`lab baseline` keeps them when it re-records.';

/** A short, stable name for a numerics record: "blas-openblas-Haswell-2t" ("blas-onednn-avx2" once threads no longer change the bits). */
function numericsName(numerics: Numerics): string {
  const threads = numerics.gemm.partition === undefined ? (numerics.threads.openblas ?? numerics.threads.omp) : null;
  return [numerics.backend, numerics.gemm.provider, numerics.gemm.kernel, threads === null ? null : `${threads}t`]
    .filter((part) => part !== null)
    .join('-')
    .replace(/[^A-Za-z0-9_.-]+/g, '_');
}

/** Names every distinct numerics of the runs; two records that differ only in what the name leaves out get -2, -3... */
function nameNumerics(runs: readonly ObservedRun[]): {
  table: Record<string, Numerics>;
  nameOf: (numerics: Numerics | null) => string | null;
} {
  const table: Record<string, Numerics> = {};
  const nameOf = (numerics: Numerics | null): string | null => {
    if (!numerics) return null;
    const existing = Object.entries(table).find(([, known]) => numericsDifferences(known, numerics).length === 0);
    if (existing) return existing[0];
    const base = numericsName(numerics);
    let name = base;
    for (let suffix = 2; name in table; suffix++) name = `${base}-${suffix}`;
    table[name] = numerics;
    return name;
  };
  for (const run of runs) nameOf(run.numerics);
  return { table, nameOf };
}

/**
 * Builds a baseline from finished runs: the swept parameters (and seed) of each, its numerics,
 * every metric but the untracked ones, and the bands: those of `previous` (a reviewed file being
 * re-recorded, format 2) win over the measured defaults, and so do its per-run overrides.
 */
export function createBaseline(input: {
  experiment: string;
  sweepKeys: readonly string[];
  runs: readonly ObservedRun[];
  previous?: Baseline;
}): Baseline {
  const { experiment, sweepKeys, runs, previous } = input;
  // The optimizer always: it chooses the bands. The seed: it tells the runs of a setting apart.
  const parameterKeys = [...new Set([...sweepKeys, 'optimizer.name', 'seed'])];
  const { table, nameOf } = nameNumerics(runs);
  const baselineRuns: BaselineRun[] = runs.map((run) => {
    const kept = previous?.runs.find((old) => old.config_hash === run.configHash)?.tolerances;
    return {
      config_hash: run.configHash,
      label: run.label,
      status: run.status,
      backend: run.backend,
      numerics: nameOf(run.numerics),
      steps_done: run.stepsDone,
      ...(run.optimizer ? { optimizer: run.optimizer } : {}),
      ...(run.data ? { data: run.data } : {}),
      parameters: Object.fromEntries(parameterKeys.filter((key) => key in run.params).map((key) => [key, run.params[key]])),
      metrics: Object.fromEntries(Object.entries(run.metrics).filter(([name]) => !untrackedMetrics.includes(name))),
      ...(kept ? { tolerances: kept } : {}),
    };
  });
  return {
    format: baselineFormatVersion,
    experiment,
    note: toleranceNote,
    numerics: table,
    bands: structuredClone(previous?.bands ?? defaultBands),
    seed_level: { ...(previous?.seed_level ?? defaultSeedLevel) },
    runs: baselineRuns,
  };
}

/** The numerics a baseline run was recorded under, or undefined when the file does not say. */
export function baselineRunNumerics(baseline: Baseline, run: BaselineRun): Numerics | undefined {
  return run.numerics === null ? undefined : baseline.numerics[run.numerics];
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
 * The file text: the top level in a fixed, readable order (format, experiment, note, numerics,
 * bands, seed_level, runs), runs in the experiment's order, every other object with sorted keys; two-space indent and
 * a final newline. The same baseline always gives the same bytes.
 */
export function serializeBaseline(baseline: Baseline): string {
  const ordered = {
    format: baseline.format,
    experiment: baseline.experiment,
    note: baseline.note,
    numerics: sortKeys(baseline.numerics),
    bands: { same_backend: sortKeys(baseline.bands.same_backend), different_backend: sortKeys(baseline.bands.different_backend) },
    seed_level: sortKeys(baseline.seed_level),
    runs: baseline.runs.map((run) => {
      const sorted = sortKeys(run) as Record<string, unknown>;
      // Identity first, then what is measured: easier to review than alphabetical.
      const { config_hash, label, status, backend, numerics, steps_done, optimizer, data, parameters, metrics, tolerances } = sorted;
      return { config_hash, label, status, backend, numerics, steps_done, optimizer, data, parameters, metrics, tolerances };
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
    new LabError(`${what}`, {
      location: path,
      field,
      hint: 'a tolerance is an object such as { "absolute": 0.01 } or { "relative": 0.02 } (numbers >= 0)',
    });
  if (!isRecord(value)) throw problem('a tolerance must be an object');
  for (const key of Object.keys(value)) {
    if (key !== 'absolute' && key !== 'relative') throw problem(`unknown tolerance key \`${key}\` (use absolute or relative)`);
    const number = value[key];
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) throw problem(`tolerance ${key} must be a number >= 0`);
  }
  return value;
}

function checkToleranceTable(value: unknown, path: string, field: string): Record<string, Tolerance> {
  if (!isRecord(value))
    throw new LabError('must be an object of metric name to tolerance', {
      location: path,
      field,
      hint: 'fix the file, or re-record it with lab baseline',
    });
  return Object.fromEntries(Object.entries(value).map(([name, tolerance]) => [name, checkTolerance(tolerance, path, `${field}.${name}`)]));
}

function checkBands(value: unknown, path: string): Record<BandClass, BandTable> {
  const fail = (message: string, field: string) =>
    new LabError(message, {
      location: path,
      field,
      hint: 'bands is { "same_backend": { OPTIMIZER: { METRIC: tolerance } }, "different_backend": { ... } }',
    });
  if (!isRecord(value)) throw fail('bands must be an object', 'bands');
  const bands = {} as Record<BandClass, BandTable>;
  for (const bandClass of ['same_backend', 'different_backend'] as const) {
    const table = value[bandClass];
    if (!isRecord(table)) throw fail(`bands.${bandClass} must be an object of optimizer name to metric tolerances`, `bands.${bandClass}`);
    bands[bandClass] = Object.fromEntries(
      Object.entries(table).map(([optimizer, metrics]) => [
        optimizer,
        checkToleranceTable(metrics, path, `bands.${bandClass}.${optimizer}`),
      ]),
    );
  }
  return bands;
}

/**
 * Reads and validates a baseline file; every problem is a LabError naming the file and the field.
 * A format 1 file (no numerics, one pair of tolerance tables) is read with the default bands and
 * unknown numerics, so its runs are never taken to have identical numerics.
 */
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
    throw new LabError(`the baseline is not valid JSON: ${(error as Error).message}`, {
      location: path,
      hint: 'fix the file, or re-record it with lab baseline',
    });
  }
  const fail = (message: string, field?: string) =>
    new LabError(message, { location: path, field, hint: 'fix the file, or re-record it with lab baseline' });
  if (!isRecord(raw)) throw fail('a baseline must be a JSON object');
  if (raw.format !== baselineFormatVersion && raw.format !== 1) {
    throw fail(
      `unsupported baseline format ${JSON.stringify(raw.format)} (this Siamese Lab reads formats 1 and ${baselineFormatVersion})`,
      'format',
    );
  }
  const legacy = raw.format === 1;
  if (typeof raw.experiment !== 'string' || raw.experiment === '') throw fail('experiment must be the experiment name', 'experiment');
  const numerics: Record<string, Numerics> = {};
  if (!legacy) {
    if (!isRecord(raw.numerics)) throw fail('numerics must be an object of name to numerics record', 'numerics');
    for (const [name, value] of Object.entries(raw.numerics)) {
      const parsed = parseNumerics(value);
      if (!parsed) throw fail('not a numerics record (backend, gemm, threads, cpu, env)', `numerics.${name}`);
      numerics[name] = parsed;
    }
  }
  const bands = legacy ? structuredClone(defaultBands) : checkBands(raw.bands, path);
  const seedLevel = legacy ? { ...defaultSeedLevel } : checkSeedLevel(raw.seed_level, path);
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
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value)))
        throw fail('a metric must be a finite number or null', `${field}.metrics.${name}`);
    }
    const numericsName = legacy || run.numerics === undefined || run.numerics === null ? null : run.numerics;
    if (numericsName !== null && (typeof numericsName !== 'string' || !(numericsName in numerics))) {
      throw fail(`numerics ${JSON.stringify(numericsName)} is not a name in the file's numerics`, `${field}.numerics`);
    }
    if (run.tolerances !== undefined && !isRecord(run.tolerances)) throw fail('tolerances must be an object', `${field}.tolerances`);
    const optimizer = run.optimizer === undefined ? undefined : parseOptimizerAsBuilt(run.optimizer);
    if (run.optimizer !== undefined && !optimizer)
      throw fail('optimizer must be an object of numbers, strings and booleans', `${field}.optimizer`);
    if (run.data !== undefined && (typeof run.data !== 'string' || !/^[0-9a-f]{64}$/.test(run.data)))
      throw fail("data must be the SHA-256 fingerprint of the run's data (64 hex digits)", `${field}.data`);
    return {
      config_hash: run.config_hash,
      label: typeof run.label === 'string' ? run.label : run.config_hash,
      status: run.status,
      backend: typeof run.backend === 'string' ? run.backend : null,
      numerics: numericsName,
      steps_done: typeof run.steps_done === 'number' ? run.steps_done : 0,
      ...(optimizer ? { optimizer } : {}),
      ...(typeof run.data === 'string' ? { data: run.data } : {}),
      parameters: isRecord(run.parameters) ? (run.parameters as Record<string, ParamValue>) : {},
      metrics: run.metrics as Record<string, number | null>,
      ...(run.tolerances ? { tolerances: checkToleranceTable(run.tolerances, path, `${field}.tolerances`) } : {}),
    };
  });
  return { format: baselineFormatVersion, experiment: raw.experiment, note: toleranceNote, numerics, bands, seed_level: seedLevel, runs };
}

/** An optimizer record from a file or a run's provenance; undefined unless it is a flat object of numbers, strings and booleans. */
export function parseOptimizerAsBuilt(value: unknown): OptimizerAsBuilt | undefined {
  if (!isRecord(value)) return undefined;
  const entries = Object.entries(value);
  const plain = entries.every(([, item]) => typeof item === 'number' || typeof item === 'string' || typeof item === 'boolean');
  return plain && entries.length > 0 ? (value as OptimizerAsBuilt) : undefined;
}

/** Where an experiment's baseline lives: `baselines/<name>.json` beside its experiment file. */
export function defaultBaselinePath(experimentName: string, experimentFile?: string): string {
  return join(experimentFile ? dirname(experimentFile) : 'experiments', 'baselines', `${experimentName}.json`);
}
