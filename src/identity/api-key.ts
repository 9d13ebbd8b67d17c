/**
 * Virtual keys: `ick_<id>_<secret>`. The id (12 hex digits) names the key in the store, in lists and in logs, together
 * with the prefix `ick_<id>`; the secret is 256 random bits (base64url). Only the SHA-256 of the whole key is kept: the
 * secret's entropy makes a plain hash safe, and the id in front lets a check find the one hash to compare, in
 * constant time, instead of searching by hash.
 */
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

const scheme = 'ick_';
const idLength = 12;
const secretBytes = 32;
/** `ick_` + id + `_` + 43 base64url characters. */
const keyLength = scheme.length + idLength + 1 + Math.ceil((secretBytes * 4) / 3);
const idPattern = /^[0-9a-f]{12}$/;

export interface NewKey {
  readonly id: string;
  readonly prefix: string;
  /** The whole key: shown once, never stored. */
  readonly key: string;
  readonly hash: string;
}

export function newKeyId(): string {
  return randomBytes(idLength / 2).toString('hex');
}

/** A new secret for key `id` (a new key, or a rotation keeping the id). */
export function newKey(id: string = newKeyId()): NewKey {
  const key = `${scheme}${id}_${randomBytes(secretBytes).toString('base64url')}`;
  return { id, prefix: prefixOf(id), key, hash: hashKey(key) };
}

export function prefixOf(id: string): string {
  return `${scheme}${id}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key id a presented key claims, or undefined when it is not shaped like one of ours. */
export function keyIdOf(presented: string): string | undefined {
  if (presented.length !== keyLength || !presented.startsWith(scheme) || presented.charCodeAt(scheme.length + idLength) !== 0x5f) return undefined;
  const id = presented.slice(scheme.length, scheme.length + idLength);
  return idPattern.test(id) ? id : undefined;
}

/** Whether `presented` hashes to `expected` (a 32-byte digest), compared in constant time. */
export function keyMatches(presented: string, expected: Buffer): boolean {
  // The one-shot hash: no Hash object per request.
  return timingSafeEqual(hash('sha256', presented, 'buffer'), expected);
}
