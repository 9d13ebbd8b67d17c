/**
 * Stream parts as OpenAI `chat.completion.chunk` SSE events. One encoder per response; the chunk prefix (id, created,
 * model) is built once from the `start` part and reused for every chunk.
 */
import type { GatewayError } from '../../errors/index.ts';
import type { StreamPart } from '../../spec/index.ts';
import { toOpenAIUsage } from './convert-usage.ts';
import { toOpenAIFinishReason } from './map-finish-reason.ts';

export const doneEvent = 'data: [DONE]\n\n';

export class ChatChunkEncoder {
  /** Ends a stream that succeeded. */
  readonly done = doneEvent;
  readonly #includeUsage: boolean;
  readonly #fallbackId: string;
  #prefix = '';
  #suffix: string;

  /** `includeUsage`: the client asked for usage, so every chunk carries `usage: null` and a final usage chunk follows. */
  constructor(includeUsage: boolean, fallbackId: string) {
    this.#includeUsage = includeUsage;
    this.#fallbackId = fallbackId;
    this.#suffix = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  }

  /** The SSE text for a part; '' when the part produces nothing for this client. */
  encode(part: StreamPart): string {
    switch (part.type) {
      case 'start':
        this.#prefix = `data: {"id":${JSON.stringify(part.id === '' ? `chatcmpl-${this.#fallbackId}` : part.id)},"object":"chat.completion.chunk","created":${part.created},"model":${JSON.stringify(part.model)},"choices":[{"index":0,"delta":`;
        return `${this.#prefix}{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${this.#suffix}`;
      case 'text-delta':
        return `${this.#prefix}{"content":${JSON.stringify(part.delta)}},"logprobs":null,"finish_reason":null}]${this.#suffix}`;
      case 'reasoning-delta':
        return `${this.#prefix}{"reasoning_content":${JSON.stringify(part.delta)}},"logprobs":null,"finish_reason":null}]${this.#suffix}`;
      case 'tool-call-delta': {
        const call =
          part.id !== undefined || part.name !== undefined
            ? `{"index":${part.index},"id":${JSON.stringify(part.id ?? '')},"type":"function","function":{"name":${JSON.stringify(part.name ?? '')},"arguments":${JSON.stringify(part.argumentsDelta)}}}`
            : `{"index":${part.index},"function":{"arguments":${JSON.stringify(part.argumentsDelta)}}}`;
        return `${this.#prefix}{"tool_calls":[${call}]},"logprobs":null,"finish_reason":null}]${this.#suffix}`;
      }
      case 'finish':
        return `${this.#prefix}{},"logprobs":null,"finish_reason":"${toOpenAIFinishReason(part.finishReason)}"}]${this.#suffix}`;
      case 'usage': {
        if (!this.#includeUsage) return '';
        // The usage chunk has no choices.
        return `${this.#head()}"choices":[],"usage":${JSON.stringify(toOpenAIUsage(part.usage))}}\n\n`;
      }
      case 'annotation':
        if (part.scope === 'prompt') {
          return `${this.#head()}"choices":[],${JSON.stringify(part.name)}:${JSON.stringify(part.value)}${this.#suffix}`;
        }
        return `${this.#prefix}{},${JSON.stringify(part.name)}:${JSON.stringify(part.value)},"logprobs":null,"finish_reason":null}]${this.#suffix}`;
      case 'output-item':
        // A chat completion has no place for a hosted tool's item.
        return '';
    }
  }

  /** The chunk prefix up to (not including) its choices. */
  #head(): string {
    return this.#prefix.slice(0, this.#prefix.indexOf('"choices":'));
  }

  /** The final event after a failure: OpenAI's mid-stream error shape, which the official SDKs raise as an error. */
  error(error: GatewayError): string {
    return `data: ${JSON.stringify(error.toJSON())}\n\n`;
  }
}
