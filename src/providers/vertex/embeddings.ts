/**
 * Embeddings on Vertex AI: `:predict` on `publishers/google/models/{model}`, whichever `api` the provider's chat uses.
 * The body is `{ instances: [{ content, task_type? }], parameters: { autoTruncate: false, outputDimensionality? } }`,
 * answered `{ predictions: [{ embeddings: { values, statistics: { token_count, truncated } } }] }`; usage is the sum
 * of the token counts.
 *
 * - `gemini-embedding-001` takes one instance per request: one call per input.
 * - `text-embedding-*`, `text-multilingual-embedding-*` and `textembedding-gecko*` take up to 250 instances and
 *   20,000 tokens per request: inputs are batched by count and by length (a character per token, which no tokenizer
 *   exceeds in practice), so no batch is refused for its size.
 * - `dimensions` is `outputDimensionality`; the model refuses a size it does not make (INVALID_ARGUMENT, a 400).
 * - `autoTruncate: false`: an input over the model's limit is an error, as on OpenAI, never silently embedded cut.
 * - `task_type` is the body's own `task_type` (Vertex's name and values, e.g. `RETRIEVAL_QUERY`) when the client sent
 *   one, on every instance.
 *
 * Other models (the newer Gemini embedding models answer `:embedContent`, not `:predict`) are a configuration problem
 * (`vertexEmbeddingModelProblem`), never a request's.
 */
import type { Pool } from 'undici';
import { GatewayError } from '../../errors/index.ts';
import type { EmbeddingRequest } from '../../spec/index.ts';
import type { CallContext, ProviderAdapter } from '../adapter.ts';
import type { BearerTokenSource } from '../http/bearer-token-source.ts';
import { embeddingConcurrency, embeddingError, embeddingTexts, runBatches } from '../http/embedding-batches.ts';
import { estimateTextTokens } from '../http/estimate-usage.ts';
import { parseUpstreamJson } from '../http/parse-upstream-json.ts';
import { identityCache, transportError, unusableAnswer, type UpstreamIdentity } from '../http/transport-error.ts';
import { postRequest, requestBuffered } from '../http/upstream-call.ts';
import { credentialError } from '../openai/openai-dialect-adapter.ts';
import { mapVertexError } from './errors.ts';

/** Instances per request, and the characters of one request's instances (a bound on its tokens). */
interface Batching {
  readonly instances: number;
  readonly characters: number;
}

const oneInstance: Batching = { instances: 1, characters: Number.POSITIVE_INFINITY };
const textEmbeddingBatches: Batching = { instances: 250, characters: 20_000 };

const families: ReadonlyArray<readonly [prefix: string, batching: Batching, exact: boolean]> = [
  ['gemini-embedding-001', oneInstance, true],
  ['text-embedding-', textEmbeddingBatches, false],
  ['text-multilingual-embedding-', textEmbeddingBatches, false],
  ['textembedding-gecko', textEmbeddingBatches, false],
];

function batchingOf(model: string): Batching | undefined {
  for (const [prefix, batching, exact] of families) {
    if (exact ? model === prefix : model.startsWith(prefix)) return batching;
  }
  return undefined;
}

/** A configuration problem for an embedding channel's upstream model, or undefined when it answers `:predict`. */
export function vertexEmbeddingModelProblem(model: string): string | undefined {
  if (batchingOf(model) !== undefined) return undefined;
  return (
    `vertex embeddings are served through :predict for gemini-embedding-001, text-embedding-*, ` +
    `text-multilingual-embedding-* and textembedding-gecko*, not ${JSON.stringify(model)}`
  );
}

/** The first input of each batch, then `texts.length`. */
function batchBounds(texts: readonly string[], batching: Batching): number[] {
  const bounds = [0];
  let count = 0;
  let characters = 0;
  for (let index = 0; index < texts.length; index++) {
    const length = texts[index].length;
    if (count > 0 && (count === batching.instances || characters + length > batching.characters)) {
      bounds.push(index);
      count = 0;
      characters = 0;
    }
    count++;
    characters += length;
  }
  bounds.push(texts.length);
  return bounds;
}

interface Prediction {
  readonly values: number[];
  readonly tokens: number | undefined;
}

