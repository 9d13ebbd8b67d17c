/**
 * The gateway's Prometheus metrics: our counters and histograms (`metric-families.ts`, updated in place on the hot
 * path) and prom-client's process metrics, in one prom-client registry that renders the text.
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptRecord } from '../execution/attempts.ts';
import type { ChannelProblem } from '../execution/channel-problems.ts';
import type { Usage } from '../spec/index.ts';
import { droppedLogLines } from './logger.ts';
import { CounterFamily, HistogramFamily } from './metric-families.ts';

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: CounterFamily;
  readonly #duration: HistogramFamily;
  readonly #firstChunk: HistogramFamily;
  readonly #attempts: CounterFamily;
  readonly #attemptDuration: HistogramFamily;
  readonly #tokens: CounterFamily;
  readonly #cost: CounterFamily;
  readonly #ledgerFailures: Counter;
  readonly #budgetsPassed: CounterFamily;
  readonly #errors: CounterFamily;
  readonly #fallbacks: CounterFamily;
  readonly #passovers: CounterFamily;
  readonly #channelProblems: CounterFamily;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'interchange_' });
    this.#requests = new CounterFamily({
      name: 'interchange_requests_total',
      help: 'Client requests by endpoint, public model, serving provider and HTTP status.',
      labelNames: ['endpoint', 'model', 'provider', 'status'],
      registers,
    });
    this.#duration = new HistogramFamily({
      name: 'interchange_request_duration_seconds',
      help: 'Time from request arrival to the last response byte.',
      labelNames: ['endpoint', 'model', 'provider', 'stream'],
      buckets: latencyBuckets,
      registers,
    });
    this.#firstChunk = new HistogramFamily({
      name: 'interchange_time_to_first_chunk_seconds',
      help: 'Streaming: time from request arrival to the first chunk written to the client.',
      labelNames: ['model', 'provider'],
      buckets: latencyBuckets,
      registers,
    });
    this.#attempts = new CounterFamily({
      name: 'interchange_upstream_attempts_total',
      help: 'Upstream attempts by provider, upstream model and outcome (ok or the error code).',
      labelNames: ['provider', 'upstream_model', 'outcome'],
      registers,
    });
    this.#attemptDuration = new HistogramFamily({
      name: 'interchange_upstream_attempt_duration_seconds',
      help: 'Duration of each upstream attempt (to the full body for non-streaming, to the stream end for streaming).',
      labelNames: ['provider', 'upstream_model'],
      buckets: latencyBuckets,
      registers,
    });
    this.#tokens = new CounterFamily({
      name: 'interchange_tokens_total',
      help: 'Tokens by provider, public model and kind (input, cached_input, cache_write_input, output, reasoning).',
      labelNames: ['provider', 'model', 'kind'],
      registers,
    });
    this.#cost = new CounterFamily({
      name: 'interchange_cost_micros_total',
      help: 'What requests cost upstream, in micro-units of the metering currency, by provider, public model and tenant id ("none" without a key).',
      labelNames: ['provider', 'model', 'tenant'],
      registers,
    });
    this.#ledgerFailures = new Counter({
      name: 'interchange_ledger_write_failures_total',
      help: 'Ledger batches whose write failed (their entries are retried with the next batch).',
      registers,
    });
    this.#budgetsPassed = new CounterFamily({
      name: 'interchange_budget_exceeded_total',
      help: 'Soft budgets passed, by budget name (once per budget and period).',
      labelNames: ['budget'],
      registers,
    });
    this.#errors = new CounterFamily({
      name: 'interchange_errors_total',
      help: 'Errors returned to clients by stable error code.',
      labelNames: ['code'],
      registers,
    });
    this.#fallbacks = new CounterFamily({
      name: 'interchange_fallbacks_total',
      help: 'Requests served by a channel other than the first one tried.',
      labelNames: ['model'],
      registers,
    });
    this.#passovers = new CounterFamily({
      name: 'interchange_primary_passover_total',
      help: 'Requests a model\'s primary channel did not serve, by reason (unable_*, declined_*, excluded_*).',
      labelNames: ['reason'],
      registers,
    });
    this.#channelProblems = new CounterFamily({
      name: 'interchange_channel_config_failures_total',
      help: "Upstream attempts that failed on the channel's own configuration, by channel and reason (authentication, not_found).",
      labelNames: ['provider', 'upstream_model', 'reason'],
      registers,
    });
    // Read when scraped: the destination counts drops, nothing is done per log line here.
    new Counter({
      name: 'interchange_log_lines_dropped_total',
      help: 'Log lines dropped because stdout did not keep up (the log buffer was full).',
      registers,
      collect() {
        this.reset();
        this.inc(droppedLogLines());
      },
    });
  }

  passover(reason: string): void {
    this.#passovers.inc(1, reason);
  }

  /** Labels are configured names and a reason from a fixed set. */
  channelProblem(provider: string, upstreamModel: string, reason: ChannelProblem): void {
    this.#channelProblems.inc(1, provider, upstreamModel, reason);
  }

  request(endpoint: string, model: string, provider: string, status: number, seconds: number, stream: boolean): void {
    this.#requests.inc(1, endpoint, model, provider, status);
    this.#duration.observe(seconds, endpoint, model, provider, stream);
  }

  firstChunk(model: string, provider: string, seconds: number): void {
    this.#firstChunk.observe(seconds, model, provider);
  }

  attempt(record: AttemptRecord): void {
    this.#attempts.inc(1, record.provider, record.upstreamModel, record.outcome);
    this.#attemptDuration.observe(record.durationMs / 1000, record.provider, record.upstreamModel);
  }

  tokens(provider: string, model: string, usage: Usage): void {
    this.#tokens.inc(usage.inputTokens.total, provider, model, 'input');
    if (usage.inputTokens.cacheRead > 0) this.#tokens.inc(usage.inputTokens.cacheRead, provider, model, 'cached_input');
    if (usage.inputTokens.cacheWrite > 0) this.#tokens.inc(usage.inputTokens.cacheWrite, provider, model, 'cache_write_input');
    this.#tokens.inc(usage.outputTokens.total, provider, model, 'output');
    if (usage.outputTokens.reasoning > 0) this.#tokens.inc(usage.outputTokens.reasoning, provider, model, 'reasoning');
  }

  cost(provider: string, model: string, tenant: string, micros: number): void {
    this.#cost.inc(micros, provider, model, tenant);
  }

  budgetPassed(budget: string): void {
    this.#budgetsPassed.inc(1, budget);
  }

  ledgerWriteFailed(): void {
    this.#ledgerFailures.inc();
  }

  error(code: string): void {
    this.#errors.inc(1, code);
  }

  fallback(model: string): void {
    this.#fallbacks.inc(1, model);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
