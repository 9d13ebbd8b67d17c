/**
 * Bedrock prompt caching, deterministically: a `cachePoint` block (in `toolConfig.tools`, `system` or a message)
 * marks the end of a cacheable prefix. The first request with a given prefix writes it to the cache
 * (`cacheWriteInputTokens`); the same prefix again, on the same model within the TTL (`5m` default, or `1h`), reads it
 * (`cacheReadInputTokens`) and refreshes the TTL. Prefixes under 1024 tokens are not cached (both counts 0).
 */

export const CACHE_MINIMUM_TOKENS = 1024;
const MAX_ENTRIES = 100_000;

export const CACHE_TTL_MS: Readonly<Record<string, number>> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

export class PromptCache {
  readonly #expiries = new Map<string, number>();

  /** True when `key` is cached at `now` (a read); otherwise it is written. Either way it lives `ttlMs` from now. */
  touch(key: string, now: number, ttlMs: number): boolean {
    const expiry = this.#expiries.get(key);
    const hit = expiry !== undefined && expiry > now;
    if (!hit && this.#expiries.size >= MAX_ENTRIES) this.#evict(now);
    this.#expiries.set(key, Math.max(expiry !== undefined && hit ? expiry : 0, now + ttlMs));
    return hit;
  }

  clear(): void {
    this.#expiries.clear();
  }

  #evict(now: number): void {
    for (const [key, expiry] of this.#expiries) if (expiry <= now) this.#expiries.delete(key);
    if (this.#expiries.size >= MAX_ENTRIES) this.#expiries.clear();
  }
}
