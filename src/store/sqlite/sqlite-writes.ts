/** What every SQLite store shares when it writes: one immediate transaction per change, and audit rows. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { NewAuditEntry } from '../identity-store.ts';

/** The audit log's insert, for a store to prepare once. */
export const insertAuditSql = 'INSERT INTO audit_log (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)';

export function insertAudit(statement: StatementSync, entry: NewAuditEntry): void {
  statement.run(entry.at, entry.actor, entry.action, entry.target, jsonOrNull(entry.before), jsonOrNull(entry.after));
}

export function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * Runs `work` in a transaction that takes the write lock first (IMMEDIATE), so a change and its audit entry commit
 * together or not at all.
 */
export function inTransaction<T>(database: DatabaseSync, work: () => T): T {
  database.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    database.exec('COMMIT');
    return result;
  } catch (error) {
    database.exec('ROLLBACK');
    throw error;
  }
}
