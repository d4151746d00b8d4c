import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import { encodeIdx, encodeNpy } from '@siamese-lab/data';
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
    case 'own-data-fixtures': {
      writeOwnDataFixtures(join(folder, 'own-data'));
      // Decoded images are cached outside results/; keep this case's cache in its own folder.
      const previous = process.env.SIAMESE_LAB_CACHE;
      process.env.SIAMESE_LAB_CACHE = join(folder, 'decode-cache');
      prepared.cleanup = () => {
        if (previous === undefined) delete process.env.SIAMESE_LAB_CACHE;
        else process.env.SIAMESE_LAB_CACHE = previous;
      };
      break;
    }
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

/** A grayscale 8-bit PNG, written without an image library (the corpus is prepared synchronously). */
function grayscalePng(rows: number, cols: number, seed: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(cols, 0);
  header.writeUInt32BE(rows, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  const raw = Buffer.alloc(rows * (cols + 1)); // each row: filter byte 0, then its pixels
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) raw[r * (cols + 1) + 1 + c] = (r * 31 + c * 17 + seed * 53) % 256;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Image folders and .npy arrays, one valid and one broken copy per failure the own-data loaders must name. */
function writeOwnDataFixtures(root: string): void {
  const write = (path: string, bytes: Uint8Array | string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), bytes);
  };
  for (let i = 0; i < 4; i++) {
    write(`valid/cat/${i}.png`, grayscalePng(8, 8, i));
    write(`valid/dog/${i}.png`, grayscalePng(8, 8, 10 + i));
  }
  write('empty-class/cat/0.png', grayscalePng(8, 8, 0));
  write('empty-class/dog/notes.txt', 'not an image');
  write('corrupt/cat/0.png', grayscalePng(8, 8, 0));
  write('corrupt/dog/not-a-png.png', 'this is text, not a PNG image');
  const whole = grayscalePng(28, 28, 3);
  write('truncated/cat/0.png', grayscalePng(8, 8, 0));
  write('truncated/dog/cut.png', whole.subarray(0, Math.floor(whole.length / 2)));
  write('mixed-sizes/cat/0.png', grayscalePng(8, 8, 0));
  write('mixed-sizes/dog/wide.png', grayscalePng(12, 10, 1));
  const labels = (count: number) =>
    encodeNpy({ dtype: 'int64', shape: [count], data: BigInt64Array.from({ length: count }, (_, i) => BigInt(i % 2)) });
  write('int-features/features.npy', encodeNpy({ dtype: 'int64', shape: [8, 2], data: new BigInt64Array(16) }));
  write('int-features/labels.npy', labels(8));
  write('flat-features/features.npy', encodeNpy({ dtype: 'float32', shape: [8], data: new Float32Array(8) }));
  write('flat-features/labels.npy', labels(8));
  write('label-mismatch/features.npy', encodeNpy({ dtype: 'float32', shape: [8, 2], data: new Float32Array(16) }));
  write('label-mismatch/labels.npy', labels(6));
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
