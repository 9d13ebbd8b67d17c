/**
 * The gateway's Prometheus metrics. Label children are cached per label combination so the hot path pays one Map
 * lookup, not prom-client's label hashing, per observation.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptRecord } from '../execution/attempts.ts';
import type { Usage } from '../spec/index.ts';

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

type Child<T> = T extends Counter<string> ? ReturnType<T['labels']> : T extends Histogram<string> ? ReturnType<T['labels']> : never;

class ChildCache<T extends Counter<string> | Histogram<string>> {
  readonly #metric: T;
  readonly #children = new Map<string, Child<T>>();

  constructor(metric: T) {
    this.#metric = metric;
  }

  get(...values: string[]): Child<T> {
    const key = values.join('\u0000');
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.#metric.labels(...values) as Child<T>;
      this.#children.set(key, child);
    }
    return child;
  }
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: ChildCache<Counter<string>>;
  readonly #duration: ChildCache<Histogram<string>>;
  readonly #firstChunk: ChildCache<Histogram<string>>;
  readonly #attempts: ChildCache<Counter<string>>;
  readonly #attemptDuration: ChildCache<Histogram<string>>;
  readonly #tokens: ChildCache<Counter<string>>;
  readonly #errors: ChildCache<Counter<string>>;
  readonly #fallbacks: ChildCache<Counter<string>>;
  readonly #passovers: ChildCache<Counter<string>>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'interchange_' });
    this.#requests = new ChildCache(
      new Counter({
        name: 'interchange_requests_total',
        help: 'Client requests by endpoint, public model, serving provider and HTTP status.',
        labelNames: ['endpoint', 'model', 'provider', 'status'],
        registers,
      }),
    );
    this.#duration = new ChildCache(
      new Histogram({
        name: 'interchange_request_duration_seconds',
        help: 'Time from request arrival to the last response byte.',
        labelNames: ['endpoint', 'model', 'provider', 'stream'],
        buckets: latencyBuckets,
        registers,
      }),
    );
    this.#firstChunk = new ChildCache(
      new Histogram({
        name: 'interchange_time_to_first_chunk_seconds',
        help: 'Streaming: time from request arrival to the first chunk written to the client.',
        labelNames: ['model', 'provider'],
        buckets: latencyBuckets,
        registers,
      }),
    );
    this.#attempts = new ChildCache(
      new Counter({
        name: 'interchange_upstream_attempts_total',
        help: 'Upstream attempts by provider, upstream model and outcome (ok or the error code).',
        labelNames: ['provider', 'upstream_model', 'outcome'],
        registers,
      }),
    );
    this.#attemptDuration = new ChildCache(
      new Histogram({
        name: 'interchange_upstream_attempt_duration_seconds',
        help: 'Duration of each upstream attempt (to the full body for non-streaming, to the stream end for streaming).',
        labelNames: ['provider', 'upstream_model'],
        buckets: latencyBuckets,
        registers,
      }),
    );
    this.#tokens = new ChildCache(
      new Counter({
        name: 'interchange_tokens_total',
        help: 'Tokens by provider, public model and kind (input, cached_input, cache_write_input, output, reasoning).',
        labelNames: ['provider', 'model', 'kind'],
        registers,
      }),
    );
    this.#errors = new ChildCache(
      new Counter({
        name: 'interchange_errors_total',
        help: 'Errors returned to clients by stable error code.',
        labelNames: ['code'],
        registers,
      }),
    );
    this.#fallbacks = new ChildCache(
      new Counter({
        name: 'interchange_fallbacks_total',
        help: 'Requests served by a channel other than the first one tried.',
        labelNames: ['model'],
        registers,
      }),
    );
    this.#passovers = new ChildCache(
      new Counter({
        name: 'interchange_primary_passover_total',
        help: 'Requests a model\'s primary channel did not serve, by reason (unable_*, declined_*, excluded_*).',
        labelNames: ['reason'],
        registers,
      }),
    );
  }

  passover(reason: string): void {
    this.#passovers.get(reason).inc();
  }

  request(endpoint: string, model: string, provider: string, status: number, seconds: number, stream: boolean): void {
    this.#requests.get(endpoint, model, provider, String(status)).inc();
    this.#duration.get(endpoint, model, provider, stream ? 'true' : 'false').observe(seconds);
  }

  firstChunk(model: string, provider: string, seconds: number): void {
    this.#firstChunk.get(model, provider).observe(seconds);
  }

  attempt(record: AttemptRecord): void {
    this.#attempts.get(record.provider, record.upstreamModel, record.outcome).inc();
    this.#attemptDuration.get(record.provider, record.upstreamModel).observe(record.durationMs / 1000);
  }

  tokens(provider: string, model: string, usage: Usage): void {
    this.#tokens.get(provider, model, 'input').inc(usage.inputTokens.total);
    if (usage.inputTokens.cacheRead > 0) this.#tokens.get(provider, model, 'cached_input').inc(usage.inputTokens.cacheRead);
    if (usage.inputTokens.cacheWrite > 0) this.#tokens.get(provider, model, 'cache_write_input').inc(usage.inputTokens.cacheWrite);
    this.#tokens.get(provider, model, 'output').inc(usage.outputTokens.total);
    if (usage.outputTokens.reasoning > 0) this.#tokens.get(provider, model, 'reasoning').inc(usage.outputTokens.reasoning);
  }

  error(code: string): void {
    this.#errors.get(code).inc();
  }

  fallback(model: string): void {
    this.#fallbacks.get(model).inc();
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
