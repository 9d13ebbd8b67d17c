/**
 * Embeddings on Bedrock: InvokeModel (`POST /model/{modelId}/invoke`, SigV4-signed like Converse) with each model
 * family's own body, whichever `api` the provider's chat uses. The family is read from the upstream model ID (a model
 * ID, an inference profile or an ARN naming one):
 *
 * - Amazon Titan Text Embeddings V2 (`amazon.titan-embed-text-v2:0`): `{ inputText, dimensions?, normalize }`, one
 *   input per call, answered `{ embedding, inputTextTokenCount }`; `dimensions` 256, 512 or 1024.
 * - Cohere Embed v3 (`cohere.embed-english-v3`, `cohere.embed-multilingual-v3`): `{ texts, input_type }`, at most 96
 *   texts per call, answered `{ embeddings, id, response_type, texts }` (`embeddings` a list of float vectors, or
 *   `{ float: […] }` when types were asked for); 1024 dimensions, fixed. Cohere reports no token count: the input is
 *   counted with the gateway's tokenizer and the usage marked estimated. `input_type` is the body's own `input_type`
 *   (Cohere's name and values) when the client sent one, else `search_document`.
 *
 * A model of another family is a configuration problem (`bedrockEmbeddingModelProblem`), never a request's.
 */
import type { Pool } from 'undici';
import { GatewayError } from '../../errors/index.ts';
import type { EmbeddingRequest, EmbeddingResult } from '../../spec/index.ts';
import type { CallContext, ProviderAdapter } from '../adapter.ts';
import { embeddingConcurrency, embeddingError, embeddingTexts, runBatches } from '../http/embedding-batches.ts';
import { estimateTextTokens } from '../http/estimate-usage.ts';
import { parseUpstreamJson } from '../http/parse-upstream-json.ts';
import { identityCache, transportError, unusableAnswer, type UpstreamIdentity } from '../http/transport-error.ts';
import { postRequest, requestBuffered } from '../http/upstream-call.ts';
import { credentialError } from '../openai/openai-dialect-adapter.ts';
import type { RequestAuthenticator } from './auth.ts';
import { mapBedrockError } from './errors.ts';

type Family = 'titan-v2' | 'cohere-v3';

const families: ReadonlyArray<readonly [prefix: string, family: Family]> = [
  ['amazon.titan-embed-text-v2', 'titan-v2'],
  ['cohere.embed-english-v3', 'cohere-v3'],
  ['cohere.embed-multilingual-v3', 'cohere-v3'],
];

const titanDimensions: readonly number[] = [256, 512, 1024];
const cohereDimensions = 1024;
/** Texts Cohere Embed takes in one call. */
const cohereBatchSize = 96;
const defaultInputType = 'search_document';

/** The family an upstream model ID names: the ID itself, an ARN's resource, either after a profile's geography (`us.`). */
export function bedrockEmbeddingFamily(model: string): Family | undefined {
  const id = model.slice(model.lastIndexOf('/') + 1);
  const dot = id.indexOf('.');
  const unprefixed = dot === -1 ? id : id.slice(dot + 1);
  for (const [prefix, family] of families) {
    if (id.startsWith(prefix) || unprefixed.startsWith(prefix)) return family;
  }
  return undefined;
}

/** A configuration problem for an embedding channel's upstream model, or undefined when its family is known. */
export function bedrockEmbeddingModelProblem(model: string): string | undefined {
  if (bedrockEmbeddingFamily(model) !== undefined) return undefined;
  return (
    `bedrock embeddings are served for amazon.titan-embed-text-v2:0, cohere.embed-english-v3 and cohere.embed-multilingual-v3 ` +
    `(a model ID, an inference profile or an ARN naming one), not ${JSON.stringify(model)}`
  );
}

