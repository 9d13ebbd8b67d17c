/**
 * OpenAI-dialect SSE (`data: {chunk}` … `data: [DONE]`) as stream parts. One decoder per upstream stream; its state
 * lives in the instance. Usage may arrive on every chunk (some servers repeat it): the last one seen is emitted once,
 * after the finish part.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import { GatewayError } from '../../errors/index.ts';
import type { Usage } from '../../spec/index.ts';
import type { StreamSink } from '../adapter.ts';
import { truncateBody, unusableAnswer, type UpstreamIdentity } from '../http/transport-error.ts';
import { convertOpenAIUsage, type OpenAIUsage } from './convert-usage.ts';
import { DeltaTemplate } from './delta-template.ts';
import { mapOpenAIFinishReason } from './map-finish-reason.ts';

/** The largest single SSE event accepted from an upstream before the stream is refused. */
const maxEventBytes = 8 * 1024 * 1024;

/**
 * How many chunks of one stream may be tried as a delta template: a stream usually needs one (two with reasoning),
 * and its role chunk may be tried and refused first.
 */
const templateAttempts = 4;

interface OpenAIChunk {
  id?: unknown;
  created?: unknown;
  model?: unknown;
  choices?: Array<{
    [field: string]: unknown;
    delta?: {
      content?: unknown;
      reasoning_content?: unknown;
      reasoning?: unknown;
      tool_calls?: Array<{ index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } }>;
    };
    finish_reason?: unknown;
  }>;
  usage?: OpenAIUsage | null;
  error?: { message?: unknown; code?: unknown } | string;
  [field: string]: unknown;
}

/**
 * State an adapter shares between its streams' decoders (used only when annotations are dropped): the last general
 * delta template learned, which later streams specialize instead of learning their own, and the text of the last
 * event that came before a stream's start and changed nothing, so the same event opening the next stream is skipped
 * unparsed.
 */
export interface StreamMemo {
  template?: DeltaTemplate;
  skippable?: string;
}

/** Provider annotation fields to pass on: chunk-level (`prompt`) and per-choice (`choice`) field names. */
export interface AnnotationFields {
  readonly prompt: readonly string[];
  readonly choice: readonly string[];
}

export class OpenAIStreamDecoder {
  readonly #sink: StreamSink;
  readonly #identity: UpstreamIdentity;
  readonly #annotations: AnnotationFields | undefined;
  #pendingPromptAnnotations: Array<Parameters<StreamSink['write']>[0]> | undefined;
  readonly #parser: EventSourceParser;
  readonly #textDecoder = new TextDecoder();
  #started = false;
  #finished = false;
  #done = false;
  #saturated = false;
  #usage: Usage | undefined = undefined;
  #error: GatewayError | undefined = undefined;
  /** The plain delta chunks of this stream (see delta-template.ts). */
  #template: DeltaTemplate | undefined = undefined;
  #templateAttempts: number;
  readonly #memo: StreamMemo | undefined;

