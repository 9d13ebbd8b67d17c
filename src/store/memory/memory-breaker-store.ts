/**
 * `BreakerStore` in process memory: one state machine per key (see `BreakerStore` for the transitions), created on the
 * first write, all with the store's settings.
 *
 * What counts as a failure is the executor's call: 5xx, timeouts, connection errors and streams failing before their
 * first token are failures; 429 goes to cooldowns instead; a 4xx about the request itself is a success (the channel
 * works).
 */
import { defaultBreakerBuckets, defaultBreakerSettings, validateBreakerSettings, type BreakerSettings } from '../breaker-settings.ts';
import type { BreakerOutcome, BreakerState, BreakerStore } from '../state-stores.ts';
import { RollingWindow } from './rolling-window.ts';

type Phase = 'closed' | 'open' | 'half-open';

class CircuitBreaker {
  readonly settings: BreakerSettings;
  /** first: failures, second: requests. */
  readonly #window: RollingWindow;
  #phase: Phase = 'closed';
  #openedAt = 0;
  #probesInFlight = 0;
  #probeSuccesses = 0;
  #lastProbeAt = 0;

  constructor(settings: BreakerSettings) {
    this.settings = settings;
    this.#window = new RollingWindow(settings.windowMs, settings.buckets ?? defaultBreakerBuckets);
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
    // A quotient of two integers rounds exactly like the configured share does (7 / 100 === 0.07), where the
    // product `0.07 * 100` falls just above 7 and would miss a share exactly at the threshold.
    if (requests >= this.settings.minimumRequests && this.#window.first(now) / requests >= this.settings.failureRate) this.#open(now);
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

export class MemoryBreakerStore implements BreakerStore {
  readonly settings: BreakerSettings;
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(settings: BreakerSettings = defaultBreakerSettings) {
    this.settings = validateBreakerSettings(settings);
  }

  /** Closed for a key never seen: reading allocates nothing. */
  stateOf(key: string, now: number): BreakerState {
    const breaker = this.#breakers.get(key);
    return breaker === undefined ? 'closed' : breaker.state(now);
  }

  allowRequest(key: string, now: number): boolean {
    const breaker = this.#breakers.get(key);
    // A key never recorded is closed: admitting it needs no entry.
    return breaker === undefined ? true : breaker.allowRequest(now);
  }

  record(key: string, outcome: BreakerOutcome, now: number): void {
    let breaker = this.#breakers.get(key);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.settings);
      this.#breakers.set(key, breaker);
    }
    breaker.record(outcome, now);
  }

  clear(): void {
    this.#breakers.clear();
  }

  /** Keys holding a breaker (memory tests). */
  get size(): number {
    return this.#breakers.size;
  }
}
