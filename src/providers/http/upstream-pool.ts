/**
 * One keep-alive undici Pool per upstream origin, created at start-up and shared by every request to that origin.
 */
import { Pool } from 'undici';

export interface UpstreamPoolOptions {
  /** Keep-alive connections to the origin. */
  readonly connections: number;
}

export function createUpstreamPool(origin: string, options: UpstreamPoolOptions): Pool {
  return new Pool(origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    // Per-request timeouts are set on each dispatch; these are the pool's ceilings.
    headersTimeout: 600_000,
    bodyTimeout: 600_000,
  });
}
