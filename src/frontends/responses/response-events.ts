/**
 * Stream parts as Responses API server-sent events, each `event: <type>` with its JSON and a `sequence_number` counting
 * from 0: `response.created` and `response.in_progress`; per output item `response.output_item.added`, its content
 * (`response.content_part.added`, `response.output_text.delta`…, `response.output_text.done`,
 * `response.content_part.done`; `response.reasoning_text.delta`/`.done`; `response.function_call_arguments.delta`/
 * `.done`) and `response.output_item.done`; then `response.completed` or `response.incomplete` with the whole
 * response. An item is closed when the next one starts (text, then tool calls, as upstreams send them). A stream that
 * fails after it started ends with an `error` event and `response.failed`. One encoder per response.
 */
import type { GatewayError } from '../../errors/index.ts';
import type { FinishReason, StreamPart, Usage } from '../../spec/index.ts';
import { outputText, responseObject, statusOf, type OutputItem, type ResponseIdentity } from './response-object.ts';

interface OpenText {
  readonly itemId: string;
  readonly outputIndex: number;
  text: string;
  /** The delta event's text around its sequence number and delta, built once per item (the hot path of a stream). */
  readonly deltaHead: string;
  readonly deltaMiddle: string;
}

interface OpenCall {
  readonly itemId: string;
  readonly outputIndex: number;
  readonly callId: string;
  readonly name: string;
  arguments: string;
}

export class ResponseEventEncoder {
  readonly #identity: ResponseIdentity;
  /** Called once with the final response object (completed or incomplete), when the stream ends well. */
  readonly #onComplete: ((response: Record<string, unknown>) => void) | undefined;
  #sequence = 0;
  /** Finished items, by output index. */
  readonly #output: OutputItem[] = [];
  #message: OpenText | undefined;
  #reasoning: OpenText | undefined;
  /** Tool calls by the upstream's index. */
  #calls: Map<number, OpenCall> | undefined;
  #finishReason: FinishReason | undefined;
  #usage: Usage | undefined;

  constructor(identity: ResponseIdentity, onComplete?: (response: Record<string, unknown>) => void) {
    this.#identity = identity;
    this.#onComplete = onComplete;
  }

