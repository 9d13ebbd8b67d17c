/**
 * Validates an OpenAI embeddings body and returns the canonical EmbeddingRequest, with the body attached as the
 * pass-through for OpenAI-dialect upstreams.
 */
import { GatewayError } from '../../errors/index.ts';
import type { EmbeddingRequest } from '../../spec/index.ts';
import { maxModelNameLength, modelTooLong } from './body-fields.ts';

const maxInputs = 2048;

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((token) => Number.isInteger(token) && token >= 0);
}

export function parseEmbeddingRequest(body: unknown): EmbeddingRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('', 'Invalid request body: expected a JSON object.');
  }
  const record = body as Record<string, unknown>;
  const model = record.model;
  if (model === undefined) throw invalid('model', "Missing required parameter: 'model'.");
  if (typeof model !== 'string' || model === '') throw invalid('model', "Invalid type for 'model': expected a non-empty string.");
  if (model.length > maxModelNameLength) throw modelTooLong();

  const raw = record.input;
  let input: string[] | number[][];
  if (raw === undefined) throw invalid('input', "Missing required parameter: 'input'.");
  if (typeof raw === 'string') {
    input = [raw];
  } else if (isTokenArray(raw)) {
    input = [raw];
  } else if (Array.isArray(raw) && raw.length > 0 && raw.every((item) => typeof item === 'string')) {
    input = raw as string[];
  } else if (Array.isArray(raw) && raw.length > 0 && raw.every(isTokenArray)) {
    input = raw as number[][];
  } else {
    throw invalid('input', "Invalid 'input': expected a string, an array of strings, an array of token ids or an array of token id arrays, none empty.");
  }
  if (input.length > maxInputs) throw invalid('input', `Invalid 'input': at most ${maxInputs} inputs per request.`);
  for (let index = 0; index < input.length; index++) {
    if (input[index].length === 0) throw invalid(`input[${index}]`, `Invalid 'input[${index}]': inputs must not be empty.`);
  }

  const dimensions = record.dimensions;
  if (dimensions !== undefined && dimensions !== null && (!Number.isInteger(dimensions) || (dimensions as number) < 1)) {
    throw invalid('dimensions', "Invalid 'dimensions': expected a positive integer.");
  }
  const encodingFormat = record.encoding_format ?? 'float';
  if (encodingFormat !== 'float' && encodingFormat !== 'base64') {
    throw invalid('encoding_format', "Invalid value for 'encoding_format': expected 'float' or 'base64'.");
  }
  const user = record.user;
  if (user !== undefined && user !== null && typeof user !== 'string') throw invalid('user', "Invalid type for 'user': expected a string.");

  return {
    model,
    input,
    dimensions: (dimensions as number | null | undefined) ?? undefined,
    encodingFormat,
    user: (user as string | null | undefined) ?? undefined,
    passthrough: { dialect: 'openai-embeddings', body: record },
  };
}
