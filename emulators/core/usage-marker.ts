/**
 * The `[emulator-usage: …]` prompt marker: makes an emulator report the token usage a test needs, in its vendor's own
 * fields, streamed or not. Items, separated by commas or spaces:
 *   cached=<n>        prompt tokens read from the prompt cache, in place of the emulator's own count; reported as given,
 *                     even above the prompt's tokens (a faulty upstream)
 *   cache-write=<n>   prompt tokens written into the prompt cache (Bedrock's `cacheWriteInputTokens`, the Responses
 *                     API's `cache_write_tokens`; the other formats have no such field and ignore it)
 *   reasoning=<n>     hidden reasoning tokens, in place of the model's own (counted only; no reasoning text is sent)
 *   repeat            streaming: the usage so far on every event, not only the last (Bedrock: `metadata` twice)
 *   none              no usage at all (alone only)
 * The marker may sit anywhere in the body (a user message works through a gateway). One that does not parse is
 * reported, so a typo never passes silently. Imports nothing from the project.
 */

export interface UsageDirective {
  /** The spec as given, for logs. */
  readonly spec: string;
  /** Prompt tokens to report as read from the cache; undefined keeps the emulator's own count. */
  readonly cached: number | undefined;
  /** Prompt tokens to report as written into the cache; undefined keeps the emulator's own count. */
  readonly cacheWrite: number | undefined;
  /** Hidden reasoning tokens; undefined keeps the model's own. */
  readonly reasoning: number | undefined;
  readonly repeat: boolean;
  /** No usage reported at all. */
  readonly omit: boolean;
}

export const DEFAULT_USAGE: UsageDirective = Object.freeze({
  spec: '',
  cached: undefined,
  cacheWrite: undefined,
  reasoning: undefined,
  repeat: false,
  omit: false,
});

const USAGE_NAMES = ['cached', 'cache-write', 'reasoning', 'repeat', 'none'] as const;
const MARKER = Buffer.from('[emulator-usage');
const COLON = 0x3a;
const CLOSE_BRACKET = 0x5d;
const MAX_MARKER_LENGTH = 200;
const MAX_TOKENS = 1_000_000_000;

/** The first marker in a raw body; a string (the problem) when it does not parse; undefined when there is none. */
export function findUsageMarker(body: Buffer): UsageDirective | string | undefined {
  if (body.length < MARKER.length) return undefined;
  const at = body.indexOf(MARKER);
  if (at < 0) return undefined;
  const colon = at + MARKER.length;
  const end = body.indexOf(CLOSE_BRACKET, colon);
  if (body[colon] !== COLON || end < 0 || end - colon > MAX_MARKER_LENGTH) {
    return `invalid usage marker: write [emulator-usage: <items>] with items among ${USAGE_NAMES.join(', ')}`;
  }
  return parseUsageSpec(body.toString('utf8', colon + 1, end));
}

/** A usage spec (the marker's text after the colon); a string (the problem) when it does not parse. */
export function parseUsageSpec(spec: string): UsageDirective | string {
  const text = spec.trim();
  const problem = (what: string) => `invalid usage marker '[emulator-usage: ${text}]': ${what}`;
  const items = text.replace(/\s*=\s*/g, '=').split(/[\s,]+/).filter((item) => item !== '');
  if (items.length === 0) return problem(`no item; known: ${USAGE_NAMES.join(', ')}`);
  const seen = new Set<string>();
  let cached: number | undefined;
  let cacheWrite: number | undefined;
  let reasoning: number | undefined;
  let repeat = false;
  let omit = false;
  for (const item of items) {
    const equals = item.indexOf('=');
    const name = (equals < 0 ? item : item.slice(0, equals)).toLowerCase();
    const value = equals < 0 ? undefined : item.slice(equals + 1);
    if (!(USAGE_NAMES as readonly string[]).includes(name)) return problem(`unknown item '${name}'; known: ${USAGE_NAMES.join(', ')}`);
    if (seen.has(name)) return problem(`'${name}' given twice`);
    seen.add(name);
    if (name === 'repeat' || name === 'none') {
      if (value !== undefined) return problem(`'${name}' takes no value`);
      if (name === 'repeat') repeat = true;
      else omit = true;
      continue;
    }
    if (value === undefined || !/^\d{1,10}$/.test(value) || Number(value) > MAX_TOKENS) {
      return problem(`${name} needs a token count from 0 to ${MAX_TOKENS} (${name}=<n>)`);
    }
    if (name === 'cached') cached = Number(value);
    else if (name === 'cache-write') cacheWrite = Number(value);
    else reasoning = Number(value);
  }
  if (omit && seen.size > 1) return problem("'none' cannot be combined with other items");
  return Object.freeze({ spec: text, cached, cacheWrite, reasoning, repeat, omit });
}
