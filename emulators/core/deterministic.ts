/**
 * Deterministic helpers shared by the emulators: hashing, a seeded random stream, ids, the emulators' token rule and
 * word quoting. Same input, same output, on every machine. Imports nothing from the project.
 *
 * The token rule (documented in docs/emulators/openai.md#deterministic-chat-replies): a token is any run of whitespace followed by at most
 * MAX_TOKEN_CHARACTERS non-whitespace characters; a trailing run of whitespace is a token of its own. Concatenating
 * the tokens of a text gives the text back, so a stream can send one token per event and its usage adds up.
 */

/** FNV-1a, 32 bits, over UTF-16 code units. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Mixes a 32-bit state one step (mulberry32) and returns the new state; `unitFromState` turns it into [0, 1). */
export function nextState(state: number): number {
  return (state + 0x6d2b79f5) >>> 0;
}

/** The mulberry32 output for a state, in [0, 1). */
export function unitFromState(state: number): number {
  let value = state;
  value = Math.imul(value ^ (value >>> 15), value | 1);
  value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
  return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A deterministic id: `prefix` followed by `length` alphanumeric characters derived from `seed`. */
export function deterministicId(prefix: string, length: number, seed: number): string {
  let state = seed >>> 0;
  let id = prefix;
  for (let index = 0; index < length; index++) {
    state = nextState(state);
    id += ID_ALPHABET[Math.floor(unitFromState(state) * 62)];
  }
  return id;
}

/** Lowercase hex of a 32-bit number, zero-padded to 8 characters. */
export function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

export const MAX_TOKEN_CHARACTERS = 8;

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 11;
}

/** End index (exclusive) of the token starting at `start`. */
function tokenEnd(text: string, start: number): number {
  const length = text.length;
  let index = start;
  while (index < length && isSpace(text.charCodeAt(index))) index++;
  let taken = 0;
  while (index < length && taken < MAX_TOKEN_CHARACTERS && !isSpace(text.charCodeAt(index))) {
    index++;
    taken++;
  }
  // Never split a surrogate pair.
  if (index < length && index > start) {
    const previous = text.charCodeAt(index - 1);
    if (previous >= 0xd800 && previous <= 0xdbff) index++;
  }
  return index;
}

/** Number of tokens in a text under the emulators' token rule. */
export function countTokens(text: string): number {
  let count = 0;
  let index = 0;
  while (index < text.length) {
    index = tokenEnd(text, index);
    count++;
  }
  return count;
}

/** The tokens of a text; they concatenate back to the text. */
export function splitTokens(text: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < text.length) {
    const end = tokenEnd(text, index);
    tokens.push(text.slice(index, end));
    index = end;
  }
  return tokens;
}

/** Character length of the first `maxTokens` tokens of a text (the whole text when it has fewer). */
export function tokenPrefixLength(text: string, maxTokens: number): number {
  let index = 0;
  let count = 0;
  while (index < text.length && count < maxTokens) {
    index = tokenEnd(text, index);
    count++;
  }
  return index;
}

/**
 * The first `maxWords` whitespace-separated words of a text, joined by single spaces, with `...` appended when the
 * text has more words.
 */
export function leadingWords(text: string, maxWords: number): string {
  let result = '';
  let words = 0;
  let index = 0;
  const length = text.length;
  while (index < length) {
    while (index < length && isSpace(text.charCodeAt(index))) index++;
    if (index >= length) break;
    if (words === maxWords) return result + '...';
    const start = index;
    while (index < length && !isSpace(text.charCodeAt(index))) index++;
    result = words === 0 ? text.slice(start, index) : result + ' ' + text.slice(start, index);
    words++;
  }
  return result;
}
