/**
 * Why a channel was passed over: `unable` (it cannot serve: circuit open, cooling down after a 429, a missing
 * capability), `declines` (it could, but chooses not to: its capacity window is full, a decline rule matches) or
 * `excluded` (the request's constraints rule it out: region, data policy, licence, client preferences).
 *
 * Reasons without a variable part are shared constants, so passing a channel over for a missing capability
 * allocates nothing; the others are built only when they occur.
 */
import type { PassKind, PassReason } from './routing-types.ts';

export function passReason(kind: PassKind, code: string, detail: string): PassReason {
  return { kind, code, detail, label: `${kind}_${code.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}` };
}

/** `unable: circuit open`. */
export function reasonText(reason: PassReason): string {
  return `${reason.kind}: ${reason.detail}`;
}

export const reasons = {
  circuitOpen: passReason('unable', 'circuit-open', 'circuit open'),
  /** At attempt time: the breaker is half-open and its probes are taken. */
  circuitHalfOpen: passReason('unable', 'circuit-half-open', 'circuit half-open, probes busy'),
  noVision: passReason('unable', 'vision', 'no vision'),
  noTools: passReason('unable', 'tools', 'no tools'),
  noJsonSchema: passReason('unable', 'json-schema', 'no json schema'),
  noStreaming: passReason('unable', 'streaming', 'no streaming'),
  onlyPreference: passReason('excluded', 'preference-only', 'preference only'),
  ignorePreference: passReason('excluded', 'preference-ignore', 'preference ignore'),
  orderPreference: passReason('excluded', 'preference-order', 'preference order'),
  noFallbackPreference: passReason('excluded', 'preference-no-fallback', 'preference no fallback'),
  zeroRetention: passReason('excluded', 'data-policy', 'data policy zero retention required'),
  zeroRetentionPreference: passReason('excluded', 'preference-zdr', 'preference zdr'),
  keyProvider: passReason('excluded', 'key-provider', 'provider not allowed for the key'),
} as const;

const thousands = /\B(?=(\d{3})+(?!\d))/g;

/** 2000000 → `2,000,000` (no Intl, no locale). */
export function formatCount(value: number): string {
  return String(Math.round(value)).replace(thousands, ',');
}

/** `unable: 429 retry-after 2s` (seconds rounded up). */
export function cooldownReason(remainingMs: number): PassReason {
  return passReason('unable', '429', `429 retry-after ${Math.ceil(remainingMs / 1000)}s`);
}

export function contextReason(tokens: number, window: number): PassReason {
  return passReason('unable', 'context', `context ${formatCount(tokens)} > ${formatCount(window)}`);
}

export function maxOutputReason(limit: number): PassReason {
  return passReason('unable', 'max-output', `max output ${formatCount(limit)}`);
}

const imageTypeToken = /^image\/[a-z0-9.+-]{1,40}$/;

/**
 * `unable: image type image/gif`: the channel does not take an inline image of this type. The type is the client's,
 * so anything that is not a plain media type is shown quoted and cut short.
 */
export function imageTypeReason(mediaType: string): PassReason {
  const shown = imageTypeToken.test(mediaType) ? mediaType : JSON.stringify(mediaType.slice(0, 40));
  return passReason('unable', 'image-type', `image type ${shown}`);
}

/** `declined: capacity tpm 2,000,000 reached`. */
export function capacityReason(limit: 'tpm' | 'rpm', value: number | undefined): PassReason {
  return passReason('declined', limit, `capacity ${limit} ${value === undefined ? '' : `${formatCount(value)} `}reached`);
}

/** `declined: rule night-batch` (the code is the rule's kind, never its name: the metric label stays bounded). */
export function declineRuleReason(kind: string, name: string): PassReason {
  return passReason('declined', kind, `${kind} ${name}`);
}

/** `excluded: region eu-only`; `preference` when the client asked for it. */
export function regionReason(allowed: readonly string[], preference: boolean): PassReason {
  const detail = `region ${allowed.join('|')}-only`;
  return preference ? passReason('excluded', 'preference-region', `preference ${detail}`) : passReason('excluded', 'region', detail);
}

/** An attempt that failed on the primary, for the pass-over label: `unable_429`, `unable_5xx`, `unable_timeout`. */
export function attemptFailureReason(status: number | undefined, code: string | undefined): PassReason {
  if (status === 429) return passReason('unable', '429', 'attempt 429');
  if (status !== undefined && status >= 500) return passReason('unable', '5xx', `attempt ${status}`);
  if (code !== undefined && /timeout/.test(code)) return passReason('unable', 'timeout', 'attempt timed out');
  return passReason('unable', 'error', `attempt failed${status === undefined ? '' : ` ${status}`}${code === undefined ? '' : ` (${code})`}`);
}
