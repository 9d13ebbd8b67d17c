// Finds the first SSE chunk that carries a non-empty content delta (`"content":"x…"`), so time to first chunk
// means time to the first token a user would see, not to the role-only preamble (`"content":""`) or headers.
// Chunks may split anywhere, so a short tail of the previous chunk is kept until the first match.

const MARKER = '"content"';
const KEEP = 32;

export class ContentDeltaScanner {
  tail = '';

  reset(): void {
    this.tail = '';
  }

  /** True when `chunk` (joined with what came before) contains a content delta with at least one character. */
  push(chunk: Buffer): boolean {
    const text = this.tail + chunk.toString('latin1');
    let from = 0;
    for (;;) {
      const at = text.indexOf(MARKER, from);
      if (at === -1) break;
      let index = at + MARKER.length;
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
