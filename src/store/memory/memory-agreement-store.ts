/** Admin-made agreements in memory: for tests and `store: { kind: memory }`; audit entries go to the identity store's log. */
import type { AgreementDocument, AgreementStore, StoredAgreement } from '../agreement-store.ts';
import type { NewAuditEntry } from '../identity-store.ts';

export class MemoryAgreementStore implements AgreementStore {
  readonly #agreements = new Map<string, StoredAgreement>();
  readonly #audit: (entry: NewAuditEntry) => void;

  /** `audit`: appends to the audit log shared with tenants and keys. */
  constructor(audit: (entry: NewAuditEntry) => void) {
    this.#audit = audit;
  }

  async listAgreements(): Promise<StoredAgreement[]> {
    return [...this.#agreements.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async putAgreement(name: string, document: AgreementDocument, at: number, audit: (before: StoredAgreement | undefined) => NewAuditEntry): Promise<{ record: StoredAgreement; created: boolean }> {
    const before = this.#agreements.get(name);
    // Stored as a database would: a copy of its own, never the caller's object.
    const record: StoredAgreement = { name, document: structuredClone(document), createdAt: before?.createdAt ?? at, updatedAt: at };
    this.#agreements.set(name, record);
    this.#audit(audit(before));
    return { record, created: before === undefined };
  }

  async deleteAgreement(name: string, audit: (before: StoredAgreement) => NewAuditEntry): Promise<StoredAgreement | undefined> {
    const before = this.#agreements.get(name);
    if (before === undefined) return undefined;
    this.#agreements.delete(name);
    this.#audit(audit(before));
    return before;
  }
}
