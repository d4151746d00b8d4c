import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '@siamese-lab/data';
import type { RunStatus } from '@siamese-lab/run-record';
import { openRunStore } from '@siamese-lab/store';
import type { BackendName } from '@siamese-lab/backend';
import { exportCommand, lsCommand, reportCommand, showCommand, runCommand } from '../src/commands.ts';
import type { Output } from '../src/output.ts';
import { describeFailure } from '../src/failure.ts';
import type { CliResult } from './helpers.ts';

export const corpusDirectory = resolve(import.meta.dirname, '../../../test/bad-inputs');

/** One entry of test/bad-inputs/cases.json. */
export interface BadInputCase {
  id: string;
  /** The experiment file (in the corpus folder, or made by `setup`). */
  file: string;
  /** CLI arguments; default `run ${CASE} --db ${DB}`. */
  args?: string[];
  /** A named fixture prepared before the command runs. */
  setup?: string;
  /** Also run through the real CLI (in a child process), not only in-process. */
  cli?: boolean;
  expect: { message: string; field?: string; location?: string };
  note?: string;
}

export function loadCorpus(): BadInputCase[] {
  return JSON.parse(readFileSync(join(corpusDirectory, 'cases.json'), 'utf8')) as BadInputCase[];
}

/** Where one case runs: its own folder, with the corpus copied in and `results/` for the database. */
export interface CaseFolder {
  folder: string;
  file: string;
  db: string;
  results: string;
  args: string[];
  /** Unmounts what setup mounted. */
  cleanup: () => void;
  /** Set when the setup needs a privilege this machine does not give (e.g. mount). */
  skipped?: string;
}

const substitute = (text: string, values: Record<string, string>) =>
  text.replace(/\$\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);

/** Prepares a case's folder: the corpus files (with ${FIXTURES} filled in), fixtures and the database state. */
export function prepareCase(entry: BadInputCase, folder: string): CaseFolder {
  const results = join(folder, 'results');
  const db = join(results, 'runs.sqlite');
  for (const name of readdirSync(corpusDirectory)) {
    if (!name.endsWith('.yaml')) continue;
    const bytes = readFileSync(join(corpusDirectory, name));
    // Text substitution only for files that are text: the binary case must stay byte for byte.
    writeFileSync(join(folder, name), bytes.includes(0) ? bytes : substitute(bytes.toString('utf8'), { FIXTURES: folder }));
  }
  const file = join(folder, entry.file);
  const args = (entry.args ?? ['run', '${CASE}', '--db', '${DB}']).map((arg) => substitute(arg, { CASE: file, DB: db, FOLDER: folder }));
  const prepared: CaseFolder = { folder, file, db, results, args, cleanup: () => {} };
  switch (entry.setup) {
    case undefined:
      break;
    case 'idx-fixtures':
      writeIdxFixtures(folder);
      break;
    case 'file-too-large':
      writeFileSync(file, `name: large\ndescription: "${'x'.repeat(1.2 * (1 << 20))}"\n`);
      break;
    case 'file-is-directory':
      mkdirSync(file);
      break;
    case 'db-not-sqlite':
      mkdirSync(results);
      writeFileSync(db, 'hello, I am a text file and not a database\n');
      break;
    case 'db-corrupt-sqlite':
      mkdirSync(results);
      writeFileSync(db, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4080, 0xab)]));
      break;
    case 'db-is-directory':
      mkdirSync(db, { recursive: true });
      break;
    case 'db-empty':
      mkdirSync(results);
      openRunStore(db).close();
      break;
    case 'readonly-folder': {
      mkdirSync(results);
      const mounted = mount(['--bind', results, results]) && mount(['-o', 'remount,ro,bind', results]);
      if (!mounted) prepared.skipped = 'mount --bind -o ro is not permitted here';
      prepared.cleanup = () => unmount(results);
      break;
    }
    case 'full-disk': {
      mkdirSync(results);
      if (!mount(['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', results])) prepared.skipped = 'mount -t tmpfs is not permitted here';
      prepared.cleanup = () => unmount(results);
      break;
    }
    default:
      throw new Error(`unknown setup ${entry.setup} in cases.json`);
  }
  return prepared;
}

function mount(args: string[]): boolean {
  return spawnSync('mount', args, { stdio: 'ignore' }).status === 0;
}

