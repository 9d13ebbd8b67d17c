/**
 * What the fuzz tests share: how many runs a property gets, and the generators of request bodies.
 *
 * Runs: each property runs a modest default so `npm test` stays fast; `FUZZ_RUNS=100000` sets every property's count
 * for a long run, and `FUZZ_SEED` replays one (fast-check prints the seed and path of any failure).
 *
 * Bodies: arbitrary JSON finds little, since almost all of it fails the first check. Most cases here are *near-valid*:
 * a valid OpenAI body with one thing changed (a value replaced by a hostile one, a field removed, an unknown field
 * added, an array stretched past a limit, a value nested deep), which reaches the checks and translations further in.
 */
import fc from 'fast-check';

export function runCount(defaultRuns: number): number {
  const configured = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(configured) && configured > 0 ? configured : defaultRuns;
}

export function fuzzParameters(defaultRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  const path = process.env.FUZZ_PATH;
  return { numRuns: runCount(defaultRuns), ...(seed === undefined ? {} : { seed }), ...(path === undefined ? {} : { path }) };
}

/** Counts what a property tried, for the run's figures (printed as a test diagnostic). */
export class Tally {
  readonly #started = performance.now();
  readonly #counts = new Map<string, number>();
  total = 0;

  add(outcome: string): void {
    this.total++;
    this.#counts.set(outcome, (this.#counts.get(outcome) ?? 0) + 1);
  }

