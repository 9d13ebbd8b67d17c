/**
 * `${secret:NAME}` references resolved from the store the configuration names, when the gateway starts and on every
 * reload: the stored values are read once per load and only the referenced ones are decrypted. Every problem (no
 * master key, an unknown name, a wrong key) is a configuration problem naming the secret and the key id.
 */
import type { SecretLookup, SecretSource } from '../config/load-config.ts';
import type { StoreConfig } from '../config/types.ts';
import type { SecretRecord } from '../store/secret-store.ts';
import { openSqlite } from '../store/sqlite/sqlite-database.ts';
import { SqliteSecretStore } from '../store/sqlite/sqlite-secret-store.ts';
import { masterKeysFromEnv, MasterKeyProblem, type MasterKeys } from './master-keys.ts';
import { decryptSecret, SecretUnreadable } from './secret-cipher.ts';

/** The source `interchange serve` loads with: the configured store's secrets, under the master keys in `env`. */
export function storedSecretSource(env: Readonly<Record<string, string | undefined>> = process.env): SecretSource {
  return async (store) => {
    let keys: MasterKeys | undefined;
    try {
      keys = masterKeysFromEnv(env);
    } catch (error) {
      if (!(error instanceof MasterKeyProblem)) throw error;
      const message = error.message;
      return (name) => ({ problem: `the stored secret "${name}" cannot be decrypted: ${message}` });
    }
    if (store.kind === 'memory') {
      return (name) => ({ problem: `no stored secret "${name}": the store is in memory (store.kind: memory), where nothing is kept from one start to the next; stored secrets need store.kind: sqlite` });
    }
    return secretLookup(await readSecrets(store), keys, store.path);
  };
}

/** A lookup over records already read. `where` names the store in messages. */
export function secretLookup(records: readonly SecretRecord[], keys: MasterKeys | undefined, where: string): SecretLookup {
  const byName = new Map(records.map((record) => [record.name, record]));
  return (name) => {
    const record = byName.get(name);
    if (record === undefined) return { problem: `no stored secret "${name}" in the store ${JSON.stringify(where)}; store it with PUT /admin/secrets/${name} (interchange secrets set ${name})` };
    if (keys === undefined) return { problem: `the stored secret "${name}" (master key "${record.keyId}") cannot be decrypted: no master key is given; set INTERCHANGE_MASTER_KEY or INTERCHANGE_MASTER_KEYS` };
    try {
      return { value: decryptSecret(name, record, keys) };
    } catch (error) {
      if (error instanceof SecretUnreadable) return { problem: error.message };
      throw error;
    }
  };
}

async function readSecrets(store: StoreConfig): Promise<SecretRecord[]> {
  // Its own connection, closed at once: the gateway opens the store again (and a reload reads what the admin plane wrote).
  const { database } = openSqlite(store.path);
  try {
    return await new SqliteSecretStore(database).listSecrets();
  } finally {
    database.close();
  }
}
