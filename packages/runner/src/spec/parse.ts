import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { LabError } from '@siamese-lab/core';
import { didYouMean, isKnownPath, knownKeysAt, locate, type PathSegment, type SourceDocument } from './locate.ts';
import { experimentFileSchema, runSpecSchema, type ExperimentFile, type RunSpec } from './schema.ts';
import { expandSweep, ZipLengthError, type PlannedRun } from './sweep.ts';
import { planClaims } from './claims.ts';
import { planTuning, type Tuning } from './tuning.ts';
import { planSearch, type SearchPlan } from './search.ts';
import type { Claim } from '@siamese-lab/stats';

/** An experiment file parsed once into a validated, fully resolved plan of runs. */
export interface ExperimentSpec {
  name: string;
  description: string;
  filePath: string;
  /** `base` with every default filled in. */
  base: RunSpec;
  /** The dotted parameters that vary across runs, in sweep order ('seed' last). */
  sweepKeys: string[];
  runs: PlannedRun[];
  maxRuns: number;
  /** The file's `claims`, validated against the runs (empty when it has none). */
  claims: Claim[];
  /** The file's `tuning`: which settings claims and the tuned ranking keep (undefined: all runs). */
  tuning?: Tuning;
  /** The file's `search`: its trials are the runs, suggested as it goes (`runs` is then empty). */
  search?: SearchPlan;
}

const defaultMaxRuns = 200;
const maxFileBytes = 1 << 20;

function loadSource(path: string): { source: SourceDocument; raw: unknown } {
  const fullPath = resolve(path);
  if (!existsSync(fullPath)) {
    throw new LabError(`experiment file not found: ${path}`, {
      location: path,
      hint: 'check the path; the examples are in experiments/ (e.g. experiments/quickstart.yaml)',
    });
  }
  const stats = statSync(fullPath);
  if (!stats.isFile()) throw new LabError(`${path} is not a file`, { location: path, hint: 'give the path of a .yaml experiment file' });
  if (stats.size > maxFileBytes) {
    throw new LabError(`experiment file is ${stats.size} bytes, more than the ${maxFileBytes} allowed`, {
      location: path,
      hint: 'an experiment file describes a sweep in a few lines; check that this is the right file',
    });
  }
  const bytes = readFileSync(fullPath);
  if (bytes.includes(0)) {
    throw new LabError('the file is not text (it holds NUL bytes)', {
      location: path,
      hint: 'give the path of a .yaml experiment file, e.g. experiments/quickstart.yaml',
    });
  }
  const text = bytes.toString('utf8');
  const lines = new LineCounter();
  // A small alias budget rejects "billion laughs" files instead of expanding them.
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const source: SourceDocument = { path, document, lines };
  const firstError = document.errors[0];
  if (firstError) {
    const position = firstError.linePos?.[0];
    // The location already says where; the parser's own "at line L, column C:" would repeat it.
    const reason = firstError.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    const tooDeep = /call stack/i.test(reason);
    throw new LabError(tooDeep ? 'the file nests lists or mappings too deeply to read' : `the file is not valid YAML: ${reason}`, {
      location: position ? `${path}:${position.line}:${position.col}` : path,
      hint: 'check the indentation and punctuation at that line',
    });
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new LabError(`the file could not be read as data: ${(error as Error).message}`, {
      location: path,
      hint: 'YAML aliases (*name) may be used a few times, not to build huge documents',
    });
  }
  if (raw === null || raw === undefined) {
    throw new LabError('the experiment file is empty', { location: path, hint: 'start from experiments/quickstart.yaml' });
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LabError('an experiment file must be a mapping with name, base and sweep', {
      location: locate(source, []),
      hint: 'start from experiments/quickstart.yaml: `name: ...` on the first line, then `base:` and optionally `sweep:`',
    });
  }
  return { source, raw };
}

/**
 * The issue of the union branch the value came closest to matching (the deepest path, then the
 * fewest issues), with its full path: "to must be a finite number" rather than "Invalid input".
 */
function closestBranchIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const depth = (issues: z.core.$ZodIssue[]) => Math.max(...issues.map((inner) => inner.path.length));
  const closest = issue.errors.filter((issues) => issues.length > 0).sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
  if (!closest) return issue;
  const inner = closest[0];
  return closestBranchIssue({ ...inner, path: [...issue.path, ...inner.path] });
}

