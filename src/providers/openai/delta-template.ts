/**
 * A fast path for the bulk of an OpenAI-dialect stream: the chunks that carry one piece of text and nothing else.
 *
 * Those chunks are byte-identical except for the text and for fields the decoder does not read once a stream has
 * started: the id and created time (per stream) and OpenAI's `obfuscation` padding (per chunk). The model,
 * fingerprint, Azure's per-chunk `content_filter_results` and the rest repeat. Parsing each whole chunk to read one
 * string costs most of a stream's decoding (Azure's annotations make a chunk 1.5–2× larger). So the decoder learns a
 * plain chunk as a template (fixed text around a value slot and don't-care slots) and matches later chunks, of this
 * stream and the next ones from the same upstream, against it: the fixed text compared as strings, the slots read as
 * JSON literals.
 *
 * It is exact, not heuristic. A template is only learned after a parse of the chunk with sentinels in its slots proves
 * that the value slot is `choices[0].delta.<field>` and that the chunk has no other field the decoder reads (one
 * choice, no finish reason, no usage, no error). A matching chunk is the learned one with other literals of the same
 * kind in the slots: the same structure, so it means what it would mean parsed whole. Anything else (a different
 * field, a finish reason, usage, a malformed literal) does not match, and the decoder parses the chunk as usual,
 * errors included. Templates are used only after a stream's start, where id and created no longer matter.
 */

/** The delta fields a template may carry, and the stream part each becomes. */
export type DeltaField = 'content' | 'reasoning_content' | 'reasoning';

const deltaFields: readonly DeltaField[] = ['content', 'reasoning_content', 'reasoning'];

const deltaMarker = '"delta":{"';

type SlotKind = 'string' | 'integer';

/**
 * Fields whose value may change from chunk to chunk, or stream to stream, without changing what a started stream's
 * chunk means to the decoder. A field becomes a slot only when its key occurs once in the chunk.
 */
const dontCareFields: ReadonlyArray<{ marker: string; kind: SlotKind; perStream: boolean; sentinel: string }> = [
  { marker: '"id":', kind: 'string', perStream: true, sentinel: '\u0000interchange-template-id' },
  { marker: '"created":', kind: 'integer', perStream: true, sentinel: '7' },
  { marker: '"obfuscation":', kind: 'string', perStream: false, sentinel: '\u0000interchange-template-padding' },
];

const valueSentinel = '\u0000interchange-template-value';

const quote = 34; // "
const backslash = 92; // \
const closingBrace = 125; // }
const zero = 48;
const nine = 57;

interface PlainChunk {
  choices: [{ delta: Record<string, unknown>; finish_reason?: unknown }];
}

interface Slot {
  readonly start: number;
  /** The index of the literal's last character. */
  readonly end: number;
  readonly kind: SlotKind;
  /** Constant within a stream (id, created): filled in when a template is specialized for one stream. */
  readonly perStream: boolean;
  /** The slot's literal in the proving parse. */
  readonly probe: string;
}

interface SlotShape {
  readonly kind: SlotKind;
  readonly perStream: boolean;
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
  readonly #slots: readonly SlotShape[];
  /** Whether each slot holds an integer (else a string); #slots as the hot loop reads it. */
  readonly #integer: readonly boolean[];
  /** Which slot holds the delta's value. */
  readonly #valueSlot: number;

  private constructor(field: DeltaField, fixed: readonly string[], slots: readonly SlotShape[], valueSlot: number) {
    this.field = field;
    this.#fixed = fixed;
    this.#slots = slots;
    this.#integer = slots.map((slot) => slot.kind === 'integer');
    this.#valueSlot = valueSlot;
  }

  /** Whether the template has slots for values that are constant within a stream (see `forStream`). */
  get general(): boolean {
    return this.#slots.some((slot) => slot.perStream);
  }

