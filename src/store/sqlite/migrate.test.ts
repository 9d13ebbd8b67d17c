/** The migration runner: applied once and in order, each with its row, a failure rolled back, a newer file refused. */
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { bundledMigrations, currentVersion, DatabaseTooNew, migrate, type Migration } from './migrate.ts';

const steps: Migration[] = [
  { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER);' },
  { version: 2, name: 'two', sql: 'CREATE TABLE b (y INTEGER);' },
];

describe('migrate', () => {
  it('applies every migration once, in order, and then nothing', () => {
    const database = new DatabaseSync(':memory:');
    const first = migrate(database, steps, () => 42);
    assert.deepEqual([first.from, first.to, first.applied.map((step) => step.name)], [0, 2, ['one', 'two']]);
    const again = migrate(database, steps);
    assert.deepEqual([again.from, again.to, again.applied.length], [2, 2, 0]);
    assert.deepEqual(
      database.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all().map((row) => ({ ...row })),
      [
        { version: 1, name: 'one', applied_at: 42 },
        { version: 2, name: 'two', applied_at: 42 },
      ],
    );
  });

  it('rolls a failing migration back and keeps the version before it', () => {
    const database = new DatabaseSync(':memory:');
    const broken: Migration[] = [steps[0], { version: 2, name: 'broken', sql: 'CREATE TABLE c (z INTEGER); CREATE TABLE a (x INTEGER);' }];
    assert.throws(() => migrate(database, broken), /Migration 0002-broken failed/);
    assert.equal(currentVersion(database), 1);
    assert.equal(database.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'c'").get()?.n, 0, 'the half-applied table is gone');
  });

  it('refuses a database written by a newer gateway', () => {
    const database = new DatabaseSync(':memory:');
    migrate(database, steps);
    assert.throws(() => migrate(database, steps.slice(0, 1)), (error: unknown) => error instanceof DatabaseTooNew && error.found === 2 && error.known === 1);
  });

  it('ships migrations numbered from 0001 without gaps', () => {
    const bundled = bundledMigrations();
    assert.ok(bundled.length >= 2);
    assert.deepEqual(
      bundled.map((step) => step.version),
      bundled.map((_, index) => index + 1),
    );
  });
});
