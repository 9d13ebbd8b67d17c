/**
 * Stored responses in the embedded SQLite file (migration 0005). Every read and write names the id, the tenant (`IS`,
 * so a NULL tenant matches only a caller without one) and the time, so another tenant's or an expired response is
 * the same absent row. Each call is one statement, atomic on its own.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { jsonText, responseTexts, storedResponseOf, type ResponseStore, type StoredResponse } from '../response-store.ts';

interface ResponseRow {
  id: string;
  tenant: string | null;
  created_at: number;
  expires_at: number;
  previous_id: string | null;
  response: string;
  input_items: string;
  conversation: string;
}

export class SqliteResponseStore implements ResponseStore {
  readonly #statements: Record<'insert' | 'get' | 'update' | 'delete' | 'purge', StatementSync>;

  constructor(database: DatabaseSync) {
    const live = 'id = ? AND tenant IS ? AND expires_at > ?';
    this.#statements = {
      insert: database.prepare(
        'INSERT INTO responses (id, tenant, created_at, expires_at, previous_id, response, input_items, conversation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      get: database.prepare(`SELECT * FROM responses WHERE ${live}`),
      update: database.prepare(`UPDATE responses SET response = ? WHERE ${live}`),
      delete: database.prepare(`DELETE FROM responses WHERE ${live}`),
      // Soonest-expiring first, through the index, a batch at a time so a purge never holds the write lock for long.
      purge: database.prepare('DELETE FROM responses WHERE rowid IN (SELECT rowid FROM responses WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)'),
    };
  }

  async put(stored: StoredResponse): Promise<void> {
    const texts = responseTexts(stored);
    this.#statements.insert.run(stored.id, stored.tenant ?? null, stored.createdAt, stored.expiresAt, stored.previousId ?? null, texts.response, texts.inputItems, texts.conversation);
  }

  async get(id: string, tenant: string | undefined, now: number): Promise<StoredResponse | undefined> {
    const row = this.#statements.get.get(id, tenant ?? null, now) as ResponseRow | undefined;
    if (row === undefined) return undefined;
    return storedResponseOf(row.id, row.tenant ?? undefined, Number(row.created_at), Number(row.expires_at), row.previous_id ?? undefined, {
      response: row.response,
      inputItems: row.input_items,
      conversation: row.conversation,
    });
  }

  async update(id: string, tenant: string | undefined, response: unknown, now: number): Promise<boolean> {
    return Number(this.#statements.update.run(jsonText(response, id, 'response'), id, tenant ?? null, now).changes) > 0;
  }

  async delete(id: string, tenant: string | undefined, now: number): Promise<boolean> {
    return Number(this.#statements.delete.run(id, tenant ?? null, now).changes) > 0;
  }

  async purgeExpired(now: number, limit: number): Promise<number> {
    // LIMIT takes a negative count as no limit at all.
    if (!(limit >= 1)) return 0;
    return Number(this.#statements.purge.run(now, Math.floor(limit)).changes);
  }
}