function issueToError(
  unionIssue: z.core.$ZodIssue,
  schema: z.ZodType,
  sources: SourceDocument[],
  prefix: PathSegment[],
  fieldOf?: (path: PathSegment[]) => { location: string } | undefined,
): LabError {
  const issue = closestBranchIssue(unionIssue);
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)) as PathSegment[];
  const objectPath = path.filter((segment): segment is string => typeof segment === 'string');
  const source = sources.find((candidate) => candidate.document.hasIn([...prefix, ...path])) ?? sources[0];
  const override = fieldOf?.(path);
  if (issue.code === 'unrecognized_keys') {
    const unknown = issue.keys[0];
    const known = knownKeysAt(schema, objectPath) ?? [];
    const suggestion = didYouMean(unknown, known);
    const origin = sources.find((candidate) => candidate.document.hasIn([...prefix, ...path, unknown])) ?? source;
    return new LabError(`unknown key \`${unknown}\``, {
      location: override?.location ?? locate(origin, [...prefix, ...path], unknown),
      field: [...prefix, ...path, unknown].join('.'),
      hint: suggestion ? `did you mean \`${suggestion}\`? (known keys here: ${known.join(', ')})` : `known keys here: ${known.join(', ')}`,
    });
  }
  let message = issue.message;
  let hint = hintFor([...prefix, ...path]);
  if (issue.code === 'invalid_value' && 'values' in issue) {
    const received = lookup(source, [...prefix, ...path]);
    const suggestion = typeof received === 'string' ? didYouMean(received, issue.values.map(String)) : undefined;
    message = `${received === undefined ? 'invalid value' : `\`${shown(received)}\` is not allowed`}; expected one of: ${issue.values.join(', ')}`;
    if (suggestion) message += ` (did you mean \`${suggestion}\`?)`;
    hint = `use one of the listed values${path.length > 1 ? ', or delete the line to use the default' : ''}`;
  } else if (issue.code === 'invalid_type') {
    message = typeMessage(message, issue.expected, path, lookup(source, [...prefix, ...path]));
  } else if ((issue.code === 'too_big' || issue.code === 'too_small') && /^Too (big|small)/.test(message)) {
    const key = path.length ? String(path[path.length - 1]) : 'the value';
    const limit = issue.code === 'too_big' ? issue.maximum : issue.minimum;
    const bound = issue.code === 'too_big' ? (issue.inclusive ? 'at most' : 'less than') : issue.inclusive ? 'at least' : 'greater than';
    message = issue.origin === 'array' ? `${key} must have ${bound} ${String(limit)} entries` : `${key} must be ${bound} ${String(limit)}`;
  }
  return new LabError(message, {
    location: override?.location ?? locate(source, [...prefix, ...path]),
    field: [...prefix, ...path].join('.'),
    hint,
  });
}

const mapping = 'a mapping (`key: value` lines)';
const typeNames: Record<string, string> = {
  object: mapping,
  record: mapping,
  array: 'a list such as [32, 32]',
  number: 'a number',
  boolean: 'true or false',
  string: 'text',
};

/** YAML's spelling of the non-finite numbers, as the user wrote them. */
const nonFiniteSpelling = (value: number) => (Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf');

/** zod's "Invalid input: expected object, received string" in the words of an experiment file. */
function typeMessage(message: string, expected: string, path: PathSegment[], received: unknown): string {
  const key = path.length ? String(path[path.length - 1]) : 'the file';
  // z.number() rejects .inf and .nan as not numbers; say what is wrong with them.
  if (expected === 'number' && typeof received === 'number') return `${key} must be a finite number, not ${nonFiniteSpelling(received)}`;
  if (!message.startsWith('Invalid input') && !(expected in typeNames && isCollection(received))) return message;
  const what =
    received === undefined || received === null
      ? 'nothing'
      : Array.isArray(received)
        ? 'a list'
        : typeof received === 'object'
          ? 'a mapping'
          : `\`${shown(received)}\``;
  return `${key} must be ${typeNames[expected] ?? expected}, not ${what}`;
}

const isCollection = (value: unknown) => typeof value === 'object' && value !== null;

/** A scalar as written (text unquoted), anything else as JSON. */
function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? 'nothing';
}

