/**
 * A circuit breaker per channel, as a pure state machine driven by the caller's clock:
 *
 *   closed ──(failure rate ≥ threshold over the rolling window, with at least `minimumRequests`)──▶ open
 *   open ──(after `openForMs`)──▶ half-open: `allowRequest` admits `halfOpenProbes` probes
 *   half-open ──(`halfOpenProbes` successes)──▶ closed (window cleared)
 *   half-open ──(one failure)──▶ open again (for another `openForMs`)
 *
 * `state(now)` only reads; `allowRequest(now)` takes a probe slot in half-open; `record(outcome, now)` moves the
 * machine. Outcomes arriving while open (requests started before it opened) are ignored. A probe whose outcome never
 * arrives frees its slot after another `openForMs`, so a lost probe cannot wedge the breaker half-open.
 *
 * What counts as a failure is the executor's call: 5xx, timeouts, connection errors and streams failing before their
 * first token are failures; 429 goes to cooldowns instead; a 4xx about the request itself is a success (the channel
 * works). Behind `ChannelBreaker` so that shared state (Redis) can implement it later; routing plans read
 * `BreakerReader.stateOf`, which a shared implementation serves from a locally refreshed snapshot.
 */
import { RollingWindow } from './rolling-window.ts';
import type { BreakerReader, BreakerState, RouteChannel } from './routing-types.ts';

export type BreakerOutcome = 'success' | 'failure';

export interface BreakerSettings {
  /** Failure share in (0, 1] that opens the circuit. */
  readonly failureRate: number;
  /** Requests the window must hold before the rate counts. */
  readonly minimumRequests: number;
  readonly windowMs: number;
  /** Buckets the window is kept in (memory per channel); default 10. */
  readonly buckets?: number;
  /** How long the circuit stays open before probing. */
  readonly openForMs: number;
  /** Probes admitted in half-open; that many successes close the circuit. */
  readonly halfOpenProbes: number;
}

export const defaultBreakerSettings: BreakerSettings = {
  failureRate: 0.5,
  minimumRequests: 10,
  windowMs: 30_000,
  buckets: 10,
  openForMs: 30_000,
  halfOpenProbes: 2,
};

export interface ChannelBreaker {
  state(now: number): BreakerState;
  /** Whether an attempt may go out now; in half-open this takes one of the probe slots. */
  allowRequest(now: number): boolean;
  record(outcome: BreakerOutcome, now: number): void;
}

export function validateBreakerSettings(settings: BreakerSettings): BreakerSettings {
  const problems: string[] = [];
  if (!(settings.failureRate > 0 && settings.failureRate <= 1)) problems.push('failure_rate must be in (0, 1]');
  if (!Number.isInteger(settings.minimumRequests) || settings.minimumRequests < 1) problems.push('minimum_requests must be a positive integer');
  if (!(settings.windowMs > 0)) problems.push('window must be positive');
  if (settings.buckets !== undefined && (!Number.isInteger(settings.buckets) || settings.buckets < 1)) problems.push('buckets must be a positive integer');
  if (!(settings.openForMs > 0)) problems.push('open_for must be positive');
  if (!Number.isInteger(settings.halfOpenProbes) || settings.halfOpenProbes < 1) problems.push('half_open_probes must be a positive integer');
  if (problems.length > 0) throw new RangeError(`Invalid circuit breaker settings: ${problems.join('; ')}.`);
  return settings;
}

type Phase = 'closed' | 'open' | 'half-open';

export class CircuitBreaker implements ChannelBreaker {
  readonly settings: BreakerSettings;
  /** first: failures, second: requests. */
  readonly #window: RollingWindow;
  #phase: Phase = 'closed';
  #openedAt = 0;
  #probesInFlight = 0;
  #probeSuccesses = 0;
  #lastProbeAt = 0;

  constructor(settings: BreakerSettings = defaultBreakerSettings) {
    this.settings = validateBreakerSettings(settings);
    this.#window = new RollingWindow(settings.windowMs, settings.buckets ?? 10);
  }

  state(now: number): BreakerState {
    if (this.#phase === 'open' && now - this.#openedAt >= this.settings.openForMs) return 'half-open';
    return this.#phase;
  }

  allowRequest(now: number): boolean {
    this.#advance(now);
    if (this.#phase === 'closed') return true;
    if (this.#phase === 'open') return false;
    if (this.#probesInFlight >= this.settings.halfOpenProbes && now - this.#lastProbeAt >= this.settings.openForMs) this.#probesInFlight = 0;
    if (this.#probesInFlight >= this.settings.halfOpenProbes) return false;
    this.#probesInFlight++;
    this.#lastProbeAt = now;
    return true;
  }

  record(outcome: BreakerOutcome, now: number): void {
    this.#advance(now);
    if (this.#phase === 'open') return;
    if (this.#phase === 'half-open') {
      if (outcome === 'failure') {
        this.#open(now);
        return;
      }
      if (this.#probesInFlight > 0) this.#probesInFlight--;
      if (++this.#probeSuccesses >= this.settings.halfOpenProbes) this.#close();
      return;
    }
    this.#window.add(outcome === 'failure' ? 1 : 0, 1, now);
    if (outcome === 'success') return;
    const requests = this.#window.second(now);
    if (requests >= this.settings.minimumRequests && this.#window.first(now) >= this.settings.failureRate * requests) this.#open(now);
  }

  #advance(now: number): void {
    if (this.#phase === 'open' && now - this.#openedAt >= this.settings.openForMs) {
      this.#phase = 'half-open';
      this.#probesInFlight = 0;
      this.#probeSuccesses = 0;
    }
  }

  #open(now: number): void {
    this.#phase = 'open';
    this.#openedAt = now;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
  }

  #close(): void {
    this.#phase = 'closed';
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.#window.clear();
  }
}

/** One breaker per channel (by id), created on first use, all with the same settings. */
export class CircuitBreakers implements BreakerReader {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #settings: BreakerSettings;

  constructor(settings: BreakerSettings = defaultBreakerSettings) {
    this.#settings = validateBreakerSettings(settings);
  }

  /** Closes every breaker (operators resetting state; tests). */
  clear(): void {
    this.#breakers.clear();
  }

  for(channel: RouteChannel): CircuitBreaker {
    let breaker = this.#breakers.get(channel.id);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.#settings);
      this.#breakers.set(channel.id, breaker);
    }
    return breaker;
  }

  /** Closed for a channel never seen: reading allocates nothing. */
  stateOf(channel: RouteChannel, now: number): BreakerState {
    const breaker = this.#breakers.get(channel.id);
    return breaker === undefined ? 'closed' : breaker.state(now);
  }
}
