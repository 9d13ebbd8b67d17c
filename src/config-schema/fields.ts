/**
 * Building blocks of the configuration schema (zod): strict objects whose unknown keys get a suggestion, scalar
 * fields run through the parsers in values.ts, and the one-line messages for zod's own issues. The loader's schema
 * and every provider kind's settings schema are made of these, so a provider folder can declare its fields without
 * importing the loader.
 */

import { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';
import { describeType, quoteValue } from './problem.ts';
import type { Report } from './values.ts';

/** Starts a message that stands for one problem per unknown key (see `decodeUnknownKeys`). */
const unknownKeysMarker = '\u0003unknown-keys:';

const normaliseKey = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

/**
 * A strict object whose unknown-key problem carries, per key, its own message with a suggestion. `hints` give a
 * better message than "did you mean" for keys people predictably put in the wrong place; they are keyed by the
 * key in lower case without `_` and `-` (`apikey` matches `api_key`, `apiKey` and `API-Key`).
 */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape, hints: Readonly<Record<string, string>> = {}, missing?: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      // `missing` explains what belongs there when the object is required and absent.
      if (missing !== undefined && issue.code === 'invalid_type' && (issue.input === undefined || issue.input === null)) return `required field missing${missing}`;
      if (issue.code !== 'unrecognized_keys') return undefined;
      // Own keys only: `constructor` or `toString` is an unknown field like any other, not Object.prototype's.
      const hint = (key: string) => (Object.hasOwn(hints, normaliseKey(key)) ? hints[normaliseKey(key)] : undefined);
      const entries = issue.keys.map((key) => [key, `unknown field${hint(key) ?? didYouMean(key, known)}`]);
      return unknownKeysMarker + JSON.stringify(entries);
    },
  });
}

/** The per-key messages hidden in an unknown-keys issue, or `undefined` for any other message. */
export function decodeUnknownKeys(message: string): Array<[key: string, message: string]> | undefined {
  if (!message.startsWith(unknownKeysMarker)) return undefined;
  return JSON.parse(message.slice(unknownKeysMarker.length)) as Array<[string, string]>;
}

export type Parse<T> = (input: unknown, report: Report) => T | undefined;

function runParser<T>(parse: Parse<T>, input: unknown, context: z.RefinementCtx): T {
  let failed = false;
  const value = parse(input, (message, path) => {
    failed = true;
    context.addIssue({ code: 'custom', message, path: path === undefined ? undefined : [...path] });
  });
  return failed || value === undefined ? z.NEVER : value;
}

/** An optional scalar: absent or empty (`key:` with nothing after it) gives `fallback`. */
export function optionalLeaf<T>(parse: Parse<T>, fallback: T) {
  return z
    .unknown()
    .optional()
    .transform((input, context): T => (input === undefined || input === null ? fallback : runParser(parse, input, context)));
}

/** An optional scalar without a default. */
export function maybeLeaf<T>(parse: Parse<T>) {
  return z
    .unknown()
    .optional()
    .transform((input, context): T | undefined => (input === undefined || input === null ? undefined : runParser(parse, input, context)));
}

/** A required scalar; `missing` explains what belongs there. */
export function requiredLeaf<T>(parse: Parse<T>, missing: string) {
  return z
    .unknown()
    .optional()
    .transform((input, context): T => {
      if (input === undefined || input === null) {
        context.addIssue({ code: 'custom', message: `required field missing${missing}` });
        return z.NEVER;
      }
      return runParser(parse, input, context);
    });
}

/** A mapping section whose absence (or `key:` with nothing after it) means "all defaults". */
export function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((input) => input ?? {}, schema);
}

/** An optional mapping: absent or empty gives `undefined`. */
export const optionalObject = <T extends z.ZodType>(schema: T) => z.preprocess((input) => input ?? undefined, schema.optional());

/**
 * One mapping or a non-empty list of them, optional: `channels: { provider: a }` or `channels: [ { provider: a }, … ]`.
 * Problems are reported at the entry's own path either way (`channels.provider`, `channels[1].provider`); `expected`
 * says what belongs there (`a channel { provider, model } or a list of them`), `what` names one entry.
 */
export function oneOrList<T extends z.ZodType>(item: T, what: string, expected: string) {
  const items = z.array(item).min(1, `must list at least one ${what}`);
  return z
    .unknown()
    .optional()
    .transform((input, context): z.output<T> | readonly z.output<T>[] | undefined => {
      if (input === undefined || input === null) return undefined;
      if (typeof input !== 'object') {
        context.addIssue({ code: 'custom', message: `expected ${expected}, got ${describeType(input)}` });
        return z.NEVER;
      }
      // zod's own union reports neither alternative's problems once both fail, so the shape picks the schema.
      const result = (Array.isArray(input) ? items : item).safeParse(input, { error: describeIssue });
      if (result.success) return result.data as z.output<T> | readonly z.output<T>[];
      for (const issue of result.error.issues) {
        context.addIssue({ code: 'custom', message: issue.message, path: issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))) });
      }
      return z.NEVER;
    });
}

export function parseText(input: unknown, report: Report): string | undefined {
  if (typeof input === 'string') {
    if (input.trim() === '') {
      report('must not be empty');
      return undefined;
    }
    return input;
  }
  const quoteHint = typeof input === 'number' || typeof input === 'boolean' ? ' (put it in quotes to make it text)' : '';
  report(`expected text, got ${describeType(input)}${quoteHint}`);
  return undefined;
}

/** Text, surrounding whitespace removed. */
export const trimmedText: Parse<string> = (input, report) => parseText(input, report)?.trim();

/** A secret (an API key, a client secret): text, surrounding whitespace removed (files often end in a newline). Never shown. */
export function parseSecret(input: unknown, report: Report): string | undefined {
  if (typeof input === 'string') return input.trim();
  report(`expected text, got ${describeType(input)}`);
  return undefined;
}

/** One of `available`; `later` are names this build knows of but cannot use yet (the message says so). */
export function choice<T extends string>(what: string, available: readonly T[], later: readonly string[] = []): Parse<T> {
  const list = available.join(', ');
  return (input, report) => {
    if (typeof input !== 'string') {
      report(`expected one of ${list}, got ${describeType(input)}`);
      return undefined;
    }
    const value = input.trim();
    if ((available as readonly string[]).includes(value)) return value as T;
    if (later.includes(value)) {
      report(`${what} ${quoteValue(value)} is not available in this build (available: ${list})`);
      return undefined;
    }
    const hint = didYouMean(value, [...available, ...later]);
    report(`unknown ${what} ${quoteValue(value)}${hint === '' ? ` (available: ${list})` : hint}`);
    return undefined;
  };
}

const expectedNames: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  array: 'a list',
};

/** One-line, value-free messages for zod's built-in issues (the parsers in values.ts phrase their own). */
export const describeIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required field missing';
      return `expected ${expectedNames[issue.expected] ?? issue.expected}, got ${describeType(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${String(issue.minimum)}`;
      return undefined;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => String(value)).join(', ')}`;
    default:
      return undefined;
  }
};
