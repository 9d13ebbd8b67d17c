/** Stored secrets in memory: for tests and `store: { kind: memory }`; audit entries go to the identity store's log. */
import type { NewAuditEntry } from '../identity-store.ts';
import type { EncryptedValue, SecretRecord, SecretStore } from '../secret-store.ts';

export class MemorySecretStore implements SecretStore {
  readonly #secrets = new Map<string, SecretRecord>();
  readonly #audit: (entry: NewAuditEntry) => void;

  /** `audit`: appends to the audit log shared with tenants and keys. */
  constructor(audit: (entry: NewAuditEntry) => void) {
    this.#audit = audit;
  }

  async listSecrets(): Promise<SecretRecord[]> {
    return [...this.#secrets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async getSecret(name: string): Promise<SecretRecord | undefined> {
    return this.#secrets.get(name);
  }

  async putSecret(name: string, value: EncryptedValue, at: number, audit: (created: boolean) => NewAuditEntry): Promise<{ record: SecretRecord; created: boolean }> {
    const before = this.#secrets.get(name);
    const record = copy({ name, ...value, createdAt: before?.createdAt ?? at, updatedAt: at });
    this.#secrets.set(name, record);
    this.#audit(audit(before === undefined));
    return { record, created: before === undefined };
  }

  async deleteSecret(name: string, audit: NewAuditEntry): Promise<boolean> {
    if (!this.#secrets.delete(name)) return false;
    this.#audit(audit);
    return true;
  }

  async reencryptAll(reencrypt: (record: SecretRecord) => EncryptedValue | undefined, at: number, audit: (changed: readonly string[]) => NewAuditEntry): Promise<readonly string[]> {
    // Every value first, so one that cannot be re-encrypted leaves all of them as they were.
    const next = [...this.#secrets.values()].flatMap((record) => {
      const value = reencrypt(record);
      return value === undefined ? [] : [copy({ ...record, ...value, updatedAt: at })];
    });
    for (const record of next) this.#secrets.set(record.name, record);
    const changed = next.map((record) => record.name).sort();
    this.#audit(audit(changed));
    return changed;
  }
}

/** Stored as a database would: buffers of its own, never shared with the caller. */
function copy(record: SecretRecord): SecretRecord {
  return { ...record, iv: Buffer.from(record.iv), ciphertext: Buffer.from(record.ciphertext) };
}
