/**
 * Reads a chat completion stream from the openai SDK to its end, the way a client reassembles it: the text, the last
 * finish reason, the usage chunk, and the tool calls rebuilt from their deltas (id and name from the first delta,
 * arguments concatenated).
 */
import type OpenAI from 'openai';

export interface CollectedStream {
  text: string;
  finish: string | null;
  usage: OpenAI.CompletionUsage | undefined;
  calls: Array<{ id: string; name: string; arguments: string }>;
}

export async function collectStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<CollectedStream> {
  const collected: CollectedStream = { text: '', finish: null, usage: undefined, calls: [] };
  const calls = collected.calls;
  for await (const chunk of stream) {
    if (chunk.usage) collected.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice === undefined) continue;
    collected.finish = choice.finish_reason ?? collected.finish;
    collected.text += choice.delta.content ?? '';
    for (const delta of choice.delta.tool_calls ?? []) {
      calls[delta.index] ??= { id: '', name: '', arguments: '' };
      if (delta.id) calls[delta.index].id = delta.id;
      if (delta.function?.name) calls[delta.index].name = delta.function.name;
      calls[delta.index].arguments += delta.function?.arguments ?? '';
    }
  }
  return collected;
}