  #event(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.#sequence++, ...fields })}\n\n`;
  }

  encode(part: StreamPart): string {
    switch (part.type) {
      case 'start': {
        // One serialisation for both events.
        const response = JSON.stringify(responseObject(this.#identity, 'in_progress', [], undefined, null));
        return (
          `event: response.created\ndata: {"type":"response.created","sequence_number":${this.#sequence++},"response":${response}}\n\n` +
          `event: response.in_progress\ndata: {"type":"response.in_progress","sequence_number":${this.#sequence++},"response":${response}}\n\n`
        );
      }
      case 'text-delta': {
        if (part.delta === '') return '';
        let text = '';
        let message = this.#message;
        if (message === undefined) {
          text += this.#closeReasoning();
          const itemId = this.#identity.newId('msg');
          const outputIndex = this.#nextIndex();
          message = this.#message = {
            itemId,
            outputIndex,
            text: '',
            deltaHead: 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":',
            deltaMiddle: `,"item_id":${JSON.stringify(itemId)},"output_index":${outputIndex},"content_index":0,"delta":`,
          };
          text += this.#event('response.output_item.added', { output_index: message.outputIndex, item: { id: message.itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] } });
          text += this.#event('response.content_part.added', { item_id: message.itemId, output_index: message.outputIndex, content_index: 0, part: outputText('') });
        }
        message.text += part.delta;
        return `${text}${message.deltaHead}${this.#sequence++}${message.deltaMiddle}${JSON.stringify(part.delta)},"logprobs":[]}\n\n`;
      }
      case 'reasoning-delta': {
        if (part.delta === '') return '';
        let text = '';
        let reasoning = this.#reasoning;
        if (reasoning === undefined) {
          reasoning = this.#reasoning = { itemId: this.#identity.newId('rs'), outputIndex: this.#nextIndex(), text: '', deltaHead: '', deltaMiddle: '' };
          text += this.#event('response.output_item.added', { output_index: reasoning.outputIndex, item: { id: reasoning.itemId, type: 'reasoning', summary: [] } });
        }
        reasoning.text += part.delta;
        return text + this.#event('response.reasoning_text.delta', { item_id: reasoning.itemId, output_index: reasoning.outputIndex, content_index: 0, delta: part.delta });
      }
      case 'tool-call-delta': {
        let text = '';
        const calls = (this.#calls ??= new Map());
        let call = calls.get(part.index);
        if (call === undefined) {
          text += this.#closeReasoning() + this.#closeMessage();
          call = { itemId: this.#identity.newId('fc'), outputIndex: this.#nextIndex(), callId: part.id ?? this.#identity.newId('call'), name: part.name ?? '', arguments: '' };
          calls.set(part.index, call);
          text += this.#event('response.output_item.added', {
            output_index: call.outputIndex,
            item: { id: call.itemId, type: 'function_call', status: 'in_progress', call_id: call.callId, name: call.name, arguments: '' },
          });
        }
        if (part.argumentsDelta === '') return text;
        call.arguments += part.argumentsDelta;
        return text + this.#event('response.function_call_arguments.delta', { item_id: call.itemId, output_index: call.outputIndex, delta: part.argumentsDelta });
      }
      case 'finish':
        this.#finishReason = part.finishReason;
        return '';
      case 'usage':
        this.#usage = part.usage;
        return '';
      case 'annotation':
        return '';
      case 'output-item': {
        // Whole, in its place: the items before it are finished.
        const outputIndex = this.#nextIndex();
        const text = this.#closeReasoning() + this.#closeMessage();
        this.#output.push({ ...part.item, output_index: outputIndex });
        return (
          text +
          this.#event('response.output_item.added', { output_index: outputIndex, item: part.item }) +
          this.#event('response.output_item.done', { output_index: outputIndex, item: part.item })
        );
      }
    }
  }

  /** The events that end a stream that succeeded: the open items closed, then the whole response. */
  get done(): string {
    const { status, incomplete } = statusOf(this.#finishReason);
    let text = this.#closeReasoning() + this.#closeMessage(status === 'incomplete' ? 'incomplete' : 'completed');
    for (const call of this.#calls?.values() ?? []) text += this.#closeCall(call);
    const response = responseObject(this.#identity, status, this.#ordered(), this.#usage, incomplete);
    this.#onComplete?.(response);
    return text + this.#event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
  }

  /** A failure after the stream started: an `error` event (the SDKs raise it), then `response.failed`. */
  error(error: GatewayError): string {
    const response = responseObject(this.#identity, 'failed', this.#ordered(), this.#usage, null, error);
    return this.#event('error', { code: error.code, message: error.message, param: error.param ?? null }) + this.#event('response.failed', { response });
  }

  #nextIndex(): number {
    return this.#output.length + (this.#message === undefined ? 0 : 1) + (this.#reasoning === undefined ? 0 : 1) + (this.#calls?.size ?? 0);
  }

  #ordered(): OutputItem[] {
    return [...this.#output].sort((a, b) => (a.output_index as number) - (b.output_index as number)).map(({ output_index: _index, ...item }) => item);
  }

  #closeReasoning(): string {
    const reasoning = this.#reasoning;
    if (reasoning === undefined) return '';
    this.#reasoning = undefined;
    const item = { id: reasoning.itemId, type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: reasoning.text }] };
    this.#output.push({ ...item, output_index: reasoning.outputIndex });
    return (
      this.#event('response.reasoning_text.done', { item_id: reasoning.itemId, output_index: reasoning.outputIndex, content_index: 0, text: reasoning.text }) +
      this.#event('response.output_item.done', { output_index: reasoning.outputIndex, item })
    );
  }

  #closeMessage(status: 'completed' | 'incomplete' = 'completed'): string {
    const message = this.#message;
    if (message === undefined) return '';
    this.#message = undefined;
    const part = outputText(message.text);
    const item = { id: message.itemId, type: 'message', status, role: 'assistant', content: [part] };
    this.#output.push({ ...item, output_index: message.outputIndex });
    const where = { item_id: message.itemId, output_index: message.outputIndex, content_index: 0 };
    return (
      this.#event('response.output_text.done', { ...where, text: message.text, logprobs: [] }) +
      this.#event('response.content_part.done', { ...where, part }) +
      this.#event('response.output_item.done', { output_index: message.outputIndex, item })
    );
  }

  #closeCall(call: OpenCall): string {
    const item = { id: call.itemId, type: 'function_call', status: 'completed', call_id: call.callId, name: call.name, arguments: call.arguments };
    this.#output.push({ ...item, output_index: call.outputIndex });
    return (
      this.#event('response.function_call_arguments.done', { item_id: call.itemId, output_index: call.outputIndex, name: call.name, arguments: call.arguments }) +
      this.#event('response.output_item.done', { output_index: call.outputIndex, item })
    );
  }
}