  /**
   * This template with the per-stream slots (id, created) filled in from `text`, a chunk of the stream that matches
   * it; undefined when it does not match. Matching a stream's chunks against the result is cheaper (fewer slots), and
   * it needs no new proof: it accepts a subset of what this template accepts.
   */
  forStream(text: string): DeltaTemplate | undefined {
    const fixed: string[] = [];
    const slots: SlotShape[] = [];
    let valueSlot = -1;
    let pending = this.#fixed[0];
    let position = pending.length;
    if (text.slice(0, position) !== pending) return undefined;
    for (let index = 0; index < this.#slots.length; index++) {
      const slot = this.#slots[index];
      const end = slot.kind === 'integer' ? integerEnd(text, position) : stringEnd(text, position);
      if (end === -1 || (slot.kind === 'string' && !validString(text, position, end))) return undefined;
      const next = this.#fixed[index + 1];
      if (text.slice(end + 1, end + 1 + next.length) !== next) return undefined;
      if (slot.perStream) {
        pending += text.slice(position, end + 1) + next;
      } else {
        if (index === this.#valueSlot) valueSlot = slots.length;
        fixed.push(pending);
        slots.push(slot);
        pending = next;
      }
      position = end + 1 + next.length;
    }
    if (position !== text.length) return undefined;
    fixed.push(pending);
    return new DeltaTemplate(this.field, fixed, slots, valueSlot);
  }

  /**
   * A template learned from a chunk's text alone, or undefined when the text is not a plain delta chunk or does not
   * locate its value unambiguously. It costs one JSON.parse (of the text with sentinels in the slots); the chunk it
   * was learned from is then read through the template like the rest.
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
    const valueEnd = stringEnd(text, valueStart);
    // The delta must close right after its one field.
    if (valueEnd === -1 || text.charCodeAt(valueEnd + 1) !== closingBrace) return undefined;
    const value: Slot = { start: valueStart, end: valueEnd, kind: 'string', perStream: false, probe: JSON.stringify(valueSentinel) };
    const slots: Slot[] = [value];
    for (const { marker, kind, perStream, sentinel } of dontCareFields) {
      const start = uniqueValueStart(text, marker);
      if (start === -1) continue;
      const end = kind === 'string' ? stringEnd(text, start) : integerEnd(text, start);
      if (end !== -1) slots.push({ start, end, kind, perStream, probe: kind === 'string' ? JSON.stringify(sentinel) : sentinel });
    }
    slots.sort((a, b) => a.start - b.start);
    const fixed: string[] = [];
    let probe = '';
    let position = 0;
    for (const slot of slots) {
      if (slot.start < position) return undefined;
      fixed.push(text.slice(position, slot.start));
      probe += fixed[fixed.length - 1] + slot.probe;
      position = slot.end + 1;
    }
    fixed.push(text.slice(position));
    probe += text.slice(position);
    // The proof: with sentinels in the slots the chunk is a plain delta chunk, and its value is the value slot.
    let proven: Record<string, unknown>;
    try {
      proven = JSON.parse(probe) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (proven === null || typeof proven !== 'object' || plainDeltaField(proven) !== field) return undefined;
    if ((proven as unknown as PlainChunk).choices[0].delta[field] !== valueSentinel) return undefined;
    return new DeltaTemplate(field, fixed, slots, slots.indexOf(value));
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
      if (this.#integer[index]) {
        const end = integerEnd(text, start);
        if (end === -1) return undefined;
        position = end + 1;
        continue;
      }
      const end = stringEnd(text, start);
      if (end === -1) return undefined;
      if (index === this.#valueSlot) {
        value = stringValue(text, start, end);
        if (value === undefined) return undefined;
      } else if (!validString(text, start, end)) {
        return undefined;
      }
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
  return at + marker.length;
}

/** The index of the last digit of the non-negative JSON integer (no leading zero) at `start`, or -1. */
function integerEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === zero) return start;
  if (!(first > zero && first <= nine)) return -1;
  let end = start;
  for (let code = text.charCodeAt(end + 1); code >= zero && code <= nine; code = text.charCodeAt(end + 1)) end++;
  return end;
}

/** The index of the quote closing the JSON string literal that opens at `start`, or -1. */
function stringEnd(text: string, start: number): number {
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

/** Whether the literal between the quotes at `start` and `end` has no escape and no control character. */
function plainString(text: string, start: number, end: number): boolean {
  for (let index = start + 1; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === backslash) return false;
  }
  return true;
}

/** The value of the literal between the quotes at `start` and `end`, or undefined when it is not valid JSON. */
function stringValue(text: string, start: number, end: number): string | undefined {
  if (plainString(text, start, end)) return text.slice(start + 1, end);
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return undefined;
  }
}

/** Whether the literal between the quotes at `start` and `end` is valid JSON (without making its value if it is plain). */
function validString(text: string, start: number, end: number): boolean {
  return plainString(text, start, end) || stringValue(text, start, end) !== undefined;
}
