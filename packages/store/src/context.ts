import type Database from 'better-sqlite3';
import { ownerId } from './leases.ts';

/**
 * What the store's modules (lifecycle, writes, reads) work through: the connection's prepared
 * statements and transactions, never the connection itself. It is private to the package.
 */
export interface StoreContext {
  /** This connection's lease owner id (see `ownerId`). */
  readonly owner: string;
  readonly readonly: boolean;
  /** The prepared statement for `sql`, prepared on first use and kept for the connection's life. */
  statement<Parameters extends unknown[] = unknown[], Row = unknown>(sql: string): Database.Statement<Parameters, Row>;
  /** Runs `work` in one transaction (BEGIN IMMEDIATE when it must take the write lock first); nested, a savepoint. */
  transaction<Result>(work: () => Result, begin?: 'deferred' | 'immediate'): Result;
  /** A pragma's single value (`data_version`, `integrity_check`). */
  pragmaValue(name: string): unknown;
  close(): void;
}

export const now = (): string => new Date().toISOString();

export function createStoreContext(db: Database.Database, readonly: boolean): StoreContext {
  const statements = new Map<string, Database.Statement<unknown[], unknown>>();
  return {
    owner: ownerId(),
    readonly,
    statement<Parameters extends unknown[], Row>(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      // One cache for every statement: the caller names the parameters and row shape its SQL has.
      return statement as unknown as Database.Statement<Parameters, Row>;
    },
    transaction(work, begin = 'deferred') {
      return db.transaction(work)[begin]();
    },
    pragmaValue(name) {
      return db.pragma(name, { simple: true });
    },
    close() {
      if (db.open) db.close();
    },
  };
}
