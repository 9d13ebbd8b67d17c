/**
 * What routing needs to know about a request, computed once: which capabilities it uses and how many prompt tokens it
 * carries.
 *
 * Tokens are estimated cheaply on every call (UTF-8 bytes / 4, plus fixed overheads) and counted exactly with the
 * o200k tokenizer (gpt-tokenizer) only when a context window has to be checked and the cheap upper bound does not
 * already fit it: pass the route's `smallestContextWindow` as `contextWindow`. Most requests are far below every
 * window and are never tokenized. What is counted: message text and names, assistant tool calls (names and arguments),
 * tool declarations (their JSON) and a JSON schema response format; 3 tokens per message and 3 for the reply's priming
 * (OpenAI's chat accounting); images at a flat estimate (`imageTokens`: 765 for `auto`/`high`, the cost of a
 * 1024×1024 image in OpenAI's tiling, and 85 for `low`). Other vendors tokenize differently: the count is an estimate
 * for ranking and for windows, not a bill. The media types of inline images are collected (canonical, each once) for
 * channels that take only some.
 */
import { createRequire } from 'node:module';
import { canonicalImageType, type ChatRequest, type EmbeddingRequest } from '../spec/index.ts';

const requireFromHere = createRequire(import.meta.url);
type CountTokens = (text: string, options?: object) => number;
let countTokensFunction: CountTokens | undefined;

/**
 * The o200k tokenizer, loaded on first use: its tables cost about 77 MiB of memory, which a gateway whose channels
 * declare no context window never needs. `preloadTokenizer` loads it at start-up when one does.
 */
function countTokens(text: string, options?: object): number {
  countTokensFunction ??= (requireFromHere('gpt-tokenizer/cjs/encoding/o200k_base') as { countTokens: CountTokens }).countTokens;
  return countTokensFunction(text, options);
}

export function preloadTokenizer(): void {
  countTokens('');
}
import type { RequestFeatures } from './routing-types.ts';

export const imageTokens = { high: 765, low: 85 } as const;
const perMessageTokens = 3;
const replyPrimingTokens = 3;

/** Special-token text (`<|endoftext|>`) in a prompt is counted as text, never rejected. */
const asPlainText = { disallowedSpecial: new Set<string>() };

export interface DescribeOptions {
  /** The smallest context window the request may have to fit; undefined when no channel declares one. */
  readonly contextWindow?: number | undefined;
  /** Count exactly whatever the window (tests, `route explain`). */
  readonly exact?: boolean;
}

/** Running totals for one request; module-level and reset per call, so describing allocates only the result. */
let bytes = 0;
let fixedTokens = 0;
let counted = 0;
let counting = false;
/** The inline images' media types; allocated only for a request that has some. */
let imageTypes: string[] | undefined;

const noImageTypes: readonly string[] = Object.freeze([]);

function text(value: string): void {
  bytes += Buffer.byteLength(value, 'utf8');
  if (counting && value.length > 0) counted += countTokens(value, asPlainText);
}

function json(value: unknown): void {
  if (value !== undefined) text(JSON.stringify(value));
}

function walkChat(request: ChatRequest): number {
  let images = 0;
  for (const message of request.messages) {
    fixedTokens += perMessageTokens;
    if ('name' in message && message.name !== undefined) text(message.name);
    const content = message.content;
    if (typeof content === 'string') text(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text') text(part.text);
        else {
          images++;
          fixedTokens += part.detail === 'low' ? imageTokens.low : imageTokens.high;
          if (part.source.type === 'data') {
            const type = canonicalImageType(part.source.mediaType);
            if (imageTypes === undefined) imageTypes = [type];
            else if (!imageTypes.includes(type)) imageTypes.push(type);
          }
        }
      }
    }
    if (message.role === 'assistant' && message.toolCalls !== undefined) {
      for (const call of message.toolCalls) {
        text(call.name);
        text(call.arguments);
      }
    }
  }
  // A declaration is counted as the JSON a model is shown (name, description, schema), whatever the frontend's wire form.
  if (request.tools !== undefined) for (const tool of request.tools) json({ name: tool.name, description: tool.description, parameters: tool.parameters });
  const format = request.responseFormat;
  if (format?.type === 'json-schema') json({ name: format.name, description: format.description, schema: format.schema });
  fixedTokens += replyPrimingTokens;
  return images;
}

function start(exact: boolean): void {
  bytes = 0;
  fixedTokens = 0;
  counted = 0;
  counting = exact;
  imageTypes = undefined;
}

export function describeRequest(request: ChatRequest, options: DescribeOptions = {}): RequestFeatures {
  const exact = options.exact === true;
  start(exact);
  let images = walkChat(request);
  let upperBound = bytes + fixedTokens;
  const maxOutputTokens = request.maxOutputTokens;
  const window = options.contextWindow;
  let tokensExact = exact;
  if (!exact && window !== undefined && upperBound + (maxOutputTokens ?? 0) > window) {
    // The cheap bound does not settle it: walk again, counting.
    start(true);
    images = walkChat(request);
    tokensExact = true;
  }
  const promptTokens = tokensExact ? counted + fixedTokens : Math.ceil(bytes / 4) + fixedTokens;
  if (tokensExact) upperBound = promptTokens;
  counting = false;
  return {
    vision: images > 0,
    images,
    imageTypes: imageTypes ?? noImageTypes,
    tools: request.tools !== undefined && request.tools.length > 0,
    jsonSchema: request.responseFormat?.type === 'json-schema',
    streaming: request.stream,
    promptTokens,
    promptTokensExact: tokensExact,
    promptTokensUpperBound: upperBound,
    maxOutputTokens,
  };
}

function walkEmbedding(request: EmbeddingRequest): void {
  for (const input of request.input) {
    if (typeof input === 'string') text(input);
    else fixedTokens += input.length;
  }
}

/**
 * Embedding inputs: token-id arrays are counted as given, strings like chat text (no message overheads). A context
 * window is checked against the sum of the inputs.
 */
export function describeEmbeddingRequest(request: EmbeddingRequest, options: DescribeOptions = {}): RequestFeatures {
  let exact = options.exact === true;
  start(exact);
  walkEmbedding(request);
  let upperBound = bytes + fixedTokens;
  if (!exact && options.contextWindow !== undefined && upperBound > options.contextWindow) {
    start(true);
    walkEmbedding(request);
    exact = true;
  }
  const promptTokens = exact ? counted + fixedTokens : Math.ceil(bytes / 4) + fixedTokens;
  if (exact) upperBound = promptTokens;
  counting = false;
  return {
    vision: false,
    images: 0,
    tools: false,
    jsonSchema: false,
    streaming: false,
    promptTokens,
    promptTokensExact: exact,
    promptTokensUpperBound: upperBound,
    maxOutputTokens: undefined,
  };
}
