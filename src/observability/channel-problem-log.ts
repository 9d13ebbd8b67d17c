/**
 * Makes a misconfigured channel loud. When an attempt fails on the channel's own configuration (refused credentials,
 * deployment or model not found), a fallback may still serve the request and the client never knows: so every such
 * failure is counted (`interchange_channel_config_failures_total{provider,upstream_model,reason}`) and the first per
 * channel each minute is logged at `warn`, with the upstream's text redacted and how many were not logged since.
 *
 * Memory is bounded: one entry per channel that failed, and channels come from the configuration (a cap guards
 * against anything else). Everything here runs on the failure path only.
 */
import type { GatewayError } from '../errors/index.ts';
import type { ChannelProblem } from '../execution/channel-problems.ts';
import type { AttemptObserver } from '../execution/execution-runtime.ts';
import type { RouteChannel } from '../routing/index.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import { redactSecrets } from './redact-secrets.ts';

export interface WarnLogger {
  warn(fields: object, message: string): void;
}

export interface ChannelProblemLogOptions {
  /** At most one warning per channel in this long; default one minute. */
  readonly intervalMs?: number;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: () => number;
  /** Channels remembered at most; default 4,096. */
  readonly maxChannels?: number;
}

const problemText: Record<ChannelProblem, string> = {
  authentication: 'the upstream refused its credentials',
  not_found: 'its deployment or model was not found upstream',
};

export class ChannelProblemLog {
  readonly #logger: WarnLogger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #maxChannels: number;
  /** By channel id: when it was last logged, and the failures not logged since. */
  readonly #channels = new Map<string, { loggedAt: number; unlogged: number }>();

  constructor(logger: WarnLogger, options: ChannelProblemLogOptions = {}) {
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#maxChannels = options.maxChannels ?? 4_096;
  }

  report(channel: RouteChannel, problem: ChannelProblem, error: GatewayError): void {
    const now = this.#now();
    const seen = this.#channels.get(channel.id);
    if (seen !== undefined && now - seen.loggedAt < this.#intervalMs) {
      seen.unlogged++;
      return;
    }
    if (seen === undefined && this.#channels.size >= this.#maxChannels) this.#channels.clear();
    this.#channels.set(channel.id, { loggedAt: now, unlogged: 0 });
    this.#logger.warn(
      {
        provider: channel.provider,
        upstreamModel: channel.upstreamModel,
        reason: problem,
        status: error.upstream?.status,
        upstreamMessage: redactSecrets(error.message),
        // Failures of this channel since its previous warning that were counted but not logged.
        suppressed: seen?.unlogged ?? 0,
      },
      `channel ${channel.id} is misconfigured: ${problemText[problem]}`,
    );
  }
}

/** The attempt observer the gateway runs with: metrics for every attempt, and the warning about misconfigured channels. */
export function createAttemptObserver(metrics: GatewayMetrics, problems: ChannelProblemLog): AttemptObserver {
  return {
    attempt: (record) => metrics.attempt(record),
    channelProblem(channel, problem, error) {
      metrics.channelProblem(channel.provider, channel.upstreamModel, problem);
      problems.report(channel, problem, error);
    },
  };
}
