/**
 * The route trace: what routing decided for one request and what happened when the executor followed it. The plan
 * fills in the candidates and the channels passed over; the executor adds one attempt per call (status and timing)
 * and the winner. It renders as a JSON document (logs, the ledger, `interchange route explain`), as the compact
 * `x-interchange-route` response header, and as the `primary_passover_total{reason}` label.
 *
 * ## `x-interchange-route` grammar
 *
 *     x-interchange-route = entry *( ";" entry ) [ ";+" count ]
 *     entry    = channel ":" verdict
 *     channel  = provider "/" upstream-model    ; bytes outside visible ASCII, and "%" ";" ",", percent-encoded
 *     verdict  = "ok@" ms "ms"                  ; the attempt that answered: time until its response started
 *                                               ;   (first token for streams, whole response otherwise)
 *              / "fail=" failure "@" ms "ms"    ; an attempt that failed: its HTTP status (4xx, 5xx), "malformed"
 *                                               ;   (a 2xx the gateway could not use), or a code (timeout,
 *                                               ;   unavailable, client-closed-request…); ms until the failure
 *              / kind "=" code                  ; passed over without a call (while planning, or at attempt time)
 *     kind     = "unable" / "declined" / "excluded"
 *     code     = 1*( ALPHA / DIGIT / "-" )      ; circuit-open, 429, vision, context, tpm, rule, region, licence-expired…
 *     count    = 1*DIGIT                        ; entries left out to keep the header under 1,024 characters
 *
 * Entries come in the order things happened: channels passed over while planning (in the order considered), then the
 * attempts. The verdict follows the entry's last ":" (upstream model ids may contain ":"). Candidates never reached
 * are not listed. A channel cooling down appears twice when it is tried last: `unable=429`, then its attempt. Every
 * attempt is one entry: a stream that failed after it reached the client is its `fail=` entry (the response header,
 * sent when the stream started, still said `ok`).
 * Example: `azure-eastus/gpt-4o:unable=429;bedrock-use1/openai.gpt-oss-120b-1:0:ok@212ms`.
 */
import { attemptFailureReason, cooldownReason, reasonText, reasons } from './pass-reasons.ts';
import type { PassReason, RouteChannel, RoutePolicyName, SkippedChannel } from './routing-types.ts';

export const routeHeader = 'x-interchange-route';
/** Room for entries, keeping the header under 1,024 characters with a `;+N` marker. */
const headerBudget = 1_024 - 8;

export interface TraceAttempt {
  readonly channel: RouteChannel;
  readonly outcome: 'ok' | 'failed' | 'skipped';
  /** The upstream HTTP status, when a response arrived. */
  readonly status: number | undefined;
  /** The error code for a failure (`upstream_timeout`); undefined otherwise. */
  readonly code: string | undefined;
  /** Skipped at attempt time (breaker refused a probe, cooldown longer than the deadline). */
  readonly reason: PassReason | undefined;
  /** Time until the response started (success) or until the failure; 0 when skipped. */
  readonly elapsedMs: number;
  /** Time to first token, for streams. */
  readonly firstTokenMs: number | undefined;
  /** Whether the response had already reached the client when the attempt failed (no fallback possible). */
  readonly afterCommit: boolean;
}

/** The trace as a plain document. */
export interface RouteTraceRecord {
  readonly model: string;
  readonly policy: RoutePolicyName;
  readonly candidates: readonly string[];
  readonly skipped: ReadonlyArray<{ readonly channel: string; readonly reason: string; readonly deferred: boolean }>;
  readonly attempts: ReadonlyArray<{
    readonly channel: string;
    readonly outcome: TraceAttempt['outcome'];
    readonly status?: number;
    readonly code?: string;
    readonly reason?: string;
    readonly elapsedMs: number;
    readonly firstTokenMs?: number;
    readonly afterCommit?: boolean;
  }>;
  readonly winner: string | undefined;
  readonly primaryPassover: string | undefined;
}

const emptyAttempts: readonly TraceAttempt[] = Object.freeze([]);

