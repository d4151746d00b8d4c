import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LabError } from '@siamese-lab/core';
import { migrateToCurrent } from './migrate.ts';

/** Refuses a path that is a folder or a file other than an SQLite database; a missing or empty file is fine. */
function checkIsSqliteFile(path: string): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    throw new LabError(`${path} is a directory, not a run database`, {
      location: path,
      hint: 'pass --db with the path of a database file inside it, e.g. --db results/runs.sqlite',
    });
  }
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  const bytesRead = readSync(fd, header, 0, 16, 0);
  closeSync(fd);
  if (bytesRead === 0) return; // an empty file becomes a new database
  if (header.toString('latin1', 0, 15) !== 'SQLite format 3') {
    throw new LabError(`${path} is not an SQLite database`, {
      location: path,
      hint: 'pass --db with the path of a run database (or a new file name), or move this file away',
    });
  }
}

/** A reader needs an existing file; a writer needs a writable folder (created if missing). */
function checkLocation(fullPath: string, readonly: boolean): void {
  if (readonly) {
    if (existsSync(fullPath)) return;
    throw new LabError(`no run database at ${fullPath}`, {
      location: fullPath,
      hint: 'run an experiment first (pnpm run exp FILE), or pass --db with the database path',
    });
  }
  try {
    mkdirSync(dirname(fullPath), { recursive: true });
    accessSync(dirname(fullPath), constants.W_OK);
  } catch (error) {
    throw new LabError(`cannot write the run database in ${dirname(fullPath)}: ${(error as Error).message}`, {
      location: fullPath,
      hint: 'choose a writable location with --db PATH',
    });
  }
}

/**
 * Opens the connection with the store's pragmas. A writer uses WAL, so that `lab ls`, `lab report`
 * and `lab serve` (read-only connections) read a consistent snapshot while a sweep writes.
 */
function connect(fullPath: string, readonly: boolean): Database.Database {
  try {
    const db = new Database(fullPath, { readonly, fileMustExist: readonly });
    // The timeout first: a second process opening the same new file waits instead of failing.
    db.pragma('busy_timeout = 10000');
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    if (!readonly) db.pragma('synchronous = NORMAL');
    return db;
  } catch (error) {
    throw new LabError(`cannot open the run database ${fullPath}: ${(error as Error).message}`, {
      location: fullPath,
      hint: 'check that the file is an SQLite database and that its folder is writable',
    });
  }
}

/** Opens the run database at the absolute `fullPath` (created unless `readonly`), at the current schema version. */
export function openDatabase(fullPath: string, readonly: boolean): Database.Database {
  checkIsSqliteFile(fullPath);
  checkLocation(fullPath, readonly);
  return migrateToCurrent(connect(fullPath, readonly), fullPath, readonly);
}
