/**
 * The fault-injection grammar shared by every emulator, and the prompt marker that carries it.
 *
 * A spec is a comma-separated list of items, `name` or `name=value`:
 *   status=<400..599>   answer with that HTTP error, in the vendor's own error format
 *   code=<word>         with status: the vendor error code to use (e.g. `insufficient_quota`); with error-after: the
 *                       in-stream error's code where the vendor has several (Bedrock: the exception type)
 *   retry-after=<s>     with status: the `retry-after` header in whole seconds (429 defaults to 1)
 *   retry-after-ms=<ms> with status: also send `retry-after-ms`
 *   reset               destroy the connection before any response byte
 *   delay-headers=<ms>  wait before sending the status line and headers
 *   delay-chunks=<ms>   wait between stream events
 *   cut-after=<n>       streaming: destroy the connection after n events; otherwise after n body bytes
 *   error-after=<n>     streaming: after n events, the vendor's in-stream error event, then the end of the body
 *   malformed           streaming: one invalid event; otherwise a truncated JSON body
 *   none                no fault (lets one request opt out of an emulator-wide fault)
 * Imports nothing from the project.
 */

export interface Fault {
  /** The spec as given, for logs. */
  readonly spec: string;
  /** HTTP error status to answer with; 0 when none. */
  readonly status: number;
  /** Vendor error code override for `status` (or, with `errorAfter`, for the in-stream error where supported). */
  readonly code: string | undefined;
  /** `retry-after` in seconds, when given. */
  readonly retryAfter: number | undefined;
  /** `retry-after-ms` in milliseconds, when given. */
  readonly retryAfterMs: number | undefined;
  readonly reset: boolean;
  /** Milliseconds to wait before the headers; 0 when none. */
  readonly delayHeaders: number;
  /** Milliseconds to wait between stream events; 0 when none. */
  readonly delayChunks: number;
  /** Events (streaming) or body bytes (otherwise) to send before the connection is destroyed; -1 when none. */
  readonly cutAfter: number;
  /** Streaming: events to send before the vendor's in-stream error event ends the stream; -1 when none. */
  readonly errorAfter: number;
  readonly malformed: boolean;
}

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

/** The header that carries a per-request fault. */
export const FAULT_HEADER = 'x-emulator-fault';

export const NO_FAULT: Fault = Object.freeze({
  spec: 'none',
  status: 0,
  code: undefined,
  retryAfter: undefined,
  retryAfterMs: undefined,
  reset: false,
  delayHeaders: 0,
  delayChunks: 0,
  cutAfter: -1,
  errorAfter: -1,
  malformed: false,
});

const FAULT_NAMES = [
  'status',
  'code',
  'retry-after',
  'retry-after-ms',
  'reset',
  'delay-headers',
  'delay-chunks',
  'cut-after',
  'error-after',
  'malformed',
  'none',
] as const;
type FaultName = (typeof FAULT_NAMES)[number];

const FLAG_NAMES: ReadonlySet<string> = new Set(['reset', 'malformed', 'none']);
const MAX_DELAY_MS = 600_000;

const cache = new Map<string, Fault | FaultSpecError>();
const CACHE_LIMIT = 512;