  /**
   * `annotations`: the fields to pass on as annotation parts, or undefined to drop them. `memo`: shared by the streams
   * of one upstream (used only when annotations are dropped).
   */
  constructor(sink: StreamSink, identity: UpstreamIdentity, annotations?: AnnotationFields, memo?: StreamMemo) {
    this.#sink = sink;
    this.#identity = identity;
    this.#annotations = annotations;
    // Chunks that carry annotations to pass on are read whole.
    this.#templateAttempts = annotations === undefined ? templateAttempts : 0;
    this.#memo = annotations === undefined ? memo : undefined;
    this.#parser = createParser({
      onEvent: (event) => this.#onEvent(event),
      maxBufferSize: maxEventBytes,
    });
  }

  /** True once any part reached the sink. */
  get started(): boolean {
    return this.#started;
  }

  /** The error that stopped decoding, if any. */
  get error(): GatewayError | undefined {
    return this.#error;
  }

  /** Feeds a body chunk; returns false when the sink asked to pause. */
  push(chunk: Buffer): boolean {
    if (this.#error !== undefined || this.#done) return true;
    this.#saturated = false;
    try {
      this.#parser.feed(this.#textDecoder.decode(chunk, { stream: true }));
    } catch (error) {
      this.#fail(`stream event larger than ${maxEventBytes} bytes`, error);
    }
    return !this.#saturated;
  }

  /** Call when the upstream body ended; returns the error that makes the stream incomplete, if any. */
  end(): GatewayError | undefined {
    if (this.#error !== undefined) return this.#error;
    if (!this.#finished) {
      this.#fail(this.#started ? 'stream ended before its finish reason' : 'stream ended before its first event');
      return this.#error;
    }
    this.#flushUsage();
    return undefined;
  }

  #onEvent(event: EventSourceMessage): void {
    if (this.#error !== undefined || this.#done) return;
    const data = event.data;
    if (data === '[DONE]') {
      this.#done = true;
      if (this.#finished) this.#flushUsage();
      return;
    }
    if (event.event === 'error') {
      this.#fail(`stream error event: ${truncateBody(data)}`);
      return;
    }
    if (!this.#started) {
      if (data === this.#memo?.skippable) return;
    } else if (this.#templateAttempts > 0 || this.#template !== undefined) {
      if (this.#readPlainDelta(data)) return;
    }
    let chunk: OpenAIChunk;
    try {
      chunk = JSON.parse(data) as OpenAIChunk;
    } catch (error) {
      this.#fail(`malformed stream chunk: ${truncateBody(data, 120)}`, error);
      return;
    }
    if (chunk === null || typeof chunk !== 'object') {
      this.#fail(`stream chunk is not an object: ${truncateBody(data, 120)}`);
      return;
    }
    if (chunk.error !== undefined) {
      const message = typeof chunk.error === 'string' ? chunk.error : String(chunk.error?.message ?? 'unknown error');
      this.#fail(`stream error: ${message}`);
      return;
    }
    this.#onChunk(chunk);
    // A chunk before the start that changed nothing (Azure's prompt annotations, not passed on): the next stream's
    // identical first event is skipped without parsing.
    if (!this.#started && this.#memo !== undefined) this.#memo.skippable = data;
  }

  /**
   * Reads a plain delta chunk through the stream's template; false when it is not one. The stream's template is the
   * upstream's general one (shared in the memo, learned once) filled in with this stream's id and created time.
   */
  #readPlainDelta(data: string): boolean {
    let template = this.#template;
    let value = template?.match(data);
    if (value === undefined) {
      if (this.#templateAttempts === 0 || data.indexOf('"delta":{"') === -1) return false;
      this.#templateAttempts--;
      template = this.#memo?.template?.forStream(data);
      if (template === undefined) {
        const general = DeltaTemplate.learn(data);
        if (general === undefined) return false;
        if (this.#memo !== undefined) this.#memo.template = general;
        template = general.forStream(data) ?? general;
      }
      this.#template = template;
      value = template.match(data);
      if (value === undefined) return false;
    }
    if (value !== '') this.#write(template!.field === 'content' ? { type: 'text-delta', delta: value } : { type: 'reasoning-delta', delta: value });
    return true;
  }

  #onChunk(chunk: OpenAIChunk): void {
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!this.#started) {
      if (choice === undefined && (chunk.usage === undefined || chunk.usage === null)) {
        // A chunk without a choice before the stream began (Azure's prompt_filter_results chunk, with an empty id) is
        // not the stream's start; its annotations wait for the start.
        this.#collectPromptAnnotations(chunk);
        return;
      }
      this.#started = true;
      this.#write({
        type: 'start',
        id: typeof chunk.id === 'string' ? chunk.id : '',
        created: typeof chunk.created === 'number' ? chunk.created : Math.floor(Date.now() / 1000),
        model: typeof chunk.model === 'string' && chunk.model !== '' ? chunk.model : this.#identity.model,
      });
      const pending = this.#pendingPromptAnnotations;
      this.#pendingPromptAnnotations = undefined;
      if (pending !== undefined) for (const part of pending) this.#write(part);
    } else if (choice === undefined && this.#annotations !== undefined) {
      this.#collectPromptAnnotations(chunk);
      const pending = this.#pendingPromptAnnotations;
      this.#pendingPromptAnnotations = undefined;
      if (pending !== undefined) for (const part of pending) this.#write(part);
    }
    if (chunk.usage !== undefined && chunk.usage !== null) this.#usage = convertOpenAIUsage(chunk.usage);
    if (choice === undefined) return;
    if (this.#annotations !== undefined) {
      for (const name of this.#annotations.choice) {
        const value = choice[name];
        if (value !== undefined) this.#write({ type: 'annotation', scope: 'choice', name, value });
      }
    }
    const delta = choice.delta;
    if (delta !== undefined && delta !== null) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning !== '') this.#write({ type: 'reasoning-delta', delta: reasoning });
      if (typeof delta.content === 'string' && delta.content !== '') this.#write({ type: 'text-delta', delta: delta.content });
      const toolCalls = delta.tool_calls;
      if (Array.isArray(toolCalls)) {
        for (let position = 0; position < toolCalls.length; position++) {
          const call = toolCalls[position];
          const name = call.function?.name;
          const argumentsDelta = call.function?.arguments;
          this.#write({
            type: 'tool-call-delta',
            index: typeof call.index === 'number' ? call.index : position,
            id: typeof call.id === 'string' ? call.id : undefined,
            name: typeof name === 'string' ? name : undefined,
            argumentsDelta: typeof argumentsDelta === 'string' ? argumentsDelta : '',
          });
        }
      }
    }
    if (typeof choice.finish_reason === 'string' && !this.#finished) {
      this.#finished = true;
      this.#write({ type: 'finish', finishReason: mapOpenAIFinishReason(choice.finish_reason) });
    }
  }

  #collectPromptAnnotations(chunk: OpenAIChunk): void {
    if (this.#annotations === undefined) return;
    for (const name of this.#annotations.prompt) {
      const value = chunk[name];
      if (value !== undefined) (this.#pendingPromptAnnotations ??= []).push({ type: 'annotation', scope: 'prompt', name, value });
    }
  }

  #flushUsage(): void {
    const usage = this.#usage;
    if (usage === undefined) return;
    this.#usage = undefined;
    this.#write({ type: 'usage', usage });
  }

  #write(part: Parameters<StreamSink['write']>[0]): void {
    if (!this.#sink.write(part)) this.#saturated = true;
  }

  #fail(message: string, cause?: unknown): void {
    this.#error = unusableAnswer(this.#identity, `${this.#identity.provider}: ${message}`, cause);
  }
}