export class RouteTrace {
  readonly model: string;
  readonly policy: RoutePolicyName;
  readonly candidates: readonly RouteChannel[];
  readonly skipped: readonly SkippedChannel[];
  /** The route's primary channel, when it has one and the policy is primary-first. */
  readonly primary: RouteChannel | undefined;
  #attempts: TraceAttempt[] | undefined;
  #winner: RouteChannel | undefined;
  /** The header as last rendered (the response and the request log both need it); every new attempt clears it. */
  #header: string | undefined;

  constructor(model: string, policy: RoutePolicyName, candidates: readonly RouteChannel[], skipped: readonly SkippedChannel[], primary: RouteChannel | undefined) {
    this.model = model;
    this.policy = policy;
    this.candidates = candidates;
    this.skipped = skipped;
    this.primary = primary;
  }

  get attempts(): readonly TraceAttempt[] {
    return this.#attempts ?? emptyAttempts;
  }

  get winner(): RouteChannel | undefined {
    return this.#winner;
  }

  #push(attempt: TraceAttempt): void {
    (this.#attempts ??= []).push(attempt);
    this.#header = undefined;
  }

  /** The attempt answered; call when its response starts reaching the client (the header is written then). */
  attemptSucceeded(channel: RouteChannel, elapsedMs: number, firstTokenMs?: number, status = 200): void {
    this.#push({ channel, outcome: 'ok', status, code: undefined, reason: undefined, elapsedMs, firstTokenMs, afterCommit: false });
    this.#winner = channel;
  }

  /**
   * The attempt failed; `afterCommit` when its stream had already reached the client. Such an attempt was recorded as
   * answering when it started: that entry becomes the failure (keeping its first-token time), one entry per attempt.
   */
  attemptFailed(channel: RouteChannel, status: number | undefined, code: string | undefined, elapsedMs: number, afterCommit = false): void {
    const attempts = this.#attempts;
    const started = afterCommit && attempts !== undefined ? attempts[attempts.length - 1] : undefined;
    if (started !== undefined && started.channel === channel && started.outcome === 'ok') {
      attempts![attempts!.length - 1] = { channel, outcome: 'failed', status, code, reason: undefined, elapsedMs, firstTokenMs: started.firstTokenMs, afterCommit };
      this.#header = undefined;
      return;
    }
    this.#push({ channel, outcome: 'failed', status, code, reason: undefined, elapsedMs, firstTokenMs: undefined, afterCommit });
  }

  /** A candidate passed over at attempt time because it is still cooling down after a `retry-after`. */
  attemptCooling(channel: RouteChannel, remainingMs: number): void {
    this.attemptSkipped(channel, cooldownReason(remainingMs));
  }

  /** A candidate passed over at attempt time because its half-open breaker had no probe left. */
  attemptBreakerHalfOpen(channel: RouteChannel): void {
    this.attemptSkipped(channel, reasons.circuitHalfOpen);
  }

  /** A candidate passed over at attempt time. */
  attemptSkipped(channel: RouteChannel, reason: PassReason): void {
    this.#push({ channel, outcome: 'skipped', status: undefined, code: undefined, reason, elapsedMs: 0, firstTokenMs: undefined, afterCommit: false });
  }