/** Parses a fault spec; throws `FaultSpecError` with a precise message. Results are cached by spec text. */
export function parseFault(spec: string): Fault {
  let parsed = cache.get(spec);
  if (parsed === undefined) {
    try {
      parsed = parseUncached(spec);
    } catch (error) {
      if (!(error instanceof FaultSpecError)) throw error;
      parsed = error;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(spec, parsed);
  }
  if (parsed instanceof FaultSpecError) throw new FaultSpecError(parsed.message);
  return parsed;
}

/** True when the fault does nothing. */
export function isNoFault(fault: Fault): boolean {
  return (
    fault.status === 0 &&
    !fault.reset &&
    fault.delayHeaders === 0 &&
    fault.delayChunks === 0 &&
    fault.cutAfter < 0 &&
    fault.errorAfter < 0 &&
    !fault.malformed
  );
}

function parseUncached(spec: string): Fault {
  const text = spec.trim();
  if (text === '' || text === 'none') return NO_FAULT;
  const seen = new Set<FaultName>();
  let status = 0;
  let code: string | undefined;
  let retryAfter: number | undefined;
  let retryAfterMs: number | undefined;
  let reset = false;
  let delayHeaders = 0;
  let delayChunks = 0;
  let cutAfter = -1;
  let errorAfter = -1;
  let malformed = false;
  for (const rawItem of text.split(',')) {
    const item = rawItem.trim();
    if (item === '') throw new FaultSpecError(`invalid fault spec '${spec}': empty item`);
    const equals = item.indexOf('=');
    const name = (equals < 0 ? item : item.slice(0, equals)).trim().toLowerCase();
    const value = equals < 0 ? undefined : item.slice(equals + 1).trim();
    if (!(FAULT_NAMES as readonly string[]).includes(name)) {
      throw new FaultSpecError(
        `invalid fault spec '${spec}': unknown fault '${name}'; known: ${FAULT_NAMES.join(', ')}`,
      );
    }
    const known = name as FaultName;
    if (seen.has(known)) throw new FaultSpecError(`invalid fault spec '${spec}': '${name}' given twice`);
    seen.add(known);
    if (FLAG_NAMES.has(name)) {
      if (value !== undefined) throw new FaultSpecError(`invalid fault spec '${spec}': '${name}' takes no value`);
    } else if (value === undefined || value === '') {
      throw new FaultSpecError(`invalid fault spec '${spec}': '${name}' needs a value (${name}=…)`);
    }
    switch (known) {
      case 'status':
        status = integerIn(spec, name, value, 400, 599);
        break;
      case 'code':
        if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(value as string)) {
          throw new FaultSpecError(`invalid fault spec '${spec}': code must be a word, got '${value}'`);
        }
        code = value;
        break;
      case 'retry-after':
        retryAfter = integerIn(spec, name, value, 0, 86_400);
        break;
      case 'retry-after-ms':
        retryAfterMs = integerIn(spec, name, value, 0, 86_400_000);
        break;
      case 'reset':
        reset = true;
        break;
      case 'delay-headers':
        delayHeaders = integerIn(spec, name, value, 0, MAX_DELAY_MS);
        break;
      case 'delay-chunks':
        delayChunks = integerIn(spec, name, value, 0, MAX_DELAY_MS);
        break;
      case 'cut-after':
        cutAfter = integerIn(spec, name, value, 0, 1_000_000_000);
        break;
      case 'error-after':
        errorAfter = integerIn(spec, name, value, 0, 1_000_000_000);
        break;
      case 'malformed':
        malformed = true;
        break;
      case 'none':
        throw new FaultSpecError(`invalid fault spec '${spec}': 'none' cannot be combined with other faults`);
    }
  }
  if (status === 0 && (retryAfter !== undefined || retryAfterMs !== undefined)) {
    throw new FaultSpecError(`invalid fault spec '${spec}': retry-after and retry-after-ms need status=<code>`);
  }
  if (status === 0 && errorAfter < 0 && code !== undefined) {
    throw new FaultSpecError(`invalid fault spec '${spec}': code needs status=<code> or error-after=<n>`);
  }
  return Object.freeze({
    spec: text,
    status,
    code,
    retryAfter,
    retryAfterMs,
    reset,
    delayHeaders,
    delayChunks,
    cutAfter,
    errorAfter,
    malformed,
  });
}

function integerIn(spec: string, name: string, value: string | undefined, min: number, max: number): number {
  const text = value as string;
  let number = 0;
  for (let index = 0; index < text.length; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9 || index > 9) {
      throw new FaultSpecError(`invalid fault spec '${spec}': ${name} must be an integer, got '${text}'`);
    }
    number = number * 10 + digit;
  }
  if (number < min || number > max) {
    throw new FaultSpecError(`invalid fault spec '${spec}': ${name} must be between ${min} and ${max}, got ${number}`);
  }
  return number;
}

const MARKER = Buffer.from('[emulator-fault');
const COLON = 0x3a;
const AT = 0x40;
const CLOSE_BRACKET = 0x5d;
const MAX_MARKER_LENGTH = 300;

/**
 * Finds a fault marker anywhere in a raw request body: `[emulator-fault: SPEC]`, or `[emulator-fault@TARGET: SPEC]`
 * which only applies to an emulator whose name or port equals TARGET. The first applicable marker wins.
 * Returns the spec text, or undefined when there is none. A marker that is never closed is ignored.
 */
export function findFaultMarker(body: Buffer, name: string, port: number): string | undefined {
  if (body.length < MARKER.length) return undefined;
  let at = body.indexOf(MARKER);
  while (at >= 0) {
    let position = at + MARKER.length;
    const next = body[position];
    let applies = false;
    if (next === COLON) {
      applies = true;
      position += 1;
    } else if (next === AT) {
      const colon = body.indexOf(COLON, position);
      if (colon > 0 && colon - position <= MAX_MARKER_LENGTH) {
        const target = body.toString('utf8', position + 1, colon).trim();
        applies = target === name || target === String(port);
        position = colon + 1;
      }
    }
    if (applies) {
      const end = body.indexOf(CLOSE_BRACKET, position);
      if (end > 0 && end - position <= MAX_MARKER_LENGTH) return body.toString('utf8', position, end).trim();
    }
    at = body.indexOf(MARKER, at + MARKER.length);
  }
  return undefined;
}