function unmount(path: string): void {
  spawnSync('umount', [path], { stdio: 'ignore' });
}

/** A small valid IDX dataset and one broken copy per failure the loader must name. */
function writeIdxFixtures(folder: string): void {
  const images = (count: number) =>
    encodeIdx({ dataType: 'uint8', dims: [count, 8, 8], data: Uint8Array.from({ length: count * 64 }, (_, i) => (i * 37) % 256) });
  const labels = (count: number) =>
    encodeIdx({ dataType: 'uint8', dims: [count], data: Uint8Array.from({ length: count }, (_, i) => i % 10) });
  const valid: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': images(40),
    'train-labels-idx1-ubyte': labels(40),
    't10k-images-idx3-ubyte': images(20),
    't10k-labels-idx1-ubyte': labels(20),
  };
  const variant = (name: string, change: (files: Record<string, Uint8Array>) => void) => {
    const files = { ...valid };
    change(files);
    mkdirSync(join(folder, name));
    for (const [file, bytes] of Object.entries(files)) writeFileSync(join(folder, name, file), bytes);
  };
  variant('idx-valid', () => {});
  variant('idx-missing-labels', (files) => delete files['train-labels-idx1-ubyte']);
  variant('idx-wrong-magic', (files) => {
    const bytes = Uint8Array.from(files['train-images-idx3-ubyte']);
    bytes.set([0x50, 0x4b, 0x03, 0x04]); // a zip file's magic
    files['train-images-idx3-ubyte'] = bytes;
  });
  variant('idx-truncated-images', (files) => (files['t10k-images-idx3-ubyte'] = files['t10k-images-idx3-ubyte'].slice(0, -100)));
  variant('idx-count-mismatch', (files) => (files['train-labels-idx1-ubyte'] = labels(30)));
  variant('idx-gzip-corrupt', (files) => {
    const gzipped = gzipSync(files['train-images-idx3-ubyte']);
    files['train-images-idx3-ubyte'] = Uint8Array.from([...gzipped.subarray(0, 20), ...new Uint8Array(40).fill(0x55)]);
  });
}

/** Every file under a folder with its SHA-256, to prove a failed command changed nothing. */
export function folderFingerprint(folder: string): Record<string, string> {
  const entries: Record<string, string> = {};
  if (!existsSync(folder)) return entries;
  const walk = (path: string) => {
    const stats = statSync(path);
    if (stats.isDirectory()) {
      entries[`${relative(folder, path)}/`] = 'dir';
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (!(path.endsWith('-shm') || (path.endsWith('-wal') && stats.size === 0))) {
      // A reader of a WAL database creates its shared-memory index and an empty log; neither holds data.
      entries[relative(folder, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(folder);
  return entries;
}

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

/**
 * The CLI's `run`, `ls`, `show`, `export` and `report` verbs called in this process, with the CLI's own error
 * reporting (describeFailure): the same code path as `lab` minus argument parsing and process start.
 */
export async function labInProcess(argv: string[]): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Output = { out: (text) => stdout.push(text), err: (text) => stderr.push(text) };
  const db = option(argv, '--db') ?? 'results/runs.sqlite';
  let status: number;
  try {
    switch (argv[0]) {
      case 'run':
        status = await runCommand(
          {
            file: argv[1],
            db,
            backend: option(argv, '--backend') as BackendName | undefined,
            force: argv.includes('--force'),
            yes: argv.includes('--yes'),
            report: !argv.includes('--no-report'),
          },
          io,
          { requested: false },
        );
        break;
      case 'ls':
        status = lsCommand(
          { db, experiment: argv[1]?.startsWith('--') ? undefined : argv[1], status: option(argv, '--status') as RunStatus | undefined },
          io,
        );
        break;
      case 'show':
        status = showCommand({ db, run: Number(argv[1]) }, io);
        break;
      case 'export':
        status = exportCommand({ db, experiment: argv[1], format: (option(argv, '--format') ?? 'json') as 'json' | 'csv' }, io);
        break;
      case 'report':
        status = await reportCommand({ db, experiment: argv[1] }, io);
        break;
      default:
        throw new Error(`labInProcess does not know the verb ${argv[0]}`);
    }
  } catch (error) {
    const failure = describeFailure(error);
    stderr.push(failure.text);
    status = failure.exitCode;
  }
  return { status, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}
