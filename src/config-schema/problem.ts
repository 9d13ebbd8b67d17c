/**
 * Problems found in a configuration, their paths, and how values the user wrote appear in messages.
 *
 * A message never shows a user's value verbatim. Every value goes through `quoteValue`, which wraps it in markers;
 * the loader then renders each marked value once it knows which strings came from environment variables, so a
 * secret substituted from `${…}` is shown as the reference the file contains (`"${OPENAI_API_KEY}"`), never as its
 * value.
 */

export type PathSegment = string | number;

export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** A problem while its path is still a list of segments (before formatting and redaction). */
export interface RawProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

const plainKey = /^[A-Za-z0-9_-]+$/;

/**
 * `models.gpt-4o.channels[1].provider`; keys with any character outside `[A-Za-z0-9_-]` are bracket-quoted:
 * `models["gpt-4.1"].channels[0].model`. The empty path (the document itself) is `(top level)`.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (plainKey.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text === '' ? '(top level)' : text;
}

const valueStart = '\u0001';
const valueEnd = '\u0002';
const markedValue = /\u0001(.*?)\u0002/gs;

/** A user-supplied string for a message, rendered later as a JSON string literal (or redacted). */
export function quoteValue(value: string): string {
  // JSON.stringify escapes control characters, so the markers can never occur inside the payload.
  return `${valueStart}${JSON.stringify(value)}${valueEnd}`;
}

/** Replace every marked value in `message` with `render(value)`. */
export function renderValues(message: string, render: (value: string) => string): string {
  return message.replace(markedValue, (_whole, payload: string) => render(JSON.parse(payload) as string));
}

/** A JSON-ish description of what kind of value something is, never the value itself. */
export function describeType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return Number.isInteger(value) ? 'a whole number' : 'a number';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}