export function createBedrockEmbedder(name: string, basePath: string, pool: Pool, authenticate: RequestAuthenticator): ProviderAdapter['embed'] {
  const identityFor = identityCache(name);
  /** Per upstream model: `/model/{modelId}/invoke` (the ID as one segment) and its family, found once. */
  const targets = new Map<string, { readonly path: string; readonly family: Family | undefined }>();
  const targetOf = (model: string) => {
    let target = targets.get(model);
    if (target === undefined) targets.set(model, (target = { path: `${basePath}/model/${encodeURIComponent(model)}/invoke`, family: bedrockEmbeddingFamily(model) }));
    return target;
  };

  /** One signed InvokeModel call; resolves with its parsed 2xx body. */
  const invoke = async (body: string, context: CallContext, identity: UpstreamIdentity): Promise<unknown> => {
    const path = targetOf(context.upstreamModel).path;
    let headers: Readonly<Record<string, string>>;
    try {
      headers = await authenticate(path, body);
    } catch (error) {
      throw credentialError(error, identity);
    }
    let response;
    try {
      response = await requestBuffered(pool, postRequest(path, headers, body, context));
    } catch (error) {
      throw transportError(error, identity);
    }
    if (response.status >= 300) throw embeddingError(mapBedrockError(response.status, response.headers, response.body, identity));
    return parseUpstreamJson(response.body, identity);
  };

  const titan = async (texts: readonly string[], request: EmbeddingRequest, context: CallContext, identity: UpstreamIdentity): Promise<EmbeddingResult> => {
    const dimensions = request.dimensions;
    if (dimensions !== undefined && !titanDimensions.includes(dimensions)) {
      throw new GatewayError('invalid_request', `Invalid 'dimensions': ${identity.model} takes 256, 512 or 1024, not ${dimensions}.`, { param: 'dimensions' });
    }
    // OpenAI's embeddings are unit vectors; said explicitly so the upstream's default does not matter.
    const answers = await runBatches(texts.length, embeddingConcurrency, context, async (index, call) =>
      titanAnswer(await invoke(JSON.stringify({ inputText: texts[index], dimensions, normalize: true }), call, identity), identity),
    );
    const embeddings = new Array<number[]>(answers.length);
    let inputTokens = 0;
    let estimated = false;
    for (let index = 0; index < answers.length; index++) {
      const { embedding, tokens } = answers[index];
      embeddings[index] = embedding;
      if (tokens !== undefined) inputTokens += tokens;
      else {
        inputTokens += estimateTextTokens([texts[index]]);
        estimated = true;
      }
    }
    return estimated ? { model: identity.model, embeddings, inputTokens, estimated } : { model: identity.model, embeddings, inputTokens };
  };

  const cohere = async (texts: readonly string[], request: EmbeddingRequest, context: CallContext, identity: UpstreamIdentity): Promise<EmbeddingResult> => {
    if (request.dimensions !== undefined && request.dimensions !== cohereDimensions) {
      throw new GatewayError('unsupported_parameter', `Invalid 'dimensions': ${identity.model} embeds in ${cohereDimensions} dimensions only, not ${request.dimensions}.`, {
        param: 'dimensions',
      });
    }
    const inputType = cohereInputType(request);
    const batches = Math.ceil(texts.length / cohereBatchSize);
    const answers = await runBatches(batches, embeddingConcurrency, context, async (index, call) => {
      const batch = texts.slice(index * cohereBatchSize, (index + 1) * cohereBatchSize);
      return cohereAnswer(await invoke(JSON.stringify({ texts: batch, input_type: inputType }), call, identity), batch.length, identity);
    });
    const embeddings = batches === 1 ? answers[0] : answers.flat();
    return { model: identity.model, embeddings, inputTokens: estimateTextTokens(texts), estimated: true };
  };

  return async (request, context) => {
    const identity = identityFor(context.upstreamModel);
    const texts = embeddingTexts(request, 'bedrock');
    // Configuration admits only known families to embedding channels.
    return targetOf(context.upstreamModel).family === 'titan-v2' ? titan(texts, request, context, identity) : cohere(texts, request, context, identity);
  };
}

/** The body's `input_type` (Cohere's own field), or the default for embedding documents. */
function cohereInputType(request: EmbeddingRequest): string {
  const value = request.passthrough?.body.input_type;
  if (value === undefined || value === null) return defaultInputType;
  if (typeof value !== 'string' || value === '') {
    throw new GatewayError('invalid_request', "Invalid 'input_type': expected a string (search_document, search_query, classification or clustering).", { param: 'input_type' });
  }
  return value;
}

function malformed(identity: UpstreamIdentity, what: string): GatewayError {
  return unusableAnswer(identity, `${identity.provider} answered ${what}`);
}

function titanAnswer(parsed: unknown, identity: UpstreamIdentity): { embedding: number[]; tokens: number | undefined } {
  const answer = parsed as { embedding?: unknown; inputTextTokenCount?: unknown } | null;
  const embedding = answer !== null && typeof answer === 'object' ? answer.embedding : undefined;
  if (!Array.isArray(embedding)) throw malformed(identity, 'a Titan embedding without an `embedding` list');
  const tokens = answer!.inputTextTokenCount;
  return { embedding: embedding as number[], tokens: typeof tokens === 'number' && tokens >= 0 ? tokens : undefined };
}

function cohereAnswer(parsed: unknown, count: number, identity: UpstreamIdentity): number[][] {
  const answer = parsed as { embeddings?: unknown } | null;
  let embeddings = answer !== null && typeof answer === 'object' ? answer.embeddings : undefined;
  // `embeddings_by_type`: the float vectors under `float`.
  if (embeddings !== null && typeof embeddings === 'object' && !Array.isArray(embeddings)) embeddings = (embeddings as { float?: unknown }).float;
  if (!Array.isArray(embeddings) || embeddings.length !== count || !embeddings.every(Array.isArray)) {
    throw malformed(identity, `${Array.isArray(embeddings) ? embeddings.length : 'no'} Cohere embeddings for ${count} texts`);
  }
  return embeddings as number[][];
}
