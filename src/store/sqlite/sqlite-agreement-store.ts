/** Admin-made agreements in the embedded SQLite file; each write commits with its audit entry. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AgreementDocument, AgreementStore, StoredAgreement } from '../agreement-store.ts';
import type { NewAuditEntry } from '../identity-store.ts';
import { inTransaction, insertAudit, insertAuditSql } from './sqlite-writes.ts';

interface AgreementRow {
  name: string;
  document: string;
  created_at: number;
  updated_at: number;
}

export class SqliteAgreementStore implements AgreementStore {
  readonly #database: DatabaseSync;
  readonly #statements: Record<'all' | 'one' | 'insert' | 'update' | 'delete' | 'audit', StatementSync>;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#statements = {
      all: database.prepare('SELECT * FROM agreements ORDER BY name'),
      one: database.prepare('SELECT * FROM agreements WHERE name = ?'),
      insert: database.prepare('INSERT INTO agreements (name, document, created_at, updated_at) VALUES (?, ?, ?, ?)'),
      update: database.prepare('UPDATE agreements SET document = ?, updated_at = ? WHERE name = ?'),
      delete: database.prepare('DELETE FROM agreements WHERE name = ?'),
      audit: database.prepare(insertAuditSql),
    };
  }

  async listAgreements(): Promise<StoredAgreement[]> {
    return (this.#statements.all.all() as unknown as AgreementRow[]).map(recordOf);
  }

  async putAgreement(name: string, document: AgreementDocument, at: number, audit: (before: StoredAgreement | undefined) => NewAuditEntry): Promise<{ record: StoredAgreement; created: boolean }> {
    return inTransaction(this.#database, () => {
      const row = this.#statements.one.get(name) as AgreementRow | undefined;
      const text = JSON.stringify(document);
      if (row === undefined) this.#statements.insert.run(name, text, at, at);
      else this.#statements.update.run(text, at, name);
      insertAudit(this.#statements.audit, audit(row === undefined ? undefined : recordOf(row)));
      return { record: recordOf(this.#statements.one.get(name) as unknown as AgreementRow), created: row === undefined };
    });
  }

  async deleteAgreement(name: string, audit: (before: StoredAgreement) => NewAuditEntry): Promise<StoredAgreement | undefined> {
    return inTransaction(this.#database, () => {
      const row = this.#statements.one.get(name) as AgreementRow | undefined;
      if (row === undefined) return undefined;
      const before = recordOf(row);
      this.#statements.delete.run(name);
      insertAudit(this.#statements.audit, audit(before));
      return before;
    });
  }
}

function recordOf(row: AgreementRow): StoredAgreement {
  return { name: row.name, document: JSON.parse(row.document) as AgreementDocument, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) };
}