/** What to do about a bad value: every run parameter has a default, so deleting the line is always an option. */
function hintFor(path: PathSegment[]): string {
  if (path[0] === 'name')
    return 'write a short identifier such as `name: optimizer-sweep` (letters, digits, ".", "_", "-"; it names the report folder)';
  if (path[0] === 'base') return 'fix the value at that line, or delete the line to use the default (see experiments/quickstart.yaml)';
  if (path[0] === 'sweep')
    return 'fix the sweep at that line: each parameter takes a non-empty list of values, or a range { from, to, step | count }';
  return 'fix the value at that line (see experiments/quickstart.yaml for a complete file)';
}

/** The value written at a path, as plain data (lists as arrays, mappings as objects). */
function lookup(source: SourceDocument, path: PathSegment[]): unknown {
  const node: unknown = source.document.getIn(path, false);
  return isNode(node) ? node.toJS(source.document) : node;
}

/** Child values win over the parent's, key by key; lists are replaced, not concatenated. */
function deepMerge(parent: unknown, child: unknown): unknown {
  if (isPlainObject(parent) && isPlainObject(child)) {
    const merged: Record<string, unknown> = { ...parent };
    for (const [key, value] of Object.entries(child)) merged[key] = key in parent ? deepMerge(parent[key], value) : value;
    return merged;
  }
  return child;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadWithParents(path: string, seen: string[] = []): { raw: Record<string, unknown>; sources: SourceDocument[] } {
  const fullPath = resolve(path);
  if (seen.includes(fullPath)) {
    throw new LabError(`\`extends\` forms a cycle: ${[...seen, fullPath].join(' -> ')}`, {
      location: path,
      field: 'extends',
      hint: 'a file may extend a parent that does not (directly or through others) extend it back',
    });
  }
  const { source, raw } = loadSource(path);
  const own = raw as Record<string, unknown>;
  if (own.extends === undefined) return { raw: own, sources: [source] };
  if (typeof own.extends !== 'string') {
    throw new LabError('extends must be the path of another experiment file', {
      location: locate(source, ['extends']),
      field: 'extends',
      hint: 'write e.g. `extends: ./quickstart.yaml` (relative to this file)',
    });
  }
  const parentPath = resolve(dirname(fullPath), own.extends);
  if (!existsSync(parentPath)) {
    throw new LabError(`the file named by extends does not exist: ${own.extends}`, {
      location: locate(source, ['extends']),
      field: 'extends',
      hint: 'the path is relative to this experiment file',
    });
  }
  const parent = loadWithParents(parentPath, [...seen, fullPath]);
  const { extends: _ignored, ...ownWithoutExtends } = own;
  const { name: _parentName, description: _parentDescription, ...inherited } = parent.raw;
  return { raw: deepMerge(inherited, ownWithoutExtends) as Record<string, unknown>, sources: [source, ...parent.sources] };
}

/** The folder of the file that sets `data.directory` (its sweep, else its base): relative data paths are relative to it. */
function dataFolderOf(overrides: Record<string, unknown>, sources: SourceDocument[]): string {
  const path = 'data.directory' in overrides ? ['sweep', 'data.directory'] : ['base', 'data', 'directory'];
  const setter =
    path[0] === 'sweep'
      ? sources.find((source) => source.document.hasIn(['sweep', 'grid', path[1]]) || source.document.hasIn(['sweep', 'zip', path[1]]))
      : sources.find((source) => source.document.hasIn(path));
  return dirname(resolve((setter ?? sources[0]).path));
}

/**
 * Where an experiment file sets a run parameter (dotted, e.g. `sampler.batch_size`), for errors
 * found after parsing: its sweep entry when the run sweeps it, else its line under `base` (in
 * this file or the one it extends), else the nearest enclosing line.
 */
export function locateRunParameter(
  filePath: string,
  overrides: Record<string, unknown>,
  parameter: string,
): { location: string; field: string } {
  const { sources } = loadWithParents(filePath);
  const sweptKey = Object.keys(overrides).find((key) => parameter === key || parameter.startsWith(`${key}.`));
  if (sweptKey !== undefined) {
    const group = sources.some((source) => source.document.hasIn(['sweep', 'grid', sweptKey])) ? 'grid' : 'zip';
    const source = sources.find((candidate) => candidate.document.hasIn(['sweep', group, sweptKey])) ?? sources[0];
    return { location: locate(source, ['sweep', group, sweptKey]), field: `sweep.${group}.${sweptKey}` };
  }
  const path = ['base', ...parameter.split('.')];
  const source = sources.find((candidate) => candidate.document.hasIn(path)) ?? sources[0];
  return { location: locate(source, path), field: path.join('.') };
}

export function parseExperimentFile(path: string): ExperimentSpec {
  const { raw, sources } = loadWithParents(path);
  const file = experimentFileSchema.safeParse(raw);
  if (!file.success) throw issueToError(file.error.issues[0], experimentFileSchema, sources, []);
  return planExperiment(file.data, sources, path);
}

function planExperiment(file: ExperimentFile, sources: SourceDocument[], path: string): ExperimentSpec {
  const base = runSpecSchema.safeParse(file.base);
  if (!base.success) throw issueToError(base.error.issues[0], runSpecSchema, sources, ['base']);
  if (file.search) {
    const search = planSearch(file, file.search, { sources, base: base.data, dataFolder: dataFolderOf({}, sources) });
    const [name, description, filePath, maxRuns] = [file.name, file.description, path, file.max_runs ?? defaultMaxRuns];
    return { name, description, filePath, base: base.data, sweepKeys: search.parameters, runs: [], maxRuns, claims: [], search };
  }

  const sweep = file.sweep ?? {};
  for (const group of ['grid', 'zip'] as const) {
    for (const key of Object.keys(sweep[group] ?? {})) {
      const known = isKnownPath(runSpecSchema, key.split('.'));
      if (!known.ok) {
        const segment = key.split('.')[known.at];
        const suggestion = didYouMean(segment, known.known);
        const source = sources.find((candidate) => candidate.document.hasIn(['sweep', group, key])) ?? sources[0];
        throw new LabError(`\`${key}\` is not a run parameter`, {
          location: locate(source, ['sweep', group], key),
          field: `sweep.${group}.${key}`,
          hint: suggestion
            ? `did you mean \`${[...key.split('.').slice(0, known.at), suggestion].join('.')}\`?`
            : `parameters are dotted paths into base, such as optimizer.name, loss.margin, loss.epsilon, sampler.kind`,
        });
      }
    }
  }

  let expanded: ReturnType<typeof expandSweep>;
  try {
    expanded = expandSweep(file.base, sweep);
  } catch (error) {
    if (!(error instanceof ZipLengthError)) throw error;
    const source = sources.find((candidate) => candidate.document.hasIn(['sweep', 'zip', error.otherKey])) ?? sources[0];
    throw new LabError(error.message, {
      location: locate(source, ['sweep', 'zip'], error.otherKey),
      field: `sweep.zip.${error.otherKey}`,
      hint: 'give every zip list the same number of values, or use grid for a cartesian product',
    });
  }
  const maxRuns = file.max_runs ?? defaultMaxRuns;
  const runs: PlannedRun[] = [];
  for (const candidate of expanded.runs) {
    const parsed = runSpecSchema.safeParse(candidate.raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const issuePath = issue.path.map(String).join('.');
      const sweptKey = Object.keys(candidate.overrides).find((key) => issuePath === key || issuePath.startsWith(`${key}.`));
      const group = sweptKey === undefined ? undefined : sweep.grid && sweptKey in sweep.grid ? 'grid' : 'zip';
      const source = sources.find((candidate) => group && candidate.document.hasIn(['sweep', group, sweptKey!])) ?? sources[0];
      const error = issueToError(issue, runSpecSchema, sources, ['base'], () =>
        sweptKey === undefined ? undefined : { location: locate(source, ['sweep', group!, sweptKey]) },
      );
      throw new LabError(
        `${error.message}${sweptKey === undefined ? '' : ` (in the sweep value ${JSON.stringify(candidate.overrides[sweptKey])})`}`,
        { location: error.location, field: sweptKey === undefined ? error.field : `sweep.${group}.${sweptKey}`, hint: error.hint },
      );
    }
    runs.push(expanded.finish(candidate, parsed.data, runs.length, dataFolderOf(candidate.overrides, sources)));
  }
  const hashes = new Set(runs.map((run) => run.configHash));
  if (hashes.size !== runs.length) {
    throw new LabError('the sweep lists the same configuration more than once', {
      location: locate(sources[0], ['sweep']),
      field: 'sweep',
      hint: 'remove repeated values from the sweep lists',
    });
  }
  return {
    name: file.name,
    description: file.description,
    filePath: path,
    base: base.data,
    sweepKeys: expanded.sweepKeys,
    runs,
    maxRuns,
    claims: planClaims(file.claims ?? [], { sources, runs }),
    ...(file.tuning && { tuning: planTuning(file.tuning, { sources, runs }) }),
  };
}
