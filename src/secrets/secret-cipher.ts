/**
 * Stored secrets at rest: AES-256-GCM under a master key, a fresh 96-bit IV per value, and the secret's name as
 * associated data, so a value copied onto another name does not decrypt. The key id is stored with the value, so a
 * rotation can tell which values still use an old key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptedValue } from '../store/secret-store.ts';
import type { MasterKeys } from './master-keys.ts';

const algorithm = 'aes-256-gcm';
const ivBytes = 12;
const tagBytes = 16;

/** A stored value that cannot be decrypted. The message names the secret and the key id, never a value or a key. */
export class SecretUnreadable extends Error {
  readonly secret: string;
  readonly keyId: string;
  constructor(secret: string, keyId: string, reason: 'unknown key' | 'wrong key or tampered') {
    super(
      reason === 'unknown key'
        ? `the stored secret "${secret}" is encrypted under master key "${keyId}", which is not among the master keys given (INTERCHANGE_MASTER_KEYS)`
        : `the stored secret "${secret}" cannot be decrypted with master key "${keyId}": the key is wrong or the stored value was altered`,
    );
    this.name = 'SecretUnreadable';
    this.secret = secret;
    this.keyId = keyId;
  }
}

export function encryptSecret(name: string, value: string, keys: MasterKeys): EncryptedValue {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv(algorithm, keys.current.key, iv, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { keyId: keys.current.id, iv, ciphertext };
}

export function decryptSecret(name: string, stored: EncryptedValue, keys: MasterKeys): string {
  const master = keys.byId.get(stored.keyId);
  if (master === undefined) throw new SecretUnreadable(name, stored.keyId, 'unknown key');
  if (stored.iv.length !== ivBytes || stored.ciphertext.length < tagBytes) throw new SecretUnreadable(name, stored.keyId, 'wrong key or tampered');
  try {
    const decipher = createDecipheriv(algorithm, master.key, stored.iv, { authTagLength: tagBytes });
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(stored.ciphertext.subarray(stored.ciphertext.length - tagBytes));
    return Buffer.concat([decipher.update(stored.ciphertext.subarray(0, stored.ciphertext.length - tagBytes)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnreadable(name, stored.keyId, 'wrong key or tampered');
  }
}
