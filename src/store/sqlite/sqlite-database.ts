/**
 * The embedded store's one file: `node:sqlite` (built into Node 24, no native add-on), in WAL mode so readers never
 * wait for the writer, migrated to the gateway's schema when opened. The directory is created on first start.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrate, type MigrationResult } from './migrate.ts';

export interface OpenedDatabase {
  readonly database: DatabaseSync;
  readonly migration: MigrationResult;
}

/** `path` may be `:memory:` (tests). */
export function openSqlite(path: string): OpenedDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new DatabaseSync(path, { timeout: 5_000 });
  try {
    database.exec('PRAGMA journal_mode = WAL');
    // With WAL, NORMAL loses nothing when the process dies (the OS holds the pages); only a power loss may lose the
    // last commits. Writes that must survive that (the ledger) ask for a checkpoint themselves.
    database.exec('PRAGMA synchronous = NORMAL');
    database.exec('PRAGMA foreign_keys = ON');
    return { database, migration: migrate(database) };
  } catch (error) {
    database.close();
    throw error;
  }
}
