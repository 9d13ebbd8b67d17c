/**
 * Usage counted by the gateway when the upstream reported none: a stream whose upstream cannot be asked for it (Azure
 * OpenAI before api-version 2024-09-01-preview refuses `stream_options`), a stream cut short before its usage came, an
 * upstream that leaves usage out. The prompt and the output are counted with the o200k tokenizer (gpt-tokenizer), the
 * accounting OpenAI's chat models use. The result says `estimated: true`, so logs and metering can tell it from a
 * count the upstream reported.
 *
 * The prompt is counted as routing counts it (see src/routing/describe-request.ts): message text and names, assistant
 * tool calls, tool declarations and a JSON schema response format as JSON, 3 tokens per message and 3 for the reply's
 * priming, images at a flat 765 tokens (85 at `detail: low`). The output is the streamed text, reasoning, and tool call
 * names and arguments.
 */
import { createRequire } from 'node:module';
import type { ChatRequest, ChatResult, StreamPart } from '../../spec/index.ts';
import { createUsage, type Usage } from '../../spec/index.ts';
import type { StreamSink } from '../adapter.ts';

const requireFromHere = createRequire(import.meta.url);
type CountTokens = (text: string, options?: object) => number;
let countTokensFunction: CountTokens | undefined;

/** Special-token text (`<|endoftext|>`) is counted as text, never rejected. */
const asPlainText = { disallowedSpecial: new Set<string>() };

/** The tokenizer's tables take about 80 MiB; the module cache shares them with routing's counter. */
function countTokens(text: string): number {
  if (text.length === 0) return 0;
  countTokensFunction ??= (requireFromHere('gpt-tokenizer/cjs/encoding/o200k_base') as { countTokens: CountTokens }).countTokens;
  return countTokensFunction(text, asPlainText);
}

/**
 * Loads the tokenizer now: an adapter that will estimate every stream calls it when it is built, at start-up, since
 * loading takes about half a second of blocked event loop that no request should wait through. Elsewhere it is loaded
 * by the first estimate, which only an upstream that failed to report usage causes.
 */
export function preloadUsageTokenizer(): void {
  countTokens(' ');
}

const perMessageTokens = 3;
const replyPrimingTokens = 3;
const imageTokens = { high: 765, low: 85 } as const;

/** The request's prompt tokens, as OpenAI's chat models count them (images at a flat estimate). */
export function estimatePromptTokens(request: ChatRequest): number {
  let tokens = replyPrimingTokens;
  for (const message of request.messages) {
    tokens += perMessageTokens;
    if ('name' in message && message.name !== undefined) tokens += countTokens(message.name);
    const content = message.content;
    if (typeof content === 'string') tokens += countTokens(content);
    else if (content !== undefined) {
      for (const part of content) tokens += part.type === 'text' ? countTokens(part.text) : part.detail === 'low' ? imageTokens.low : imageTokens.high;
    }
    if (message.role === 'assistant') {
      if (message.content === undefined && message.refusal !== undefined) tokens += countTokens(message.refusal);
      if (message.toolCalls !== undefined) for (const call of message.toolCalls) tokens += countTokens(call.name) + countTokens(call.arguments);
    }
  }
  if (request.tools !== undefined) {
    for (const tool of request.tools) tokens += countTokens(JSON.stringify({ name: tool.name, description: tool.description, parameters: tool.parameters }));
  }
  const format = request.responseFormat;
  if (format?.type === 'json-schema') tokens += countTokens(JSON.stringify({ name: format.name, description: format.description, schema: format.schema }));
  return tokens;
}

/** The tokens of texts an upstream embedded without counting them (Cohere on Bedrock), counted like a prompt's text. */
export function estimateTextTokens(texts: readonly string[]): number {
  let tokens = 0;
  for (const text of texts) tokens += countTokens(text);
  return tokens;
}

/** The usage of a whole completion whose upstream reported none, counted. */
export function estimateResultUsage(request: ChatRequest, result: ChatResult): Usage {
  const reasoning = result.reasoning === undefined ? 0 : countTokens(result.reasoning);
  let output = reasoning + countTokens(result.content ?? result.refusal ?? '');
  if (result.toolCalls !== undefined) for (const call of result.toolCalls) output += countTokens(call.function.name) + countTokens(call.function.arguments);
  return { ...createUsage({ input: estimatePromptTokens(request), output, reasoning }), estimated: true };
}

/**
 * Passes every part on to `sink`, keeping the output text. Once the stream ended, `finish()` (it succeeded) or
 * `failed()` (it broke off) adds an estimated usage part unless the upstream reported usage.
 */
export class UsageEstimatingSink implements StreamSink {
  readonly #sink: StreamSink;
  readonly #request: ChatRequest;
  readonly #text: string[] = [];
  readonly #reasoning: string[] = [];
  #reported = false;
  /** A part that commits the response to this upstream (output or the finish) went to the sink. */
  #committed = false;

  constructor(sink: StreamSink, request: ChatRequest) {
    this.#sink = sink;
    this.#request = request;
  }

  write(part: StreamPart): boolean {
    switch (part.type) {
      case 'text-delta':
        this.#text.push(part.delta);
        this.#committed = true;
        break;
      case 'reasoning-delta':
        this.#reasoning.push(part.delta);
        this.#committed = true;
        break;
      case 'tool-call-delta':
        if (part.name !== undefined) this.#text.push(part.name);
        this.#text.push(part.argumentsDelta);
        this.#committed = true;
        break;
      case 'finish':
        this.#committed = true;
        break;
      case 'usage':
        this.#reported = true;
        break;
      default:
        break;
    }
    return this.#sink.write(part);
  }

  onDrain(resume: () => void): void {
    this.#sink.onDrain(resume);
  }

  /** Call after the last part of a stream that succeeded. */
  finish(): void {
    if (this.#reported) return;
    this.#sink.write({ type: 'usage', usage: this.estimate() });
  }

  /**
   * Call when the stream broke off: what was streamed is counted, since the upstream may bill it. Not when no output
   * was streamed: a usage part would commit the response to this upstream, which the gateway may still pass over.
   */
  failed(): void {
    if (this.#reported || !this.#committed) return;
    this.#sink.write({ type: 'usage', usage: this.estimate() });
  }

  /** The usage of the stream so far, counted. */
  estimate(): Usage {
    const reasoning = countTokens(this.#reasoning.join(''));
    const output = countTokens(this.#text.join('')) + reasoning;
    return { ...createUsage({ input: estimatePromptTokens(this.#request), output, reasoning }), estimated: true };
  }
}
