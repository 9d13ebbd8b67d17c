/**
 * Stored secrets (cloud credentials the configuration references as `${secret:NAME}`), encrypted before they reach the
 * store: the store holds the ciphertext, its IV and the id of the master key that encrypted it, never a plaintext.
 * Like the identity store, asynchronous and never touched per request: read when the configuration is loaded, written
 * by the admin plane. Every write appends its audit entry (to the same audit log as tenants and keys) atomically.
 */
import type { NewAuditEntry } from './identity-store.ts';

export interface EncryptedValue {
  /** The master key's id. */
  readonly keyId: string;
  /** 96 bits, fresh for every value. */
  readonly iv: Buffer;
  /** The ciphertext followed by the 128-bit authentication tag. */
  readonly ciphertext: Buffer;
}

export interface SecretRecord extends EncryptedValue {
  readonly name: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SecretStore {
  /** By name. */
  listSecrets(): Promise<SecretRecord[]>;
  getSecret(name: string): Promise<SecretRecord | undefined>;
  /**
   * Creates or replaces a value; a replacement keeps `createdAt`. `audit` gets whether the name existed. Resolves to the
   * record as stored and whether it was created.
   */
  putSecret(name: string, value: EncryptedValue, at: number, audit: (created: boolean) => NewAuditEntry): Promise<{ readonly record: SecretRecord; readonly created: boolean }>;
  /** False (and nothing audited) when there was no such secret. */
  deleteSecret(name: string, audit: NewAuditEntry): Promise<boolean>;
  /**
   * Replaces every value with `reencrypt`'s, in one transaction: if it throws for any, nothing changes. `audit` is
   * appended with the number of values changed.
   */
  reencryptAll(reencrypt: (record: SecretRecord) => EncryptedValue | undefined, at: number, audit: (changed: readonly string[]) => NewAuditEntry): Promise<readonly string[]>;
}
