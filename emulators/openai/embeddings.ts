/**
 * `POST /v1/embeddings`: deterministic unit vectors seeded by a hash of each input.
 * The vector for `dimensions: d` is the first d components of the full vector, renormalised (as the
 * text-embedding-3 models behave). Values are float32; `encoding_format: 'base64'` is their little-endian bytes.
 */
import { countTokens, hashString, nextState, unitFromState, type Exchange } from '../core/index.ts';
import {
  belowMinimum,
  aboveMaximum,
  invalidRequest,
  invalidType,
  invalidValue,
  missingParameter,
  type OpenAIError,
} from './openai-errors.ts';
import { acceptsDimensions, embeddingDimensions } from './models.ts';
import { JSON_CONTENT_TYPE, responseHeaders } from './response-headers.ts';

const MAX_INPUTS = 2048;

export interface EmbeddingInput {
  readonly model: string;
  /** Each input as text, or as token ids. */
  readonly inputs: ReadonlyArray<string | readonly number[]>;
  readonly dimensions: number | undefined;
  readonly base64: boolean;
}

/** `model`, when given, is the model to serve whatever the body says (see `readChatRequest`). */
export function readEmbeddingRequest(body: unknown, model?: string): EmbeddingInput | OpenAIError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    if (body === undefined) return missingParameter(model === undefined ? 'model' : 'input');
    return invalidType('body', 'an object', body);
  }
  const request = body as Record<string, unknown>;
  if (model === undefined) {
    const named = request.model;
    if (named === undefined || named === null) return missingParameter('model');
    if (typeof named !== 'string') return invalidType('model', 'a string', named);
    model = named;
  }
  const input = request.input;
  if (input === undefined || input === null) return missingParameter('input');
  const inputs: Array<string | readonly number[]> = [];
  if (typeof input === 'string') {
    inputs.push(input);
  } else if (Array.isArray(input)) {
    if (input.length === 0) {
      return invalidRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'input', 'invalid_value');
    }
    if (input.length > MAX_INPUTS) {
      return invalidRequest(
        `Invalid 'input': array too long. Expected an array with maximum length ${MAX_INPUTS}, but got an array with length ${input.length} instead.`,
        'input',
        'array_above_max_length',
      );
    }
    if (typeof input[0] === 'number') {
      for (let index = 0; index < input.length; index++) {
        if (!Number.isInteger(input[index])) return invalidType(`input[${index}]`, 'an integer', input[index]);
      }
      inputs.push(input as number[]);
    } else {
      for (let index = 0; index < input.length; index++) {
        const entry: unknown = input[index];
        if (typeof entry === 'string') {
          inputs.push(entry);
        } else if (Array.isArray(entry) && entry.length > 0 && entry.every((token) => Number.isInteger(token))) {
          inputs.push(entry as number[]);
        } else {
          return invalidType(`input[${index}]`, 'a string or an array of integers', entry);
        }
      }
    }
  } else {
    return invalidType('input', 'a string or an array', input);
  }
  for (let index = 0; index < inputs.length; index++) {
    if (inputs[index] === '') {
      return invalidRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'input', 'invalid_value');
    }
  }
  let dimensions: number | undefined;
  const rawDimensions = request.dimensions;
  if (rawDimensions !== undefined && rawDimensions !== null) {
    if (typeof rawDimensions !== 'number' || !Number.isInteger(rawDimensions)) {
      return invalidType('dimensions', 'an integer', rawDimensions);
    }
    if (!acceptsDimensions(model)) return invalidRequest('This model does not support specifying dimensions.', 'dimensions');
    if (rawDimensions < 1) return belowMinimum('dimensions', 1, rawDimensions);
    const maximum = embeddingDimensions(model);
    if (rawDimensions > maximum) return aboveMaximum('dimensions', maximum, rawDimensions);
    dimensions = rawDimensions;
  }
  const format = request.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') return invalidValue('encoding_format', format, ['float', 'base64']);
  return { model, inputs, dimensions, base64: format === 'base64' };
}

/** The float32 unit vector for one input. */
export function embeddingVector(input: string | readonly number[], dimensions: number): Float32Array {
  const seed = typeof input === 'string' ? hashString(input) : hashString(input.join(','), 0x9e3779b9);
  const values = new Float64Array(dimensions);
  let state = seed;
  let norm = 0;
  for (let index = 0; index < dimensions; index++) {
    state = nextState(state);
    const value = unitFromState(state) * 2 - 1;
    values[index] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
  const vector = new Float32Array(dimensions);
  for (let index = 0; index < dimensions; index++) vector[index] = values[index] * scale;
  return vector;
}

function base64Of(vector: Float32Array): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let index = 0; index < vector.length; index++) bytes.writeFloatLE(vector[index], index * 4);
  return bytes.toString('base64');
}

export function sendEmbeddings(exchange: Exchange, input: EmbeddingInput): void {
  exchange.send(200, responseHeaders(exchange, JSON_CONTENT_TYPE), embeddingsBody(input, input.model));
}

/** The JSON of an embeddings response (`model` is the name to report). */
export function embeddingsBody(input: EmbeddingInput, model: string): string {
  const dimensions = input.dimensions ?? embeddingDimensions(input.model);
  let promptTokens = 0;
  const data = [];
  for (let index = 0; index < input.inputs.length; index++) {
    const entry = input.inputs[index];
    promptTokens += typeof entry === 'string' ? countTokens(entry) : entry.length;
    const vector = embeddingVector(entry, dimensions);
    data.push({
      object: 'embedding',
      index,
      embedding: input.base64 ? base64Of(vector) : Array.from(vector),
    });
  }
  return JSON.stringify({
    object: 'list',
    data,
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}