  /**
   * Why the primary did not serve this request, or undefined when it did, when no primary applies (policies other
   * than primary-first), or when nothing has decided it yet. Before any attempt it reflects the plan alone.
   */
  primaryPassover(): PassReason | undefined {
    const primary = this.primary;
    if (primary === undefined || this.#winner === primary) return undefined;
    let planned: PassReason | undefined;
    for (const skipped of this.skipped) {
      if (skipped.channel === primary) {
        planned = skipped.reason;
        break;
      }
    }
    // The last thing that happened to the primary decides: an attempt after a deferral, or the plan's reason.
    const attempts = this.#attempts;
    if (attempts !== undefined) {
      for (let index = attempts.length - 1; index >= 0; index--) {
        const attempt = attempts[index];
        if (attempt.channel !== primary) continue;
        if (attempt.outcome === 'skipped') return attempt.reason;
        if (attempt.outcome === 'failed') return attemptFailureReason(attempt.status, attempt.code);
      }
    }
    if (planned !== undefined) return planned;
    if (this.candidates.length > 0 && this.candidates[0] !== primary) {
      // A candidate, but not first: only client preferences reorder past the primary.
      if (this.candidates.includes(primary)) return reasons.orderPreference;
      return reasons.noFallbackPreference;
    }
    return undefined;
  }

  /** `primary_passover_total{reason}`: `unable_circuit_open`, `declined_tpm`, `excluded_region`…; undefined when not passed over. */
  passoverLabel(): string | undefined {
    return this.primaryPassover()?.label;
  }

  /** The compact `x-interchange-route` value (see the grammar above), rendered once per change of the trace. */
  toHeader(): string {
    return (this.#header ??= this.#renderHeader());
  }

  #renderHeader(): string {
    let value = '';
    let left = 0;
    for (const skipped of this.skipped) {
      const entry = `${encodeChannel(skipped.channel)}:${skipped.reason.kind}=${skipped.reason.code}`;
      if (left === 0 && value.length + entry.length < headerBudget) value = value.length === 0 ? entry : `${value};${entry}`;
      else left++;
    }
    for (const attempt of this.attempts) {
      const entry = `${encodeChannel(attempt.channel)}:${verdict(attempt)}`;
      if (left === 0 && value.length + entry.length < headerBudget) value = value.length === 0 ? entry : `${value};${entry}`;
      else left++;
    }
    return left > 0 ? `${value};+${left}` : value;
  }

  toJSON(): RouteTraceRecord {
    const passover = this.primaryPassover();
    return {
      model: this.model,
      policy: this.policy,
      candidates: this.candidates.map((channel) => channel.id),
      skipped: this.skipped.map((skipped) => ({ channel: skipped.channel.id, reason: reasonText(skipped.reason), deferred: skipped.deferred })),
      attempts: this.attempts.map((attempt) => ({
        channel: attempt.channel.id,
        outcome: attempt.outcome,
        ...(attempt.status === undefined ? {} : { status: attempt.status }),
        ...(attempt.code === undefined ? {} : { code: attempt.code }),
        ...(attempt.reason === undefined ? {} : { reason: reasonText(attempt.reason) }),
        elapsedMs: Math.round(attempt.elapsedMs),
        ...(attempt.firstTokenMs === undefined ? {} : { firstTokenMs: Math.round(attempt.firstTokenMs) }),
        ...(attempt.afterCommit ? { afterCommit: true } : {}),
      })),
      winner: this.#winner?.id,
      primaryPassover: passover === undefined ? undefined : reasonText(passover),
    };
  }
}

const unsafe = /[^\x21-\x7e]|[%;,]/g;

function encodeChannel(channel: RouteChannel): string {
  const id = channel.id;
  unsafe.lastIndex = 0;
  if (!unsafe.test(id)) return id;
  return id.replace(unsafe, (character) => {
    let encoded = '';
    for (const byte of Buffer.from(character, 'utf8')) encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    return encoded;
  });
}

function shortCode(code: string | undefined): string {
  if (code === undefined) return 'error';
  const short = code.replace(/^upstream_/, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  return short.length === 0 ? 'error' : short;
}

function verdict(attempt: TraceAttempt): string {
  const ms = Math.round(attempt.elapsedMs);
  if (attempt.outcome === 'ok') return `ok@${ms}ms`;
  if (attempt.outcome === 'skipped') return `${attempt.reason!.kind}=${attempt.reason!.code}`;
  return `fail=${failure(attempt)}@${ms}ms`;
}

function failure(attempt: TraceAttempt): string | number {
  const status = attempt.status;
  if (status === undefined) return shortCode(attempt.code);
  if (status >= 400) return status;
  // A 2xx whose body or stream the gateway could not use: its status would read as a success.
  return attempt.code === 'upstream_error' ? 'malformed' : shortCode(attempt.code);
}

export interface RouteHeaderEntry {
  readonly channel: string;
  readonly verdict: string;
}

/** Splits an `x-interchange-route` value into entries (channel decoded); `+N` truncation markers are dropped. */
export function parseRouteHeader(value: string): RouteHeaderEntry[] {
  const entries: RouteHeaderEntry[] = [];
  for (const entry of value.split(';')) {
    if (entry.length === 0 || entry.startsWith('+')) continue;
    const colon = entry.lastIndexOf(':');
    if (colon <= 0) continue;
    entries.push({ channel: decodeURIComponent(entry.slice(0, colon)), verdict: entry.slice(colon + 1) });
  }
  return entries;
}
