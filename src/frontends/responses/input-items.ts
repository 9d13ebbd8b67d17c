/**
 * Neutral messages as Responses API input items, for an upstream that speaks the Responses API and is handed a
 * conversation the gateway stored: `message` items (`input_text` and `input_image` parts for users, system and
 * developer; `output_text` and `refusal` parts for the assistant), each assistant tool call a `function_call` item
 * after its message, each tool result a `function_call_output` item.
 */
import type { ChatMessage, ImageSource, TextContentPart, UserContentPart } from '../../spec/index.ts';

export type InputItem = Record<string, unknown>;

function inputText(content: string | readonly TextContentPart[]): InputItem[] {
  return typeof content === 'string' ? [{ type: 'input_text', text: content }] : content.map((part) => ({ type: 'input_text', text: part.text }));
}

function imageUrl(source: ImageSource): string {
  return source.type === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}

function userPart(part: UserContentPart): InputItem {
  if (part.type === 'text') return { type: 'input_text', text: part.text };
  return { type: 'input_image', image_url: imageUrl(part.source), detail: part.detail ?? 'auto' };
}

export function encodeInputItems(messages: readonly ChatMessage[]): InputItem[] {
  const items: InputItem[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        items.push({ type: 'message', role: message.role, content: inputText(message.content) });
        break;
      case 'user':
        items.push({ type: 'message', role: 'user', content: typeof message.content === 'string' ? inputText(message.content) : message.content.map(userPart) });
        break;
      case 'assistant': {
        const content: InputItem[] = [];
        const text = message.content === undefined ? undefined : typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join('');
        if (text !== undefined && (text !== '' || (message.toolCalls === undefined && message.refusal === undefined))) content.push({ type: 'output_text', text, annotations: [] });
        if (message.refusal !== undefined) content.push({ type: 'refusal', refusal: message.refusal });
        if (content.length > 0) items.push({ type: 'message', role: 'assistant', content });
        for (const call of message.toolCalls ?? []) items.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: call.arguments });
        break;
      }
      case 'tool':
        items.push({ type: 'function_call_output', call_id: message.toolCallId, output: typeof message.content === 'string' ? message.content : inputText(message.content) });
        break;
    }
  }
  return items;
}

/**
 * The client's Responses body continuing a stored conversation: the conversation as input items before this turn's
 * input (as the client sent it), and no `previous_response_id`, which only the gateway knows.
 */
export function continuedBody(body: Record<string, unknown>, history: readonly ChatMessage[]): Record<string, unknown> {
  const { previous_response_id: _, ...rest } = body;
  const input = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : (body.input as unknown[]);
  return { ...rest, input: [...encodeInputItems(history), ...input] };
}
