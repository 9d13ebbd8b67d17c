/**
 * The operator's master keys, which encrypt stored secrets: `INTERCHANGE_MASTER_KEYS=id1:key1,id2:key2` (the first is
 * current: new values and rotations use it; the others only decrypt), or `INTERCHANGE_MASTER_KEY=key` (one key, id
 * `default`). A key is 32 bytes, written as base64 (44 characters) or hex (64). Messages name key ids, never keys.
 */

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface MasterKeys {
  /** Encrypts new values and rotations. */
  readonly current: MasterKey;
  readonly byId: ReadonlyMap<string, MasterKey>;
}

/** The master keys are written wrongly. The message names the variable and the key id, never a key. */
export class MasterKeyProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyProblem';
  }
}

export const masterKeysVariable = 'INTERCHANGE_MASTER_KEYS';
export const masterKeyVariable = 'INTERCHANGE_MASTER_KEY';
export const defaultKeyId = 'default';

const keyId = /^[A-Za-z0-9._-]{1,64}$/;

/** The master keys in `env`, undefined when neither variable is set (stored secrets are then unavailable). */
export function masterKeysFromEnv(env: Readonly<Record<string, string | undefined>>): MasterKeys | undefined {
  const many = env[masterKeysVariable]?.trim();
  const one = env[masterKeyVariable]?.trim();
  if (many !== undefined && many !== '') {
    if (one !== undefined && one !== '') throw new MasterKeyProblem(`set ${masterKeysVariable} or ${masterKeyVariable}, not both`);
    return parseMasterKeys(many);
  }
  if (one !== undefined && one !== '') return keysOf([{ id: defaultKeyId, key: decodeKey(one, `${masterKeyVariable}`) }]);
  return undefined;
}

/** `id1:key1,id2:key2`, first current. */
export function parseMasterKeys(text: string): MasterKeys {
  const keys = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new MasterKeyProblem(`${masterKeysVariable}: entry ${index + 1} is not "id:key" (ids are letters, digits, ".", "_" or "-")`);
      const id = entry.slice(0, colon);
      if (!keyId.test(id)) throw new MasterKeyProblem(`${masterKeysVariable}: entry ${index + 1} has an id that is not letters, digits, ".", "_" or "-" (at most 64)`);
      return { id, key: decodeKey(entry.slice(colon + 1), `${masterKeysVariable} (key "${id}")`) };
    });
  if (keys.length === 0) throw new MasterKeyProblem(`${masterKeysVariable} names no key; write id:key,id:key (the first one is current)`);
  return keysOf(keys);
}

function keysOf(keys: readonly MasterKey[]): MasterKeys {
  const byId = new Map<string, MasterKey>();
  for (const key of keys) {
    if (byId.has(key.id)) throw new MasterKeyProblem(`${masterKeysVariable}: the key id "${key.id}" appears twice`);
    byId.set(key.id, key);
  }
  return { current: keys[0], byId };
}

function decodeKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]{42,43}={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : undefined;
  if (key === undefined || key.length !== 32) {
    throw new MasterKeyProblem(`${where}: a master key is 32 bytes, written as base64 (44 characters) or hex (64); generate one with "openssl rand -base64 32"`);
  }
  return key;
}
