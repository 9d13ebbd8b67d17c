/** Master keys as the operator writes them, and AES-256-GCM at rest: round trip, tampering, wrong and unknown keys. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { masterKeysFromEnv, MasterKeyProblem, parseMasterKeys } from './master-keys.ts';
import { decryptSecret, encryptSecret, SecretUnreadable } from './secret-cipher.ts';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const value = 'sk-azure-PLAINTEXT-CANARY-42';

describe('master keys', () => {
  it('reads one key (base64 or hex) with the id "default", or several by id with the first current', () => {
    const one = masterKeysFromEnv({ INTERCHANGE_MASTER_KEY: keyA.toString('base64') })!;
    assert.equal(one.current.id, 'default');
    assert.deepEqual(one.current.key, keyA);
    assert.deepEqual(masterKeysFromEnv({ INTERCHANGE_MASTER_KEY: keyA.toString('hex') })!.current.key, keyA);
    const many = masterKeysFromEnv({ INTERCHANGE_MASTER_KEYS: `2026:${keyB.toString('base64')}, 2025:${keyA.toString('hex')}` })!;
    assert.equal(many.current.id, '2026');
    assert.deepEqual(many.byId.get('2025')!.key, keyA);
    assert.equal(masterKeysFromEnv({}), undefined);
    assert.equal(masterKeysFromEnv({ INTERCHANGE_MASTER_KEY: '  ' }), undefined);
  });

  it('takes exactly 32 bytes: 31 and 33 are refused, in either encoding, without showing the key', () => {
    for (const bytes of [31, 33]) {
      const key = randomBytes(bytes);
      for (const text of [key.toString('base64'), key.toString('hex')]) {
        assert.throws(
          () => masterKeysFromEnv({ INTERCHANGE_MASTER_KEY: text }),
          (error: Error) => error instanceof MasterKeyProblem && /32 bytes/.test(error.message) && !error.message.includes(text),
        );
      }
    }
  });

  it('refuses a malformed list, a repeated id, and both variables at once', () => {
    assert.throws(() => parseMasterKeys(keyA.toString('hex')), /entry 1 is not "id:key"/);
    assert.throws(() => parseMasterKeys(`a b:${keyA.toString('hex')}`), /entry 1 has an id/);
    assert.throws(() => parseMasterKeys(`a:${keyA.toString('hex')},a:${keyB.toString('hex')}`), /"a" appears twice/);
    assert.throws(() => parseMasterKeys(' , '), /names no key/);
    assert.throws(() => masterKeysFromEnv({ INTERCHANGE_MASTER_KEY: keyA.toString('hex'), INTERCHANGE_MASTER_KEYS: `a:${keyB.toString('hex')}` }), /not both/);
  });
});

describe('secret cipher', () => {
  const keys = parseMasterKeys(`a:${keyA.toString('hex')}`);

  it('round-trips, with a fresh IV each time and no plaintext in the stored bytes', () => {
    const first = encryptSecret('azure', value, keys);
    const second = encryptSecret('azure', value, keys);
    assert.equal(first.keyId, 'a');
    assert.equal(first.iv.length, 12);
    assert.notDeepEqual(first.iv, second.iv);
    assert.notDeepEqual(first.ciphertext, second.ciphertext);
    assert.ok(!first.ciphertext.includes(Buffer.from('CANARY')));
    assert.equal(decryptSecret('azure', first, keys), value);
    assert.equal(decryptSecret('empty', encryptSecret('empty', '', keys), keys), '');
  });

  it('refuses a flipped bit in the ciphertext, the tag or the IV, and a value moved to another name', () => {
    const stored = encryptSecret('azure', value, keys);
    const flip = (buffer: Buffer, index: number) => {
      const copy = Buffer.from(buffer);
      copy[index] ^= 1;
      return copy;
    };
    const refused = (error: Error) => error instanceof SecretUnreadable && /"azure"|"other"/.test(error.message) && /"a"/.test(error.message) && !error.message.includes(value);
    assert.throws(() => decryptSecret('azure', { ...stored, ciphertext: flip(stored.ciphertext, 0) }, keys), refused);
    assert.throws(() => decryptSecret('azure', { ...stored, ciphertext: flip(stored.ciphertext, stored.ciphertext.length - 1) }, keys), refused);
    assert.throws(() => decryptSecret('azure', { ...stored, iv: flip(stored.iv, 3) }, keys), refused);
    assert.throws(() => decryptSecret('azure', { ...stored, ciphertext: stored.ciphertext.subarray(0, 15) }, keys), refused);
    assert.throws(() => decryptSecret('other', stored, keys), refused);
  });

  it('refuses a wrong key under the same id, and names a key id it was not given', () => {
    const stored = encryptSecret('azure', value, keys);
    assert.throws(() => decryptSecret('azure', stored, parseMasterKeys(`a:${keyB.toString('hex')}`)), /cannot be decrypted with master key "a": the key is wrong or the stored value was altered/);
    assert.throws(() => decryptSecret('azure', stored, parseMasterKeys(`b:${keyA.toString('hex')}`)), /encrypted under master key "a", which is not among the master keys given/);
  });
});
