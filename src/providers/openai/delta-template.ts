/**
 * A fast path for the bulk of an OpenAI-dialect stream: the chunks that carry one piece of text and nothing else.
 *
 * Within one stream those chunks are byte-identical except for the text (and OpenAI's `obfuscation` padding): the same
 * id, created, model, fingerprint, Azure's per-chunk `content_filter_results`. Parsing each whole chunk to read one
 * string costs most of a stream's decoding (Azure's annotations make a chunk 1.5–2× larger). So the decoder parses a
 * plain chunk once, learns it as a template (fixed text around one or two string slots), and matches the following
 * chunks against it: the fixed text compared as strings, the slots read as JSON string literals.
 *
 * It is exact, not heuristic. A template is only learned after a parse of the chunk with sentinels in its slots proves
 * that the first slot is `choices[0].delta.<field>` and that the chunk has no other field the decoder reads. A
 * matching chunk is then the learned chunk with other string values in the slots, so it means what it would mean
 * parsed whole. Anything else (a different field, a finish reason, usage, a malformed literal) does not match, and the
 * decoder parses the chunk as usual, errors included.
 */

/** The delta fields a template may carry, and the stream part each becomes. */
export type DeltaField = 'content' | 'reasoning_content' | 'reasoning';

const deltaFields: readonly DeltaField[] = ['content', 'reasoning_content', 'reasoning'];

const deltaMarker = '"delta":{"';

/** Top-level fields whose string value may change from chunk to chunk without changing what the chunk means. */
const paddingMarker = '"obfuscation":';

const valueSentinel = '\u0000interchange-template-value';
const paddingSentinel = '\u0000interchange-template-padding';

const quote = 34; // "
const backslash = 92; // \
const closingBrace = 125; // }

interface PlainChunk {
  choices: [{ delta: Record<string, unknown>; finish_reason?: unknown }];
}

/**
 * The field of a chunk with one choice whose delta holds one string field of `deltaFields`, no finish reason, no
 * usage and no error; undefined for any other chunk.
 */
export function plainDeltaField(chunk: Record<string, unknown>): DeltaField | undefined {
  const choices = chunk.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  if ((chunk.usage !== undefined && chunk.usage !== null) || chunk.error !== undefined) return undefined;
  const choice = choices[0] as Record<string, unknown> | null;
  if (choice === null || typeof choice !== 'object') return undefined;
  if (choice.finish_reason !== undefined && choice.finish_reason !== null) return undefined;
  const delta = choice.delta;
  if (delta === null || typeof delta !== 'object') return undefined;
  let field: DeltaField | undefined;
  for (const key in delta) {
    if (field !== undefined || !deltaFields.includes(key as DeltaField)) return undefined;
    field = key as DeltaField;
  }
  if (field === undefined || typeof (delta as Record<string, unknown>)[field] !== 'string') return undefined;
  return field;
}

export class DeltaTemplate {
  readonly field: DeltaField;
  /** Fixed text before, between and after the slots: one more than the number of slots. */
  readonly #fixed: readonly string[];
  /** Which slot holds the delta's value (the others are padding). */
  readonly #valueSlot: number;

  private constructor(field: DeltaField, fixed: readonly string[], valueSlot: number) {
    this.field = field;
    this.#fixed = fixed;
    this.#valueSlot = valueSlot;
  }

  /**
   * A template learned from a chunk's text alone, or undefined when the text is not a plain delta chunk or does not
   * locate its slots unambiguously. It costs one JSON.parse (of the text with sentinels in the slots), so the chunk
   * it was learned from is then read through the template like the rest.
   */
  static learn(text: string): DeltaTemplate | undefined {
    const delta = text.indexOf(deltaMarker);
    if (delta === -1 || text.indexOf(deltaMarker, delta + 1) !== -1) return undefined;
    const fieldStart = delta + deltaMarker.length;
    let field: DeltaField | undefined;
    for (const candidate of deltaFields) {
      if (text.slice(fieldStart, fieldStart + candidate.length + 3) === `${candidate}":"`) {
        field = candidate;
        break;
      }
    }
    if (field === undefined) return undefined;
    const valueStart = fieldStart + field.length + 2;
    const valueEnd = literalEnd(text, valueStart);
    // The delta must close right after its one field.
    if (valueEnd === -1 || text.charCodeAt(valueEnd + 1) !== closingBrace) return undefined;
    const slots: Array<{ start: number; end: number; sentinel: string }> = [
      { start: valueStart, end: valueEnd, sentinel: valueSentinel },
    ];
    const paddingStart = uniqueValueStart(text, paddingMarker);
    if (paddingStart !== -1) {
      const paddingEnd = literalEnd(text, paddingStart);
      if (paddingEnd === -1) return undefined;
      slots.push({ start: paddingStart, end: paddingEnd, sentinel: paddingSentinel });
    }
    slots.sort((a, b) => a.start - b.start);
    const fixed: string[] = [];
    let probe = '';
    let position = 0;
    for (const slot of slots) {
      fixed.push(text.slice(position, slot.start));
      probe += text.slice(position, slot.start) + JSON.stringify(slot.sentinel);
      position = slot.end + 1;
    }
    fixed.push(text.slice(position));
    probe += text.slice(position);
    // The proof: with sentinels in the slots the chunk is a plain delta chunk, and its value is the first slot.
    let proven: Record<string, unknown>;
    try {
      proven = JSON.parse(probe) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (proven === null || typeof proven !== 'object' || plainDeltaField(proven) !== field) return undefined;
    if ((proven as unknown as PlainChunk).choices[0].delta[field] !== valueSentinel) return undefined;
    return new DeltaTemplate(field, fixed, slots.findIndex((slot) => slot.sentinel === valueSentinel));
  }

  /** The delta's value when `text` matches the template, else undefined. */
  match(text: string): string | undefined {
    const fixed = this.#fixed;
    let position = 0;
    let value: string | undefined;
    const last = fixed.length - 1;
    for (let index = 0; index < last; index++) {
      const part = fixed[index];
      // Compared as a slice: much faster in V8 than startsWith for texts of this length.
      if (text.slice(position, position + part.length) !== part) return undefined;
      const start = position + part.length;
      const end = literalEnd(text, start);
      if (end === -1) return undefined;
      const literal = literalValue(text, start, end);
      if (literal === undefined) return undefined;
      if (index === this.#valueSlot) value = literal;
      position = end + 1;
    }
    const tail = fixed[last];
    if (text.length - position !== tail.length || text.slice(position) !== tail) return undefined;
    return value;
  }
}

/** Where the value after `marker` starts, when the marker occurs exactly once; else -1. */
function uniqueValueStart(text: string, marker: string): number {
  const at = text.indexOf(marker);
  if (at === -1 || text.indexOf(marker, at + 1) !== -1) return -1;
  const start = at + marker.length;
  return text.charCodeAt(start) === quote ? start : -1;
}

/** The index of the quote closing the JSON string literal that opens at `start`, or -1. */
function literalEnd(text: string, start: number): number {
  if (text.charCodeAt(start) !== quote) return -1;
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === backslash) backslashes++;
    if ((backslashes & 1) === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/** The value of the literal between the quotes at `start` and `end`, or undefined when it is not valid JSON. */
function literalValue(text: string, start: number, end: number): string | undefined {
  let simple = true;
  for (let index = start + 1; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === backslash) {
      simple = false;
      break;
    }
  }
  if (simple) return text.slice(start + 1, end);
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return undefined;
  }
}
