/**
 * Environment references in configuration values: `${NAME}`, `${NAME:-default}` (the default is used when NAME is
 * unset or empty) and the escape `$${`, which stands for a literal `${`. References are resolved in string values
 * only (not in keys), before the schema sees the document, so they can stand for any scalar: `port: ${PORT:-8080}`.
 *
 * Two more kinds of reference carry secrets from elsewhere: `${file:PATH}` (the file's content, trimmed; a relative
 * PATH is read from the configuration's folder) and `${secret:NAME}` (a secret stored encrypted through the admin API,
 * looked up through `SecretLookup`). Problems name the path or the secret, never a value.
 */

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PathSegment, RawProblem } from '../config-schema/problem.ts';
import { quoteValue } from '../config-schema/problem.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

/** One string value that contained at least one reference. */
export interface Substitution {
  readonly path: readonly PathSegment[];
  /** The text as written in the file, references included. Safe to show. */
  readonly raw: string;
  /** The text after substitution. May contain secrets: never show it. */
  readonly value: string;
  /** The substituted pieces (variable values or defaults). Never show them. */
  readonly inserted: readonly string[];
}

export interface SubstitutedString {
  readonly value: string;
  readonly inserted: readonly string[];
  readonly problems: readonly string[];
  /** True when the text contained a reference or an escape, i.e. `value` may differ from the text. */
  readonly touched: boolean;
}

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The names the admin API accepts for stored secrets. */
export const secretName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A stored secret's value, or why it cannot be had (a message naming the secret, never a value). */
export type SecretLookup = (name: string) => { readonly value: string } | { readonly problem: string };

export interface ReferenceSources {
  /** The folder a relative `${file:…}` path is read from; the working directory when absent. */
  readonly directory?: string;
  /**
   * Stored secrets. Absent: a `${secret:…}` reference stays as written and its name is reported in `secretNames`
   * (a first pass that learns where the store is, or a command that never calls an upstream).
   */
  readonly secrets?: SecretLookup;
}

/** Resolve the references in one string. Problems are messages about this string (they contain no values). */
export function substituteString(text: string, env: Environment, sources: ReferenceSources = {}, secretNames?: string[]): SubstitutedString {
  if (!text.includes('${')) return { value: text, inserted: [], problems: [], touched: false };
  let value = '';
  const inserted: string[] = [];
  const problems: string[] = [];
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf('$', index);
    if (start === -1) {
      value += text.slice(index);
      break;
    }
    value += text.slice(index, start);
    if (text.startsWith('$${', start)) {
      value += '${';
      index = start + 3;
      continue;
    }
    if (!text.startsWith('${', start)) {
      value += '$';
      index = start + 1;
      continue;
    }
    const end = text.indexOf('}', start + 2);
    if (end === -1) {
      problems.push('unterminated environment reference: "${" without a closing "}" (write "$${" for a literal "${")');
      value += text.slice(start);
      break;
    }
    const body = text.slice(start + 2, end);
    if (body.startsWith('file:') || body.startsWith('secret:')) {
      const found = body.startsWith('file:') ? readReferencedFile(body.slice('file:'.length), sources.directory) : storedSecret(body.slice('secret:'.length), sources, secretNames);
      if ('value' in found) {
        value += found.value;
        inserted.push(found.value);
      } else {
        if (found.problem !== undefined) problems.push(found.problem);
        value += text.slice(start, end + 1);
      }
      index = end + 1;
      continue;
    }
    const separator = body.indexOf(':-');
    const name = separator === -1 ? body : body.slice(0, separator);
    const fallback = separator === -1 ? undefined : body.slice(separator + 2);
    if (!variableName.test(name)) {
      problems.push(
        `malformed environment reference ${JSON.stringify(text.slice(start, end + 1))}: expected \${NAME} or \${NAME:-default}, ` +
          'where NAME is letters, digits and underscores (write "$${" for a literal "${")',
      );
      value += text.slice(start, end + 1);
    } else {
      const found = env[name];
      if (fallback !== undefined && (found === undefined || found === '')) {
        value += fallback;
        inserted.push(fallback);
      } else if (found === undefined) {
        problems.push(`environment variable ${name} is not set`);
        // Keep the reference itself, so later checks see a present, non-empty value and stay quiet about it.
        value += text.slice(start, end + 1);
      } else {
        value += found;
        inserted.push(found);
      }
    }
    index = end + 1;
  }
  return { value, inserted, problems, touched: true };
}

/** Files are small (a key, a token): a bigger one is a wrong path, not a secret. */
const maxReferencedFileBytes = 64 * 1024;