  summary(what: string): string {
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(1);
    const outcomes = [...this.#counts].sort((a, b) => b[1] - a[1]).map(([outcome, count]) => `${outcome} ${count}`);
    return `${this.total} ${what} in ${seconds} s (${outcomes.join(', ')})`;
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** An object with an own `__proto__` key, as JSON.parse builds it (a literal would set the prototype instead). */
function withOwnProtoKey(value: Json): JsonObject {
  return JSON.parse(`{"__proto__":${JSON.stringify(value)},"x":1}`) as JsonObject;
}

function nested(depth: number, leaf: Json, asObject: boolean): Json {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = asObject ? { a: value } : [value];
  return value;
}

const deepTag = Symbol('deep');

/**
 * A value nested `depth` levels down, kept as a recipe: thousands of levels overflow the stack of `JSON.stringify` and
 * `structuredClone`, so `toJsonText` writes it out as text.
 */
export interface Deep {
  readonly [deepTag]: true;
  readonly depth: number;
  readonly asObject: boolean;
  readonly leaf: unknown;
}

function deep(depth: number, leaf: unknown, asObject: boolean): Deep {
  return { [deepTag]: true, depth, asObject, leaf };
}

function isDeep(value: unknown): value is Deep {
  return typeof value === 'object' && value !== null && deepTag in value;
}

/** A generated body as JSON text, however deep (JSON.stringify's output for everything else). */
export function toJsonText(value: unknown): string {
  if (isDeep(value)) {
    const [open, close] = value.asObject ? ['{"a":', '}'] : ['[', ']'];
    return `${open.repeat(value.depth)}${toJsonText(value.leaf)}${close.repeat(value.depth)}`;
  }
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : toJsonText(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record).filter((key) => record[key] !== undefined);
    return `{${fields.map((key) => `${JSON.stringify(key)}:${toJsonText(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const loneSurrogates = ['\ud800', '\udfff', 'a\ud83d', '\ude00b'];

/** Strings that have broken parsers and translators elsewhere: empty, control characters, unicode edges, number-like. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\n\r\t',
    '\u2028\u2029',
    '😀',
    'e\u0301',
    '\ufeff',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e999',
    '-0',
    '0x10',
    'null',
    'true',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    'toString',
    '%E0%A4%A',
    '../../etc/passwd',
    'data:',
    'data:image/png;base64,',
    'https://',
    '\\',
    '"',
    '[emulator-fault',
    ...loneSurrogates,
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 1000, max: 20_000 }).map((length) => 'a'.repeat(length)),
);

/** Numbers at and past every edge the gateway checks. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 1.5, 2, 2.0000001, 4, 5, 64, 65, 128, 2048, 2049, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 8.64e12, 8.64e12 + 1),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A value to put where a valid one was. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 2, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}, [[]], [null], [''], [{}], { type: null }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: (fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>).map(withOwnProtoKey) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2, max: 700 }), fc.boolean()).map(([depth, asObject]) => nested(depth, 1, asObject)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 3000, max: 5000 }), fc.constantFrom<Json>('', 'x', 0, null, {})).map(([length, item]) => Array.from({ length }, () => item)) },
);

// ---------------------------------------------------------------------------------------------------------------
// Valid OpenAI chat bodies.

export const chatModels = ['gpt-4o-mini', 'solo', 'local'] as const;
const text = fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 30 }) }, { weight: 1, arbitrary: hostileString });
const toolName = fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/);
const textPart = fc.record({ type: fc.constant('text'), text });
const textContent = fc.oneof(text, fc.array(textPart, { maxLength: 3 }));

const imageUrl = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('https://example.com/cat.png', 'https://example.com/a%20b.jpg?x=1#y') },
  { weight: 2, arbitrary: fc.webUrl({ validSchemes: ['https'] }) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('image/png', 'image/jpeg', 'image/jpg', 'IMAGE/PNG', ' image/webp', 'image/gif', 'image/heic', 'image/svg+xml', 'text/plain', 'image/', ''),
        fc.constantFrom(';base64', ';charset=utf-8;base64', ';BASE64', ';name=x;base64'),
        fc.oneof(fc.base64String({ minLength: 4, maxLength: 40 }), fc.constantFrom('', 'A', 'AAA', '!!!!', 'AAAA====', 'QUJD\nRA==')),
      )
      .map(([type, parameters, data]) => `data:${type}${parameters},${data}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('data:image/png,notbase64', 'data:image/png;base64', 'http://example.com/x.png', 'HTTPS://EXAMPLE.COM/X.PNG', 'ftp://x/y.png', 'data:,', 'file:///etc/passwd') },
);
const imagePart = fc.record(
  { type: fc.constant('image_url'), image_url: fc.record({ url: imageUrl, detail: fc.constantFrom('auto', 'low', 'high') }, { requiredKeys: ['url'] }) },
);

const jsonObjectText = fc.oneof(
  { weight: 3, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.constantFrom('', '  ', '{}', '[]', 'null', '"text"', '{"a":', '{"__proto__":{"x":1}}', '1e999') },
);

/** A `{ref: n}` tool_call_id is replaced by the id of an earlier tool call (see `linkToolResults`). */
const toolCallReference = fc.nat({ max: 5 }).map((index) => ({ ref: index }));

const toolCall = fc.record({
  id: fc.oneof(fc.stringMatching(/^call_[a-zA-Z0-9]{1,24}$/), text),
  type: fc.constant('function'),
  function: fc.record({ name: toolName, arguments: jsonObjectText }),
});

const systemMessage = fc.record({ role: fc.constantFrom('system', 'developer'), content: textContent, name: text }, { requiredKeys: ['role', 'content'] });
const userMessage = fc.record(
  { role: fc.constant('user'), content: fc.oneof({ weight: 2, arbitrary: text }, { weight: 3, arbitrary: fc.array(fc.oneof(textPart, imagePart), { maxLength: 4 }) }), name: text },
  { requiredKeys: ['role', 'content'] },
);
const assistantMessage = fc.record(
  {
    role: fc.constant('assistant'),
    content: fc.oneof(text, fc.constant(null), fc.array(textPart, { maxLength: 2 })),
    tool_calls: fc.array(toolCall, { minLength: 1, maxLength: 3 }),
    refusal: fc.oneof(text, fc.constant(null)),
    name: text,
  },
  { requiredKeys: ['role'] },
);
const toolMessage = fc.record({ role: fc.constant('tool'), tool_call_id: fc.oneof({ weight: 4, arbitrary: toolCallReference }, { weight: 1, arbitrary: text }), content: textContent });

const message = fc.oneof({ weight: 1, arbitrary: systemMessage }, { weight: 4, arbitrary: userMessage }, { weight: 2, arbitrary: assistantMessage }, { weight: 2, arbitrary: toolMessage });

/**
 * JSON Schema-like values, from plain to odd (refs, unions, nullable types), for tool parameters and response formats.
 * No `minItems` or `minLength`: the emulator builds its reply from the schema and would build an array or string that
 * long (its own limit, not the gateway's).
 */
function schemaOf(references: boolean): fc.Arbitrary<unknown> {
  return fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record(
        {
          type: fc.oneof(fc.constantFrom('string', 'number', 'integer', 'boolean', 'null', 'object', 'array', 'STRING', 'date'), fc.constantFrom(['string', 'null'], ['integer', 'string'], [])),
          description: text,
          title: text,
          enum: fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.constant(null), fc.integer()), { maxLength: 3 }),
          const: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
          format: fc.constantFrom('date-time', 'float', 'int64', 'email', 'uuid'),
          nullable: fc.boolean(),
          minimum: hostileNumber,
          maxLength: hostileNumber,
          pattern: fc.constantFrom('^a+$', '(', '\\d{2}'),
        },
        { requiredKeys: [] },
      ),
      fc.record(
        {
          type: fc.constant('object'),
          properties: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'a/b', 'a~b')), tie('node'), { maxKeys: 4 }),
          required: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
          additionalProperties: fc.oneof(fc.boolean(), tie('node')),
          $defs: fc.dictionary(fc.constantFrom('A', 'B', 'a/b'), tie('node'), { maxKeys: 2 }),
        },
        { requiredKeys: ['type'] },
      ),
      fc.record({ type: fc.constant('array'), items: fc.oneof(tie('node'), fc.array(tie('node'), { maxLength: 2 })), maxItems: hostileNumber }, { requiredKeys: ['type'] }),
      fc.record({ anyOf: fc.array(tie('node'), { maxLength: 3 }) }),
      fc.record({ oneOf: fc.array(tie('node'), { maxLength: 3 }) }),
      fc.record({ allOf: fc.array(tie('node'), { maxLength: 3 }) }),
      references
        ? fc.record({ $ref: fc.constantFrom('#', '#/$defs/A', '#/$defs/B', '#/$defs/a~1b', '#/properties/x', 'http://example.com/s.json', '#/%E0', '#/$defs/A/properties/0') })
        : fc.constant({ type: 'string' }),
      fc.constantFrom<unknown>({}, true, false, { type: 'object' }, { not: {} }),
    ) as fc.Arbitrary<unknown>,
  })).node;
}

