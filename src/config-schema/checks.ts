/**
 * Helpers for the cross-field checks, which read the document as written (after environment substitution) whether
 * or not the schema accepted it: anything malformed is left to the schema's messages and skipped.
 */

import type { PathSegment } from './problem.ts';
import type { Report } from './values.ts';

/** A mapping as written. */
export type Fields = Record<string, unknown>;

/** Reports one problem; `path` is relative to whatever the check was given. */
export type Reporter = (path: readonly PathSegment[], message: string) => void;

export function isMapping(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A value parsed without reporting: undefined when absent or malformed (the schema reports those). */
export function quietly<T>(parse: (input: unknown, report: Report) => T | undefined, input: unknown): T | undefined {
  if (!isPresent(input)) return undefined;
  let failed = false;
  const value = parse(input, () => {
    failed = true;
  });
  return failed ? undefined : value;
}

/** Whether a provider entry as written carries a non-empty `auth.api_key`. */
export function hasApiKey(provider: Fields): boolean {
  const apiKey = isMapping(provider.auth) ? provider.auth.api_key : undefined;
  return typeof apiKey === 'string' && apiKey.trim() !== '';
}

/** A field's value as written, trimmed, when it is text. */
export function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"` (with `and` for `conjunction: 'and'`). */
export function listNames(names: readonly string[], conjunction: 'or' | 'and' = 'or'): string {
  const quoted = names.map((name) => JSON.stringify(name));
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted[quoted.length - 1]}`;
}
