/**
 * What executing a request needs from the running gateway: the adapters by provider name, the limits, and an observer
 * for attempts (metrics, and the warning about a misconfigured channel). Built once at start-up.
 */
import type { LimitsConfig, ProviderConfig, RetryConfig } from '../config/types.ts';
import type { Cancellation } from '../lib/cancellation.ts';
import type { GatewayError } from '../errors/index.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import type { RouteChannel } from '../routing/index.ts';
import type { RoutingState } from './routing-runtime.ts';
import type { AttemptRecord } from './attempts.ts';
import type { ChannelProblem } from './channel-problems.ts';

export interface AttemptObserver {
  attempt(record: AttemptRecord): void;
  /**
   * An attempt failed on the channel's own configuration (refused credentials, deployment or model not found), even
   * if another channel then served. `error` is the upstream's, with its own text: whoever logs it redacts it.
   */
  channelProblem(channel: RouteChannel, problem: ChannelProblem, error: GatewayError): void;
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