/** Resolves the `{ref}` placeholders: tool results answer earlier calls, a named tool choice names a declared tool. */
function linkToolResults(body: Record<string, unknown>): Record<string, unknown> {
  const callIds: string[] = [];
  for (const message of body.messages as Array<Record<string, unknown>>) {
    if (Array.isArray(message.tool_calls)) for (const call of message.tool_calls as Array<{ id: string }>) callIds.push(call.id);
    const reference = message.tool_call_id as { ref?: number } | string;
    if (typeof reference === 'object') message.tool_call_id = callIds.length === 0 ? 'call_unknown' : callIds[reference.ref! % callIds.length];
  }
  const choice = body.tool_choice as { ref?: number } | string | undefined;
  if (typeof choice === 'object') {
    const tools = body.tools as Array<{ function: { name: string } }> | undefined;
    if (tools === undefined) delete body.tool_choice;
    else body.tool_choice = { type: 'function', function: { name: tools[choice.ref! % tools.length].function.name } };
  }
  if (body.stream !== true) delete body.stream_options;
  return body;
}

/** One exchange after the first user turn: a text reply and the next question, or tool calls and their results. */
const round = fc.oneof(
  fc.tuple(fc.string({ maxLength: 20 }), userMessage).map(([reply, user]) => [{ role: 'assistant', content: reply }, user]),
  fc.array(toolCall, { minLength: 1, maxLength: 2 }).map((calls) => [
    { role: 'assistant', content: null, tool_calls: calls },
    ...calls.map((call) => ({ role: 'tool', tool_call_id: call.id, content: `result of ${call.function.name}` })),
  ]),
);

export interface ChatBodies {
  /** Bodies of the OpenAI API's shape, each field drawn alone (so not every one is coherent: a tool result may answer no call). */
  readonly valid: fc.Arbitrary<Record<string, unknown>>;
  /** Coherent conversations, as an upstream expects them: most reach it. */
  readonly wellFormed: fc.Arbitrary<Record<string, unknown>>;
  /** A valid body with one mutation. */
  readonly nearValid: fc.Arbitrary<Json>;
}

/**
 * The chat body generators; without `references`, schemas have no `$ref` (the emulator follows a recursive one until
 * its stack overflows, which would be its 500, not the gateway's).
 */