function readReferencedFile(written: string, directory: string | undefined): { value: string } | { problem: string } {
  const path = written.trim();
  if (path === '') return { problem: 'malformed file reference "${file:}": expected ${file:PATH}' };
  const absolute = resolve(directory ?? process.cwd(), path);
  const where = path === absolute ? '' : ` (a relative path is read from the configuration's folder, ${quoteValue(directory ?? process.cwd())})`;
  try {
    // stat first: opening a FIFO would wait for a writer.
    const stat = statSync(absolute);
    if (!stat.isFile()) return { problem: `\${file:…}: ${quoteValue(path)} is not a file (a directory or a device)` };
    if (stat.size > maxReferencedFileBytes) return { problem: `\${file:…}: ${quoteValue(path)} is larger than ${maxReferencedFileBytes / 1024} KiB; a secret file holds one value` };
    return { value: readFileSync(absolute, 'utf8').trim() };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: `\${file:…}: no such file ${quoteValue(path)}${where}` };
    if (code === 'EACCES' || code === 'EPERM') return { problem: `\${file:…}: cannot read ${quoteValue(path)}: permission denied; the gateway's user must be able to read it` };
    return { problem: `\${file:…}: cannot read ${quoteValue(path)}: ${code ?? 'unreadable'}` };
  }
}

function storedSecret(name: string, sources: ReferenceSources, secretNames: string[] | undefined): { value: string } | { problem: string | undefined } {
  if (!secretName.test(name)) {
    return { problem: `malformed secret reference ${JSON.stringify(`\${secret:${name}}`)}: a secret's name is letters, digits, ".", "_" or "-", starting with a letter or digit` };
  }
  secretNames?.push(name);
  if (sources.secrets === undefined) return { problem: undefined };
  return sources.secrets(name);
}

export interface SubstitutedTree {
  readonly value: unknown;
  readonly substitutions: readonly Substitution[];
  readonly problems: readonly RawProblem[];
  /** The stored secrets referenced (each once per reference), left unresolved when `sources.secrets` is absent. */
  readonly secretNames: readonly string[];
}

/** Resolve references in every string value of a parsed document (keys are left alone). */
export function substituteTree(document: unknown, env: Environment, sources: ReferenceSources = {}): SubstitutedTree {
  const substitutions: Substitution[] = [];
  const problems: RawProblem[] = [];
  const secretNames: string[] = [];
  const visit = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') {
      const result = substituteString(node, env, sources, secretNames);
      if (!result.touched) return node;
      for (const message of result.problems) problems.push({ path: [...path], message });
      substitutions.push({ path: [...path], raw: node, value: result.value, inserted: result.inserted });
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) {
        Object.defineProperty(copy, key, { value: visit(item, [...path, key]), enumerable: true, writable: true, configurable: true });
      }
      return copy;
    }
    return node;
  };
  return { value: visit(document, []), substitutions, problems, secretNames };
}

/**
 * YAML gives `{ } [ ] , #` and `: ` meanings inside flow collections (`auth: { api_key: ${KEY} }`), which would
 * break unquoted references there. Before parsing, the characters inside each `${…}` span are swapped for
 * private-use characters of the same length (so line and column numbers stay right); `restoreReferences` swaps them
 * back in every key, value and message afterwards. A text that already contains those private-use characters is
 * parsed untouched.
 */
const significant = '{}[],#:';
const standIns = '\uE000\uE001\uE002\uE003\uE004\uE005\uE006';
const standInPattern = /[\uE000-\uE006]/;
const standInGlobal = /[\uE000-\uE006]/g;
const referenceSpan = /\$\{[^}\r\n]*\}/g;

export interface ProtectedText {
  readonly text: string;
  readonly restore: (text: string) => string;
}

export function protectReferences(text: string): ProtectedText {
  if (!text.includes('${') || standInPattern.test(text)) return { text, restore: (value) => value };
  const protectedText = text.replace(referenceSpan, (span) =>
    span.replace(/[{}[\],#:]/g, (character) => standIns[significant.indexOf(character)]),
  );
  return { text: protectedText, restore: restoreReferences };
}

function restoreReferences(text: string): string {
  if (!standInPattern.test(text)) return text;
  return text.replace(standInGlobal, (character) => significant[standIns.indexOf(character)]);
}

/** Apply `restore` to every key and string of a parsed document. */
export function restoreTree(node: unknown, restore: (text: string) => string): unknown {
  if (typeof node === 'string') return restore(node);
  if (Array.isArray(node)) return node.map((item) => restoreTree(item, restore));
  if (node !== null && typeof node === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) {
      Object.defineProperty(copy, restore(key), { value: restoreTree(item, restore), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }
  return node;
}
