/**
 * What executing a request needs from the running gateway: the adapters by provider name, the limits, and an observer
 * for attempts (metrics). Built once at start-up.
 */
import type { LimitsConfig, ProviderConfig, RetryConfig } from '../config/types.ts';
import type { Cancellation } from '../lib/cancellation.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import type { RoutingState } from './routing-runtime.ts';
import type { AttemptRecord } from './attempts.ts';

export interface AttemptObserver {
  attempt(record: AttemptRecord): void;
}

export interface ExecutionRuntime {
  readonly adapters: ReadonlyMap<string, ProviderAdapter>;
  readonly providers: ReadonlyMap<string, ProviderConfig>;
  readonly limits: LimitsConfig;
  readonly observer: AttemptObserver;
  /** Routes, licences and per-channel state (breakers, cooldowns, capacity, latency). */
  readonly routing: RoutingState;
  readonly retries: RetryConfig;
}

/** One client request's scope: identity, cancellation (client gone or deadline passed) and its deadline. */
export interface RequestScope {
  readonly requestId: string;
  readonly cancellation: Cancellation;
  /** `performance.now()` value after which no attempt may start. */
  readonly deadline: number;
}