function chatBodies(references: boolean): ChatBodies {
  const schema = schemaOf(references);
  const tool = fc.record(
    {
      type: fc.constant('function'),
      function: fc.record({ name: toolName, description: text, parameters: fc.oneof(schema, fc.constant({ type: 'object', properties: {} })), strict: fc.boolean() }, { requiredKeys: ['name'] }),
    },
    { requiredKeys: ['type', 'function'] },
  );

  /** A `{ref: n}` tool_choice names the body's n-th tool (see `linkToolResults`). */
  const toolChoice = fc.oneof(fc.constantFrom('auto', 'none', 'required'), fc.nat({ max: 3 }).map((index) => ({ ref: index })));

  const responseFormat = fc.oneof(
    fc.constant({ type: 'text' }),
    fc.constant({ type: 'json_object' }),
    fc.record(
      { type: fc.constant('json_schema'), json_schema: fc.record({ name: toolName, description: text, schema, strict: fc.boolean() }, { requiredKeys: ['name'] }) },
    ),
  );

  const chatFields = {
    model: fc.constantFrom(...chatModels),
    messages: fc.array(message, { minLength: 1, maxLength: 6 }),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    max_tokens: fc.integer({ min: 1, max: 100_000 }),
    max_completion_tokens: fc.integer({ min: 1, max: 100_000 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer(),
    stop: fc.oneof(text, fc.array(text, { maxLength: 4 })),
    user: text,
    tools: fc.array(tool, { minLength: 1, maxLength: 3 }),
    tool_choice: toolChoice,
    parallel_tool_calls: fc.boolean(),
    response_format: responseFormat,
    n: fc.constant(1),
    presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    logprobs: fc.boolean(),
    frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    interchange: fc.record({
      providers: fc.record(
        { order: fc.array(fc.constantFrom('primary', 'secondary'), { maxLength: 2 }), ignore: fc.constant(['secondary']), allow_fallbacks: fc.boolean(), zdr: fc.constant(false) },
        { requiredKeys: [] },
      ),
    }),
  };

  /** A chat completion body the OpenAI API would take (the gateway may still refuse a part, e.g. an image type). */
  const valid: fc.Arbitrary<Record<string, unknown>> = fc
    .record(chatFields, { requiredKeys: ['model', 'messages'] })
    .map((body) => linkToolResults(structuredClone(body) as Record<string, unknown>));

  /**
   * A body shaped as an upstream expects a conversation (tool results right after their calls, tool settings only with
   * tools, `json` mentioned for JSON mode), so that most reach the upstream and come back translated.
   */
  const wellFormed: fc.Arbitrary<Record<string, unknown>> = fc
    .tuple(valid, fc.option(systemMessage, { nil: undefined }), userMessage, fc.array(round, { maxLength: 2 }))
    .map(([body, system, first, rounds]) => {
      const messages: Array<Record<string, unknown>> = [{ role: 'system', content: 'Answer in json when asked.' }];
      if (system !== undefined) messages.push(system);
      messages.push(first);
      for (const exchange of rounds) messages.push(...(exchange as Array<Record<string, unknown>>));
      let callNumber = 0;
      for (const message of messages) {
        if (Array.isArray(message.tool_calls)) for (const call of message.tool_calls as Array<{ id: string }>) call.id = `call_${++callNumber}`;
      }
      callNumber = 0;
      for (const message of messages) if (message.role === 'tool') message.tool_call_id = `call_${++callNumber}`;
      const result: Record<string, unknown> = { ...body, messages: structuredClone(messages) };
      if (result.tools === undefined) {
        delete result.tool_choice;
        delete result.parallel_tool_calls;
      }
      return result;
    });
  const nearValid = fc.tuple(valid, fc.nat(), mutation).map(([body, pick, change]) => mutate(body, pick, change));
  return { valid, wellFormed, nearValid };
}

export const validEmbeddingBody: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    model: fc.constant('text-embedding-3-small'),
    input: fc.oneof(
      text.filter((value) => value !== ''),
      fc.array(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 16 }),
      fc.array(fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
    ),
    dimensions: fc.integer({ min: 1, max: 3072 }),
    encoding_format: fc.constantFrom('float', 'base64'),
    user: text,
  },
  { requiredKeys: ['model', 'input'] },
);

// ---------------------------------------------------------------------------------------------------------------
// One mutation of a valid body.

type Path = ReadonlyArray<string | number>;

/** Every path to a value in the body, the root included, in a stable order. */
function pathsOf(value: Json, prefix: Path = [], into: Path[] = []): Path[] {
  into.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => pathsOf(item, [...prefix, index], into));
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) pathsOf(value[key], [...prefix, key], into);
  return into;
}

function parentOf(root: Json, path: Path): Json {
  let current = root;
  for (const step of path.slice(0, -1)) current = (current as Record<string | number, Json>)[step];
  return current;
}

