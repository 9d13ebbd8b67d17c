/**
 * The interfaces behind which routing keeps the live state every gateway process will later share: circuit breakers,
 * cooldowns after `retry-after`, capacity windows (TPM/RPM), latency averages and round-robin turns. Routing reads them
 * while planning; the attempt loop writes them. Today one in-memory set serves one process (`createMemoryStores`); a
 * shared (Redis) set implements the same interfaces and must pass the same conformance suites (`./conformance/`).
 *
 * HOT-PATH CONTRACT: what every implementation guarantees, and what a shared one is held to.
 *
 *  1. Synchronous, no per-request promise. Every method returns a plain value. The route planner is synchronous and
 *     pure: it reads through the `*Reader` halves below and never waits; the only write it makes is `TurnCounter.next`.
 *     The attempt loop writes with plain calls and never awaits state.
 *  2. Reads are answered from a replica-local view. A shared implementation refreshes that view in the background (on
 *     its own timer or subscription, never triggered by a read); routing accepts a view stale by that refresh interval.
 *  3. Writes apply to the local view at once, so the same instance reads its own writes immediately (the conformance
 *     suites rely on this), and may be forwarded to the shared state asynchronously: batched, fire-and-forget, never
 *     awaited per request, no I/O on the caller's stack; each call is O(1). A forward that fails is the
 *     implementation's to log and drop or retry; no method throws because the shared backend is slow or unreachable
 *     (the local view keeps serving).
 *  4. Keys are strings computed once at start-up, never object identity: a channel's key is `RouteChannel.id`,
 *     `<provider>/<upstreamModel>` (configuration restricts provider names to `[A-Za-z0-9][A-Za-z0-9._-]*`, so the
 *     first `/` splits the key unambiguously); a round-robin counter's key is the public model name. Both are stable
 *     across processes and restarts, which is what lets replicas find each other's state. A shared implementation adds
 *     its own namespace prefix.
 *  5. Reading a key never seen returns the neutral value (`closed`, 0, `undefined`) and creates nothing. A call creates
 *     no object beyond the entry a new key needs once (no per-request closures, arrays or promises).
 *  6. Time is injected: every time-dependent method takes `now` in epoch milliseconds (`Date.now()`), the same clock
 *     for every caller; no method reads a clock (a shared implementation's background refresh keeps its own timer).
 *     Windowed state treats a `now` earlier than the latest it saw as that latest time (a clock stepping back neither
 *     resurrects nor drops data). Randomness never enters a store.
 *  7. `clear()` is an operator's reset (and tests'): the local view at once, the shared state when forwarded.
 *
 * Across replicas (what a shared implementation should aim for; the suites test one instance):
 *  - breakers: outcomes are summed into one shared window and the open/close transitions are shared, the first replica
 *    to open a breaker setting its opening time; half-open probe slots are counted per local view, so up to
 *    `halfOpenProbes` probes per replica may be in flight;
 *  - cooldowns: the latest `until` wins everywhere (a max-merge: commutative and idempotent);
 *  - capacity: increments are summed per bucket across replicas; a replica may overshoot a limit by what the others
 *    recorded within one refresh interval;
 *  - latency: each replica may keep its own average, or blend the replicas' averages;
 *  - round-robin turns: each replica may rotate on its own (it spreads load just as well).
 */
import type { BreakerSettings } from './breaker-settings.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the attempt loop reports. 429 goes to cooldowns, and a 4xx about the request counts as a success. */
export type BreakerOutcome = 'success' | 'failure';

/** Circuit state per channel, read while planning. */
export interface BreakerReader {
  /** The state at `now`; `closed` for a key never recorded. Reads only: takes no probe slot. */
  stateOf(key: string, now: number): BreakerState;
}

