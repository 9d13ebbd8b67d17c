/**
 * Admin tokens as SHA-256 digests: made once from the configuration, and compared in constant time with the digest of
 * what a request presents, every token each time, so the time taken does not say which one matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type AdminTokenDigests = ReadonlyArray<readonly [name: string, digest: Buffer]>;

export function adminTokenDigests(tokens: Readonly<Record<string, string>>): AdminTokenDigests {
  return Object.entries(tokens).map(([name, token]) => [name, digest(token)] as const);
}

/** The name of the token `presented` is, or undefined. */
export function adminTokenName(digests: AdminTokenDigests, presented: string): string | undefined {
  const presentedDigest = digest(presented);
  let name: string | undefined;
  for (const [candidate, expected] of digests) if (timingSafeEqual(presentedDigest, expected) && name === undefined) name = candidate;
  return name;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
