/**
 * InvokeModel (`POST /model/{modelId}/invoke`) for Bedrock's text embedding models, each family with its own body:
 *
 * - Amazon Titan Text Embeddings V2: `{ inputText, dimensions?, normalize?, embeddingTypes? }` →
 *   `{ embedding, embeddingsByType, inputTextTokenCount }`, with `x-amzn-bedrock-input-token-count`.
 * - Cohere Embed v3: `{ texts, input_type, truncate?, embedding_types? }` → `{ embeddings, id, response_type, texts }`
 *   (`embeddings_floats`, or `embeddings_by_type` when types are asked for); no token count anywhere.
 *
 * Vectors are the OpenAI emulator's (`embeddingVector`): the same text gets the same unit vector on every cloud, and
 * a shorter one is the first components of the longer one, renormalised. Bodies are checked with Bedrock's JSON-schema
 * wording (`Malformed input request: #/dimensions: 300 is not a valid enum value, please reformat your input and try
 * again.`). Never imports from `src/`.
 */
import { randomUUID } from 'node:crypto';
import { countTokens, splitTokens, type Exchange, type HeaderList } from '../core/index.ts';
import { embeddingVector } from '../openai/embeddings.ts';
import { awsError, baseHeaders, validationError, type AwsError } from './bedrock-errors.ts';

export type EmbeddingFamily = 'titan-v2' | 'cohere-v3';

/** The family of a served model ID; undefined for chat models. */
export function embeddingFamily(id: string): EmbeddingFamily | undefined {
  const dot = id.indexOf('.');
  const unprefixed = dot < 0 ? id : id.slice(dot + 1);
  for (const candidate of [id, unprefixed]) {
    if (candidate.startsWith('amazon.titan-embed-text-v2')) return 'titan-v2';
    if (candidate.startsWith('cohere.embed-english-v3') || candidate.startsWith('cohere.embed-multilingual-v3')) return 'cohere-v3';
  }
  return undefined;
}

export const TITAN_DIMENSIONS: readonly number[] = [256, 512, 1024];
export const TITAN_MAX_TOKENS = 8192;
export const TITAN_MAX_CHARACTERS = 50_000;
export const COHERE_DIMENSIONS = 1024;
export const COHERE_MAX_TEXTS = 96;
export const COHERE_MAX_CHARACTERS = 2048;
export const COHERE_MAX_TOKENS = 512;
const COHERE_INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'];
const COHERE_TRUNCATE = ['NONE', 'START', 'END'];
const COHERE_TYPES = ['float', 'int8', 'uint8', 'binary', 'ubinary'];
const TITAN_TYPES = ['float', 'binary'];
const TITAN_KEYS = new Set(['inputText', 'dimensions', 'normalize', 'embeddingTypes']);
const COHERE_KEYS = new Set(['texts', 'images', 'input_type', 'truncate', 'embedding_types']);

/** A checked request's answer, sent once the model's quota admits it. */
export interface InvokeReply {
  readonly headers: HeaderList;
  readonly body: string;
}

/** `Malformed input request: <detail>, please reformat your input and try again.` */
function malformed(detail: string): AwsError {
  return validationError(`Malformed input request: ${detail}, please reformat your input and try again.`);
}

function typeName(value: unknown): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'JSONArray';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'BigDecimal';
  return 'JSONObject';
}

function expected(path: string, type: string, value: unknown): AwsError {
  return malformed(`${path}: expected type: ${type}, found: ${typeName(value)}`);
}

/** Unknown keys, then missing required ones, as JSON schema reports them. */
function checkKeys(body: Record<string, unknown>, allowed: ReadonlySet<string>, required: readonly string[]): AwsError | undefined {
  for (const key of Object.keys(body)) if (!allowed.has(key)) return malformed(`#: extraneous key [${key}] is not permitted`);
  for (const key of required) if (body[key] === undefined) return malformed(`#: required key [${key}] not found`);
  return undefined;
}