/**
 * One circuit breaker per key, all with the store's settings, as a state machine driven by the caller's clock:
 *
 *   closed ──(a failure is recorded while the rolling window holds ≥ `minimumRequests` requests and
 *             failures / requests ≥ `failureRate`)──▶ open
 *   open ──(`openForMs` after opening: at exactly `openedAt + openForMs`)──▶ half-open
 *   half-open: `allowRequest` admits exactly `halfOpenProbes` probes; `halfOpenProbes` successes ──▶ closed
 *              (window emptied); one failure ──▶ open again, for another full `openForMs`
 *
 * The rule is evaluated when a failure is recorded (a success never opens a breaker). Outcomes recorded while open are
 * ignored (requests that started before it opened). A probe slot whose outcome never arrives is freed `openForMs` after
 * the latest probe was admitted, so a lost probe cannot wedge the breaker half-open. The window is `windowMs` long in
 * `buckets` buckets, with the bucket semantics of `CapacityStore`.
 */
export interface BreakerStore extends BreakerReader {
  readonly settings: BreakerSettings;
  /** Whether an attempt may go out now: always when closed, never when open; in half-open it takes a probe slot. */
  allowRequest(key: string, now: number): boolean;
  record(key: string, outcome: BreakerOutcome, now: number): void;
  /** Closes every breaker. */
  clear(): void;
}

/** Time left before a channel that answered 429/503 with `retry-after` may be called again. */
export interface CooldownReader {
  /** Milliseconds left at `now`: `until - now` while positive, otherwise 0 (a cooldown ending at `now` is over). */
  remainingMs(key: string, now: number): number;
}

export interface CooldownStore extends CooldownReader {
  /** Cools the key down until `until` (epoch milliseconds); the later of two wins, an earlier one changes nothing. */
  coolDown(key: string, until: number): void;
  clear(): void;
}

/**
 * Tokens and requests per key over a rolling window, kept in buckets: with `bucketMs = windowMs / buckets`, a value
 * recorded at `t` counts in every read at `now` while `floor(now / bucketMs) - floor(t / bucketMs) < buckets`, i.e.
 * for between `windowMs - bucketMs` and `windowMs`. Defaults: 60,000 ms in 60 buckets (one second each).
 */
export interface CapacityReader {
  tokens(key: string, now: number): number;
  requests(key: string, now: number): number;
}

export interface CapacityStore extends CapacityReader {
  readonly windowMs: number;
  readonly buckets: number;
  /**
   * Adds `tokens` and `requests` at `now`. Negative values correct an earlier estimate; a correction takes off at most
   * what the window holds at `now`, and reads never go below zero, so an over-correction leaves no phantom usage
   * behind once the buckets roll out.
   */
  record(key: string, tokens: number, requests: number, now: number): void;
  clear(): void;
}

/** Time to first token per channel as an exponentially weighted moving average. */
export interface LatencyReader {
  /** Undefined until the key has been observed. */
  averageMs(key: string): number | undefined;
}

export interface LatencyStore extends LatencyReader {
  /** Weight of the newest observation, in (0, 1]. */
  readonly alpha: number;
  /**
   * The first observation is the average; each next one moves it by `alpha × (observation − average)`, so older
   * observations weigh `(1 − alpha)^age`. Negative and non-numeric observations are ignored.
   */
  observe(key: string, milliseconds: number): void;
  clear(): void;
}

/** Round-robin turns: the planner's one write. */
export interface TurnCounter {
  /** 0 for a fresh key, then successive integers, wrapping to 0 after 0x3fffffff (well within integer precision). */
  next(key: string): number;
}

export interface CounterStore extends TurnCounter {
  clear(): void;
}

/** The whole set routing runs on: what `createRoutingState` takes. */
export interface Stores {
  readonly breakers: BreakerStore;
  readonly cooldowns: CooldownStore;
  readonly capacity: CapacityStore;
  readonly latency: LatencyStore;
  readonly roundRobin: CounterStore;
}

/** Rolling window shape. */
export interface WindowOptions {
  readonly windowMs: number;
  readonly buckets: number;
}

/** What a store set is built with; every field has the default routing has always used. */
export interface StoreOptions {
  readonly breaker?: BreakerSettings | undefined;
  /** Default 60,000 ms in 60 buckets. */
  readonly capacity?: WindowOptions | undefined;
  /** Default 0.3. */
  readonly latencyAlpha?: number | undefined;
}
