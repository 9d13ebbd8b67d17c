/**
 * Versioned SQL migrations for the embedded store: `migrations/NNNN-name.sql`, applied in order at start-up (and by
 * `interchange migrate`), each in its own transaction together with its row in `schema_migrations`, so a crash
 * mid-migration leaves the file at the previous version. A database written by a newer gateway is refused rather than
 * used by code that does not know its tables.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const migrationFile = /^(\d{4})-([a-z0-9-]+)\.sql$/;

/** The migrations shipped with the gateway, in version order. */
export function bundledMigrations(directory: URL = new URL('./migrations/', import.meta.url)): Migration[] {
  const migrations = readdirSync(directory)
    .map((file) => ({ file, match: migrationFile.exec(file) }))
    .filter((entry) => entry.match !== null)
    .map(({ file, match }) => ({ version: Number(match![1]), name: match![2], sql: readFileSync(new URL(file, directory), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`Migrations must be numbered 0001, 0002, … without gaps; found ${String(migration.version).padStart(4, '0')}-${migration.name}.sql at position ${index + 1}.`);
  });
  return migrations;
}

export interface MigrationResult {
  /** The version the database was at before. */
  readonly from: number;
  readonly to: number;
  readonly applied: readonly Migration[];
}

export class DatabaseTooNew extends Error {
  readonly found: number;
  readonly known: number;
  constructor(found: number, known: number) {
    super(`The database is at schema version ${found}, newer than this gateway knows (${known}): run a gateway at least as new as the one that wrote it.`);
    this.name = 'DatabaseTooNew';
    this.found = found;
    this.known = known;
  }
}

export function migrate(database: DatabaseSync, migrations: readonly Migration[] = bundledMigrations(), now: () => number = Date.now): MigrationResult {
  database.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const from = currentVersion(database);
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  if (from > known) throw new DatabaseTooNew(from, known);
  const pending = migrations.filter((migration) => migration.version > from);
  const record = database.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of pending) {
    // IMMEDIATE takes the write lock first, so two processes starting together migrate one after the other.
    database.exec('BEGIN IMMEDIATE');
    try {
      if (currentVersion(database) >= migration.version) {
        database.exec('ROLLBACK');
        continue;
      }
      database.exec(migration.sql);
      record.run(migration.version, migration.name, now());
      database.exec('COMMIT');
    } catch (error) {
      database.exec('ROLLBACK');
      throw new Error(`Migration ${String(migration.version).padStart(4, '0')}-${migration.name} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return { from, to: Math.max(from, known), applied: pending };
}

export function currentVersion(database: DatabaseSync): number {
  const row = database.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null } | undefined;
  return row?.version ?? 0;
}
