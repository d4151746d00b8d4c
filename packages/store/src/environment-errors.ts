import { LabError } from '@siamese-lab/core';

/** SQLite result codes that describe the environment (disk, file, permissions), not a bug. */
const environmentCodes: Array<[prefix: string, what: string, hint: string]> = [
  [
    'SQLITE_FULL',
    'the disk is full',
    'free some space (or pass --db on another disk) and run the same command again: finished runs are kept',
  ],
  ['SQLITE_READONLY', 'the run database is read-only', 'make the file and its folder writable, or pass --db with a writable path'],
  ['SQLITE_IOERR', 'the disk reported an I/O error', 'check the disk (and free space), then run the same command again'],
  ['SQLITE_CORRUPT', 'the run database is damaged', 'keep a copy, then try `sqlite3 FILE .recover`, or pass --db with a new file'],
  ['SQLITE_NOTADB', 'the file is not an SQLite database', 'pass --db with the path of a run database (or a new file name)'],
  ['SQLITE_CANTOPEN', 'the run database cannot be opened', 'check that the path exists and is writable'],
];

/** Turns an SQLite error caused by the environment into a LabError naming the database; anything else is returned as it is. */
export function environmentError(error: unknown, path: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const match = environmentCodes.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`));
  if (!match) return error;
  return new LabError(`${match[1]} (${code}: ${(error as Error).message})`, { location: path, hint: match[2], cause: error });
}

/** Runs `work`; disk and file problems it meets surface as LabErrors naming the database at `path`. */
export function withEnvironmentErrors<Result>(path: string, work: () => Result): Result {
  try {
    return work();
  } catch (error) {
    throw environmentError(error, path);
  }
}
