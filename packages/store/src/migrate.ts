import Database from 'better-sqlite3';
import { LabError } from '@siamese-lab/core';
import { environmentError } from './environment-errors.ts';
import { migrations } from './schema.ts';

/** True when the database has no tables at all (a new or empty file). */
function holdsNothing(db: Database.Database): boolean {
  return db.prepare<[], { tables: number }>('SELECT count(*) AS tables FROM sqlite_master').get()?.tables === 0;
}

/** An in-memory database with the current schema and no rows: what an empty file reads as. */
function emptyDatabase(): Database.Database {
  const db = new Database(':memory:');
  for (const migration of migrations) db.exec(migration);
  db.pragma(`user_version = ${migrations.length}`);
  return db;
}

/**
 * Applies the migrations the database lacks, all in one IMMEDIATE transaction. The version is
 * re-read inside: two processes creating the same database at once must not both run a
 * migration (the second would find its tables already there).
 */
function applyMissingMigrations(db: Database.Database): void {
  // A migration may rebuild a table that others reference (SQLite's way to change a CHECK). With
  // foreign keys off (a pragma that cannot change inside a transaction), dropping the old table
  // deletes nothing through ON DELETE CASCADE and renaming it leaves the other tables' REFERENCES
  // naming the table; the references are checked before the commit.
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      for (let index = current; index < migrations.length; index++) {
        db.exec(migrations[index]);
        db.pragma(`user_version = ${index + 1}`);
      }
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`the schema upgrade left ${broken.length} broken references: ${JSON.stringify(broken[0])}`);
    }).immediate();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

/**
 * Brings an open database to the current schema version and returns the connection to use:
 * `db` itself, or (read-only, for a file that holds nothing yet) an empty in-memory one. The
 * database's `user_version` pragma records how many migrations have run. On failure `db` is closed.
 */
export function migrateToCurrent(db: Database.Database, fullPath: string, readonly: boolean): Database.Database {
  let version: number;
  try {
    version = db.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    db.close();
    throw environmentError(error, fullPath);
  }
  if (version > migrations.length) {
    db.close();
    throw new LabError(
      `the run database ${fullPath} has schema version ${version}, newer than this Siamese Lab knows (${migrations.length})`,
      {
        location: fullPath,
        hint: 'update Siamese Lab, or use another --db',
      },
    );
  }
  if (version === 0 && readonly && holdsNothing(db)) {
    // An empty file, or one whose creator has not committed its first transaction yet: nothing
    // is recorded, so read it as an empty store (not as an outdated one that needs an upgrade).
    db.close();
    return emptyDatabase();
  }
  if (version === migrations.length) return db;
  if (readonly) {
    db.close();
    throw new LabError(`the run database ${fullPath} needs a schema upgrade`, {
      location: fullPath,
      hint: 'run any writing command (e.g. lab run) once',
    });
  }
  try {
    applyMissingMigrations(db);
  } catch (error) {
    db.close();
    throw environmentError(error, fullPath);
  }
  return db;
}
