// Finds the first SSE chunk that carries a non-empty content delta (`"content":"x…"`), so time to first chunk
// means time to the first token a user would see, not to the role-only preamble (`"content":""`) or headers.
// Chunks may split anywhere, so a short tail of the previous chunk is kept until the first match.
// Gemini streams (direct to the Vertex emulator) carry their tokens as `"text":"x…"` parts instead: same scan, other key.

/** The key of an OpenAI chat-completion chunk's content delta. */
export const OPENAI_CONTENT_KEY = '"content"';
/** The key of a Gemini part's text (`candidates[].content.parts[].text`). */
export const GEMINI_TEXT_KEY = '"text"';
const KEEP = 32;

export class ContentDeltaScanner {
  tail = '';
  marker: string;

  constructor(key: string = OPENAI_CONTENT_KEY) {
    this.marker = key;
  }

  reset(): void {
    this.tail = '';
  }

  /** True when `chunk` (joined with what came before) contains a content delta with at least one character. */
  push(chunk: Buffer): boolean {
    const text = this.tail + chunk.toString('latin1');
    const marker = this.marker;
    let from = 0;
    for (;;) {
      const at = text.indexOf(marker, from);
      if (at === -1) break;
      let index = at + marker.length;
      while (index < text.length && isSpace(text.charCodeAt(index))) index++;
      if (index >= text.length) return this.keepFrom(text, at);
      if (text.charCodeAt(index) !== 0x3a /* : */) {
        from = at + 1;
        continue;
      }
      index++;
      while (index < text.length && isSpace(text.charCodeAt(index))) index++;
      if (index + 1 >= text.length) return this.keepFrom(text, at);
      // A string value with at least one character: `"x`, not `""`; `null` and arrays do not count.
      if (text.charCodeAt(index) === 0x22 /* " */ && text.charCodeAt(index + 1) !== 0x22) return true;
      from = index;
    }
    this.tail = text.length > KEEP ? text.slice(text.length - KEEP) : text;
    return false;
  }

  private keepFrom(text: string, at: number): boolean {
    this.tail = text.slice(at);
    return false;
  }
}

/**
 * Whether a literal marker has appeared anywhere in a stream so far, wherever chunks split it (Gemini streams end
 * with no [DONE]: a stream is complete when its last candidate said `"finishReason"`).
 */
export class MarkerScanner {
  marker: Buffer;
  tail: Buffer = Buffer.alloc(0);
  found = false;

  constructor(marker: string) {
    this.marker = Buffer.from(marker, 'latin1');
  }

  reset(): void {
    this.tail = Buffer.alloc(0);
    this.found = false;
  }

  push(chunk: Buffer): boolean {
    if (this.found) return true;
    const keep = this.marker.length - 1;
    // Only the boundary needs joining: the tail is shorter than the marker.
    const boundary = this.tail.length > 0 ? Buffer.concat([this.tail, chunk.subarray(0, keep)]) : null;
    if ((boundary !== null && boundary.indexOf(this.marker) !== -1) || chunk.indexOf(this.marker) !== -1) {
      this.found = true;
      return true;
    }
    // The last `keep` bytes of everything seen so far.
    const seen = chunk.length >= keep ? chunk : Buffer.concat([this.tail, chunk]);
    this.tail = Buffer.from(seen.subarray(Math.max(0, seen.length - keep)));
    return false;
  }
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Counts SSE `data:` events in a chunk (a sanity figure: chunks per stream). */
export function countDataEvents(chunk: Buffer): number {
  let count = 0;
  let from = 0;
  for (;;) {
    const at = chunk.indexOf('data:', from, 'latin1');
    if (at === -1) return count;
    if (at === 0 || chunk[at - 1] === 0x0a) count++;
    from = at + 5;
  }
}