function setOwn(target: Record<string | number, Json>, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export type Mutation =
  | { readonly kind: 'replace'; readonly value: Json }
  | { readonly kind: 'remove' }
  | { readonly kind: 'add-field'; readonly key: string; readonly value: Json }
  | { readonly kind: 'stretch'; readonly copies: number }
  | { readonly kind: 'wrap'; readonly asObject: boolean }
  | { readonly kind: 'as-string' }
  | { readonly kind: 'deepen'; readonly depth: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: hostileValue.map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'remove' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'role', 'type', 'content', 'model', 'stream', 'tools', 'n', 'interchange'), fc.string({ maxLength: 10 })), hostileValue)
      .map(([key, value]) => ({ kind: 'add-field' as const, key, value })),
  },
  { weight: 1, arbitrary: fc.constantFrom(2, 4, 5, 64, 65, 2049).map((copies) => ({ kind: 'stretch' as const, copies })) },
  { weight: 1, arbitrary: fc.boolean().map((asObject) => ({ kind: 'wrap' as const, asObject })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'as-string' as const }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.constantFrom(5_000, 20_000)).map((depth) => ({ kind: 'deepen' as const, depth })) },
);

/** The body with one mutation at the `pick`-th of its paths (modulo their count). Mutates a copy. */
export function mutate(body: Record<string, unknown>, pick: number, change: Mutation): Json {
  const root = structuredClone(body) as Json;
  const paths = pathsOf(root);
  const path = paths[pick % paths.length];
  const current = path.length === 0 ? root : (parentOf(root, path) as Record<string | number, Json>)[path.at(-1)!];
  let next: Json | undefined;
  switch (change.kind) {
    case 'replace':
      next = change.value;
      break;
    case 'remove':
      next = undefined;
      break;
    case 'add-field':
      if (current !== null && typeof current === 'object' && !Array.isArray(current)) setOwn(current, change.key, change.value);
      return root;
    case 'stretch': {
      // Past a count limit with the value's own items, or with small stand-ins when those are large.
      const items = Array.isArray(current) && current.length > 0 ? current : [current];
      const small = items.filter((item) => (JSON.stringify(item) ?? '').length <= 200);
      next = Array.from({ length: change.copies }, (_, index) => (small.length === 0 ? 'x' : small[index % small.length]));
      break;
    }
    case 'wrap':
      next = change.asObject ? { value: current } : [current];
      break;
    case 'as-string':
      next = JSON.stringify(current);
      break;
    case 'deepen':
      next = deep(change.depth, current, change.depth % 2 === 0) as unknown as Json;
      break;
  }
  if (path.length === 0) return next === undefined ? null : next;
  const parent = parentOf(root, path) as Record<string | number, Json> & Json[];
  const key = path.at(-1)!;
  if (next !== undefined) setOwn(parent, key, next);
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
  return root;
}

export const nearValidEmbeddingBody: fc.Arbitrary<Json> = fc.tuple(validEmbeddingBody, fc.nat(), mutation).map(([body, pick, change]) => mutate(body, pick, change));

// ---------------------------------------------------------------------------------------------------------------
// Raw bodies: bytes as they arrive on the wire.

/** Bodies that are not JSON, not UTF-8, cut short or nested past any limit, next to JSON ones. */
export function rawBodies(json: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  const text = json.map((value) => Buffer.from(toJsonText(value)));
  return fc.oneof(
    { weight: 6, arbitrary: text },
    { weight: 2, arbitrary: fc.tuple(text, fc.nat()).map(([bytes, cut]) => bytes.subarray(0, bytes.length === 0 ? 0 : cut % bytes.length)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(text, fc.nat(), fc.constantFrom([0xff], [0xc3], [0xe0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x00], [0x22], [0x5c]))
        .map(([bytes, at, inserted]) => {
          const position = bytes.length === 0 ? 0 : at % bytes.length;
          return Buffer.concat([bytes.subarray(0, position), Buffer.from(inserted), bytes.subarray(position)]);
        }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.oneof(fc.integer({ min: 500, max: 520 }), fc.constantFrom(5_000, 50_000)), fc.constantFrom('[', '{"a":'), fc.boolean())
        .map(([depth, open, closed]) => Buffer.from(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"x":${open.repeat(depth)}1${closed ? (open === '[' ? ']' : '}').repeat(depth) : ''}}`)),
    },
    { weight: 1, arbitrary: fc.constantFrom(5_000, 100_000, 300_000).map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth))) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '0', '""', '[]', '{}', '\ufeff{}', '{"model":"gpt-4o-mini","messages":[]}').map((body) => Buffer.from(body)) },
  );
}

/** With every kind of schema, for the parsers and translators. */
export const chat = chatBodies(true);
/** For bodies the emulator will see. */
export const chatForUpstream = chatBodies(false);
export const validChatBody = chat.valid;
export const wellFormedChatBody = chat.wellFormed;
export const nearValidChatBody = chat.nearValid;