/** A list of enum values, each at most once. */
function checkTypes(path: string, value: unknown, allowed: readonly string[]): string[] | AwsError {
  if (!Array.isArray(value)) return expected(path, 'JSONArray', value);
  if (value.length === 0) return malformed(`${path}: expected minimum item count: 1, found: 0`);
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (typeof item !== 'string') return expected(`${path}/${index}`, 'String', item);
    if (!allowed.includes(item)) return malformed(`${path}/${index}: ${item} is not a valid enum value`);
  }
  if (new Set(value).size !== value.length) return malformed(`${path}: array items are not unique`);
  return value as string[];
}

function floats(vector: Float32Array, scale = 1): number[] {
  const values = new Array<number>(vector.length);
  for (let index = 0; index < vector.length; index++) values[index] = Math.fround(vector[index] * scale);
  return values;
}

/** Signed (int8) or unsigned (uint8) scalar quantisation of a unit vector's components. */
function quantised(vector: Float32Array, signed: boolean): number[] {
  const values = new Array<number>(vector.length);
  for (let index = 0; index < vector.length; index++) {
    const clamped = Math.max(-1, Math.min(1, vector[index] * 8));
    values[index] = signed ? Math.round(clamped * 127) : Math.round((clamped + 1) * 127.5);
  }
  return values;
}

/** One bit per component (set when positive), packed eight to a byte, as int8 (`binary`) or uint8 (`ubinary`). */
function packedBits(vector: Float32Array, signed: boolean): number[] {
  const values = new Array<number>(Math.ceil(vector.length / 8)).fill(0);
  for (let index = 0; index < vector.length; index++) if (vector[index] > 0) values[index >> 3] |= 0x80 >> (index & 7);
  return signed ? values.map((byte) => (byte > 127 ? byte - 256 : byte)) : values;
}

/** Titan Text Embeddings V2. */
export function invokeTitan(exchange: Exchange, body: Record<string, unknown>): AwsError | InvokeReply {
  const keys = checkKeys(body, TITAN_KEYS, ['inputText']);
  if (keys !== undefined) return keys;
  const text = body.inputText;
  if (typeof text !== 'string') return expected('#/inputText', 'String', text);
  if (text.length === 0) return malformed('#/inputText: expected minLength: 1, actual: 0');
  if (text.length > TITAN_MAX_CHARACTERS) return malformed(`#/inputText: expected maxLength: ${TITAN_MAX_CHARACTERS}, actual: ${text.length}`);
  let dimensions = 1024;
  if (body.dimensions !== undefined) {
    if (typeof body.dimensions !== 'number' || !Number.isInteger(body.dimensions)) return expected('#/dimensions', 'Integer', body.dimensions);
    if (!TITAN_DIMENSIONS.includes(body.dimensions)) return malformed(`#/dimensions: ${body.dimensions} is not a valid enum value`);
    dimensions = body.dimensions;
  }
  const normalize = body.normalize ?? true;
  if (typeof normalize !== 'boolean') return expected('#/normalize', 'Boolean', normalize);
  const types = body.embeddingTypes === undefined ? ['float'] : checkTypes('#/embeddingTypes', body.embeddingTypes, TITAN_TYPES);
  if (!Array.isArray(types)) return types;
  const tokens = countTokens(text);
  if (tokens > TITAN_MAX_TOKENS) {
    return validationError(`400 Bad Request: Too many input tokens. Max input tokens: ${TITAN_MAX_TOKENS}, request input token count: ${tokens} `);
  }
  const vector = embeddingVector(text, dimensions);
  // Unnormalised, the components keep the generator's spread (about √(d/3) long).
  const embedding = floats(vector, normalize ? 1 : Math.sqrt(dimensions / 3));
  const byType: Record<string, number[]> = {};
  for (const type of types) byType[type] = type === 'float' ? embedding : Array.from(vector, (value) => (value > 0 ? 1 : 0));
  const headers = baseHeaders('application/json');
  headers.push('x-amzn-bedrock-input-token-count', String(tokens), 'x-amzn-bedrock-invocation-latency', String(exchange.elapsedMs()));
  return { headers, body: JSON.stringify({ embedding, embeddingsByType: byType, inputTextTokenCount: tokens }) };
}

