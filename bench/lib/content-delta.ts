// What the load generator looks for in a stream, wherever the network splits it: the first non-empty content delta
// (`"content":"x…"`, not the role-only preamble's `"content":""`), so time to first chunk is time to the first token
// a user sees; Gemini's text parts (`"text":"x…"`); and Gemini's end, a `"finishReason"` (it sends no [DONE]).

export const OPENAI_CONTENT = /"content"\s*:\s*"[^"]/;
export const GEMINI_TEXT = /"text"\s*:\s*"[^"]/;
export const GEMINI_FINISH = /"finishReason"/;
/** The Responses API: the first text delta event, and the last event of a stream that ended well. */
export const RESPONSES_DELTA = /"type":"response\.output_text\.delta"/;
export const RESPONSES_END = /"type":"response\.completed"/;
/** Longer than any partial match the patterns need to see completed by the next chunk. */
const KEEP = 64;

/** Whether a pattern has matched the stream so far; only a short tail of what came before is kept between chunks. */
export class StreamMatcher {
  pattern: RegExp;
  tail = '';
  found = false;

  constructor(pattern: RegExp) {
    this.pattern = pattern;
  }

  reset(): void {
    this.tail = '';
    this.found = false;
  }

  push(chunk: Buffer): boolean {
    if (this.found) return true;
    const text = this.tail + chunk.toString('latin1');
    this.found = this.pattern.test(text);
    this.tail = text.length > KEEP ? text.slice(text.length - KEEP) : text;
    return this.found;
  }
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