export function createVertexEmbedder(name: string, modelsPath: string, pool: Pool, tokens: BearerTokenSource): ProviderAdapter['embed'] {
  const identityFor = identityCache(name);
  /** Per upstream model: its `:predict` path and how it batches, found once. */
  const targets = new Map<string, { readonly path: string; readonly batching: Batching }>();
  const targetOf = (model: string) => {
    let target = targets.get(model);
    // Configuration admits only known models to embedding channels.
    if (target === undefined) targets.set(model, (target = { path: `${modelsPath}/${encodeURIComponent(model)}:predict`, batching: batchingOf(model) ?? oneInstance }));
    return target;
  };

  const predict = async (path: string, body: string, count: number, context: CallContext, identity: UpstreamIdentity): Promise<Prediction[]> => {
    const current = tokens.headers();
    let headers: Readonly<Record<string, string>>;
    try {
      headers = current instanceof Promise ? await current : current;
    } catch (error) {
      throw credentialError(error, identity);
    }
    let response;
    try {
      response = await requestBuffered(pool, postRequest(path, headers, body, context));
    } catch (error) {
      throw transportError(error, identity);
    }
    if (response.status >= 300) throw embeddingError(mapVertexError(response.status, response.headers, response.body, identity));
    return predictions(parseUpstreamJson(response.body, identity), count, identity);
  };

  return async (request, context) => {
    const identity = identityFor(context.upstreamModel);
    const texts = embeddingTexts(request, 'vertex');
    const taskType = vertexTaskType(request);
    const parameters = request.dimensions === undefined ? noTruncation : { autoTruncate: false, outputDimensionality: request.dimensions };
    const { path, batching } = targetOf(context.upstreamModel);
    const bounds = batchBounds(texts, batching);
    const answers = await runBatches(bounds.length - 1, embeddingConcurrency, context, (index, call) => {
      const instances = [];
      for (let position = bounds[index]; position < bounds[index + 1]; position++) {
        instances.push(taskType === undefined ? { content: texts[position] } : { content: texts[position], task_type: taskType });
      }
      return predict(path, JSON.stringify({ instances, parameters }), instances.length, call, identity);
    });
    const embeddings = new Array<number[]>(texts.length);
    let inputTokens = 0;
    let estimated = false;
    let position = 0;
    for (const answer of answers) {
      for (const prediction of answer) {
        embeddings[position] = prediction.values;
        if (prediction.tokens !== undefined) inputTokens += prediction.tokens;
        else {
          inputTokens += estimateTextTokens([texts[position]]);
          estimated = true;
        }
        position++;
      }
    }
    return estimated ? { model: identity.model, embeddings, inputTokens, estimated } : { model: identity.model, embeddings, inputTokens };
  };
}

const noTruncation = Object.freeze({ autoTruncate: false });

/** The body's `task_type` (Vertex's own field), if the client sent one. */
function vertexTaskType(request: EmbeddingRequest): string | undefined {
  const value = request.passthrough?.body.task_type;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new GatewayError('invalid_request', "Invalid 'task_type': expected a string such as RETRIEVAL_QUERY or RETRIEVAL_DOCUMENT.", { param: 'task_type' });
  }
  return value;
}

function predictions(parsed: unknown, count: number, identity: UpstreamIdentity): Prediction[] {
  const list = parsed !== null && typeof parsed === 'object' ? (parsed as { predictions?: unknown }).predictions : undefined;
  if (!Array.isArray(list) || list.length !== count) {
    throw unusableAnswer(identity, `${identity.provider} answered ${Array.isArray(list) ? list.length : 'no'} predictions for ${count} instances`);
  }
  const result = new Array<Prediction>(count);
  for (let index = 0; index < count; index++) {
    const embeddings = (list[index] as { embeddings?: { values?: unknown; statistics?: { token_count?: unknown } } } | null)?.embeddings;
    const values = embeddings?.values;
    if (!Array.isArray(values)) {
      throw unusableAnswer(identity, `${identity.provider} answered a prediction without embeddings.values`);
    }
    const tokens = embeddings!.statistics?.token_count;
    result[index] = { values: values as number[], tokens: typeof tokens === 'number' && tokens >= 0 ? tokens : undefined };
  }
  return result;
}
