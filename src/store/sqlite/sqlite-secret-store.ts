/** Stored secrets in the embedded SQLite file, beside the identity tables; each write commits with its audit entry. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { NewAuditEntry } from '../identity-store.ts';
import type { EncryptedValue, SecretRecord, SecretStore } from '../secret-store.ts';
import { inTransaction, insertAudit, insertAuditSql } from './sqlite-writes.ts';

interface SecretRow {
  name: string;
  key_id: string;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  created_at: number;
  updated_at: number;
}

export class SqliteSecretStore implements SecretStore {
  readonly #database: DatabaseSync;
  readonly #statements: Record<'all' | 'one' | 'insert' | 'update' | 'delete' | 'audit', StatementSync>;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#statements = {
      all: database.prepare('SELECT * FROM secrets ORDER BY name'),
      one: database.prepare('SELECT * FROM secrets WHERE name = ?'),
      insert: database.prepare('INSERT INTO secrets (name, key_id, iv, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
      update: database.prepare('UPDATE secrets SET key_id = ?, iv = ?, ciphertext = ?, updated_at = ? WHERE name = ?'),
      delete: database.prepare('DELETE FROM secrets WHERE name = ?'),
      audit: database.prepare(insertAuditSql),
    };
  }

  async listSecrets(): Promise<SecretRecord[]> {
    return (this.#statements.all.all() as unknown as SecretRow[]).map(recordOf);
  }

  async getSecret(name: string): Promise<SecretRecord | undefined> {
    const row = this.#statements.one.get(name) as SecretRow | undefined;
    return row === undefined ? undefined : recordOf(row);
  }

  async putSecret(name: string, value: EncryptedValue, at: number, audit: (created: boolean) => NewAuditEntry): Promise<{ record: SecretRecord; created: boolean }> {
    return this.#transaction(() => {
      const row = this.#statements.one.get(name) as SecretRow | undefined;
      if (row === undefined) this.#statements.insert.run(name, value.keyId, value.iv, value.ciphertext, at, at);
      else this.#statements.update.run(value.keyId, value.iv, value.ciphertext, at, name);
      this.#audit(audit(row === undefined));
      return { record: recordOf(this.#statements.one.get(name) as unknown as SecretRow), created: row === undefined };
    });
  }

  async deleteSecret(name: string, audit: NewAuditEntry): Promise<boolean> {
    return this.#transaction(() => {
      if (Number(this.#statements.delete.run(name).changes) === 0) return false;
      this.#audit(audit);
      return true;
    });
  }

  async reencryptAll(reencrypt: (record: SecretRecord) => EncryptedValue | undefined, at: number, audit: (changed: readonly string[]) => NewAuditEntry): Promise<readonly string[]> {
    return this.#transaction(() => {
      const changed: string[] = [];
      for (const record of (this.#statements.all.all() as unknown as SecretRow[]).map(recordOf)) {
        const value = reencrypt(record);
        if (value === undefined) continue;
        this.#statements.update.run(value.keyId, value.iv, value.ciphertext, at, record.name);
        changed.push(record.name);
      }
      this.#audit(audit(changed));
      return changed;
    });
  }

  #audit(entry: NewAuditEntry): void {
    insertAudit(this.#statements.audit, entry);
  }

  #transaction<T>(work: () => T): T {
    return inTransaction(this.#database, work);
  }

}

function recordOf(row: SecretRow): SecretRecord {
  return {
    name: row.name,
    keyId: row.key_id,
    iv: Buffer.from(row.iv),
    ciphertext: Buffer.from(row.ciphertext),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
