/**
 * What the admin plane does to stored secrets: validate, encrypt under the current master key, write the store with
 * its audit entry (the action and the name, never a value), and answer with names and metadata only. A changed secret
 * takes effect when the configuration is next loaded (SIGHUP or a restart), as a changed environment variable does.
 */
import { z } from 'zod';
import { secretName } from '../config/env-references.ts';
import { GatewayError } from '../errors/index.ts';
import type { NewAuditEntry } from '../store/identity-store.ts';
import type { SecretRecord, SecretStore } from '../store/secret-store.ts';
import type { MasterKeys } from './master-keys.ts';
import { decryptSecret, encryptSecret, SecretUnreadable } from './secret-cipher.ts';

/** A credential, not a document. */
const maxValueBytes = 16 * 1024;

const name = z.string().regex(secretName, 'letters, digits, ".", "_" or "-", starting with a letter or digit, at most 128');
const secretPut = z.strictObject({
  value: z
    .string()
    .min(1)
    .refine((value) => Buffer.byteLength(value, 'utf8') <= maxValueBytes, `at most ${maxValueBytes} bytes`),
});

export interface SecretView {
  readonly name: string;
  readonly key_id: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface RotationView {
  /** The master key every value is now encrypted under. */
  readonly key_id: string;
  /** The secrets re-encrypted (those under another key). */
  readonly rotated: readonly string[];
  readonly total: number;
}

export class SecretAdmin {
  readonly #store: SecretStore;
  readonly #keys: MasterKeys | undefined;
  readonly #now: () => number;

  /** `keys` undefined: no master key was given; listing and deleting work, storing and rotating do not. */
  constructor(store: SecretStore, keys: MasterKeys | undefined, now: () => number = Date.now) {
    this.#store = store;
    this.#keys = keys;
    this.#now = now;
  }

  /** `created`: the name was new (201) rather than replaced (200). */
  async put(actor: string, secret: string, body: unknown): Promise<{ readonly created: boolean; readonly view: SecretView }> {
    const checkedName = parse(z.strictObject({ name }), { name: secret }).name;
    const input = parse(secretPut, body);
    const keys = this.#requireKeys();
    const now = this.#now();
    const encrypted = encryptSecret(checkedName, input.value, keys);
    const { record, created } = await this.#store.putSecret(checkedName, encrypted, now, (isNew) =>
      audit(now, actor, isNew ? 'secret.create' : 'secret.update', checkedName, { key_id: encrypted.keyId }),
    );
    return { created, view: view(record) };
  }

  async list(): Promise<SecretView[]> {
    return (await this.#store.listSecrets()).map(view);
  }

  async delete(actor: string, secret: string): Promise<{ readonly name: string; readonly deleted: true }> {
    const now = this.#now();
    const deleted = await this.#store.deleteSecret(secret, audit(now, actor, 'secret.delete', secret, null));
    if (!deleted) throw new GatewayError('not_found', `No stored secret is named "${secret}".`, { param: 'name' });
    return { name: secret, deleted: true };
  }

  /** Every value not under the current master key is re-encrypted under it, all or none. */
  async rotate(actor: string): Promise<RotationView> {
    const keys = this.#requireKeys();
    const now = this.#now();
    let total = 0;
    try {
      const rotated = await this.#store.reencryptAll(
        (record: SecretRecord) => {
          total++;
          if (record.keyId === keys.current.id) return undefined;
          return encryptSecret(record.name, decryptSecret(record.name, record, keys), keys);
        },
        now,
        (changed) => audit(now, actor, 'secret.rotate', '*', { key_id: keys.current.id, rotated: changed }),
      );
      return { key_id: keys.current.id, rotated, total };
    } catch (error) {
      if (error instanceof SecretUnreadable) throw new GatewayError('secrets_unavailable', `Nothing was rotated: ${error.message}.`);
      throw error;
    }
  }

  #requireKeys(): MasterKeys {
    if (this.#keys === undefined) {
      throw new GatewayError('secrets_unavailable', 'No master key is given: set INTERCHANGE_MASTER_KEY (or INTERCHANGE_MASTER_KEYS) where the gateway runs, then restart it.');
    }
    return this.#keys;
  }
}

function view(record: SecretRecord): SecretView {
  return { name: record.name, key_id: record.keyId, created_at: new Date(record.createdAt).toISOString(), updated_at: new Date(record.updatedAt).toISOString() };
}

function audit(at: number, actor: string, action: string, target: string, after: unknown): NewAuditEntry {
  return { at, actor, action, target, before: null, after };
}

function parse<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue.path.join('.') || undefined;
  // Never what was sent: zod's messages describe the rule, and an unknown field is not named (a value pasted as a key).
  if (issue.code === 'unrecognized_keys') throw new GatewayError('invalid_request', 'Unknown field: the body is { "value": "…" } and nothing else.');
  throw new GatewayError('invalid_request', `${param === undefined ? 'The body' : `"${param}"`}: ${issue.message}.`, { param });
}