/** Cohere Embed v3 (English or multilingual). */
export function invokeCohere(body: Record<string, unknown>): AwsError | InvokeReply {
  const keys = checkKeys(body, COHERE_KEYS, ['input_type']);
  if (keys !== undefined) return keys;
  if (body.images !== undefined) return validationError('The emulator embeds texts only: images are not supported.');
  const texts = body.texts;
  if (texts === undefined) return malformed('#: required key [texts] not found');
  if (!Array.isArray(texts)) return expected('#/texts', 'JSONArray', texts);
  if (texts.length > COHERE_MAX_TEXTS) return malformed(`#/texts: expected maximum item count: ${COHERE_MAX_TEXTS}, found: ${texts.length}`);
  for (let index = 0; index < texts.length; index++) {
    const text: unknown = texts[index];
    if (typeof text !== 'string') return expected(`#/texts/${index}`, 'String', text);
    if (text.length > COHERE_MAX_CHARACTERS) return malformed(`#/texts/${index}: expected maxLength: ${COHERE_MAX_CHARACTERS}, actual: ${text.length}`);
  }
  const inputType = body.input_type;
  if (typeof inputType !== 'string') return expected('#/input_type', 'String', inputType);
  if (!COHERE_INPUT_TYPES.includes(inputType)) return malformed(`#/input_type: ${inputType} is not a valid enum value`);
  const truncate = body.truncate ?? 'NONE';
  if (typeof truncate !== 'string') return expected('#/truncate', 'String', truncate);
  if (!COHERE_TRUNCATE.includes(truncate)) return malformed(`#/truncate: ${truncate} is not a valid enum value`);
  const types = body.embedding_types === undefined ? undefined : checkTypes('#/embedding_types', body.embedding_types, COHERE_TYPES);
  if (types !== undefined && !Array.isArray(types)) return types;
  const vectors: Float32Array[] = [];
  for (const text of texts as string[]) {
    let embedded = text;
    if (countTokens(text) > COHERE_MAX_TOKENS) {
      if (truncate === 'NONE') return validationError('Input is too long for requested model.');
      const tokens = splitTokens(text);
      embedded = (truncate === 'END' ? tokens.slice(0, COHERE_MAX_TOKENS) : tokens.slice(-COHERE_MAX_TOKENS)).join('');
    }
    vectors.push(embeddingVector(embedded, COHERE_DIMENSIONS));
  }
  let embeddings: unknown;
  if (types === undefined) embeddings = vectors.map((vector) => floats(vector));
  else {
    const byType: Record<string, number[][]> = {};
    for (const type of types) {
      byType[type] = vectors.map((vector) => {
        if (type === 'float') return floats(vector);
        if (type === 'int8' || type === 'uint8') return quantised(vector, type === 'int8');
        return packedBits(vector, type === 'binary');
      });
    }
    embeddings = byType;
  }
  const response = { embeddings, id: randomUUID(), response_type: types === undefined ? 'embeddings_floats' : 'embeddings_by_type', texts };
  return { headers: baseHeaders('application/json'), body: JSON.stringify(response) };
}

/** InvokeModel on a model the emulator serves only through Converse. */
export const INVOKE_CHAT_MODEL = awsError(
  400,
  'ValidationException',
  'The emulator serves InvokeModel for embedding models only (amazon.titan-embed-text-v2:0, cohere.embed-english-v3, cohere.embed-multilingual-v3); use Converse.',
);

/** Converse on an embedding model, as Bedrock refuses it. */
export const CONVERSE_EMBEDDING_MODEL = validationError("This action doesn't support the model that you provided. Try again with a supported text or chat model.");
