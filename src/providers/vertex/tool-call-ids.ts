/**
 * OpenAI tool-call ids for Gemini function calls, and back.
 *
 * Gemini's `functionCall` often carries no `id` (Gemini pairs calls and responses by name and order), while OpenAI
 * clients key tool results on `tool_call_id`. So:
 * - Response → client: a call's own `id` is kept when Gemini sent one that fits OpenAI's limits
 *   (`[A-Za-z0-9_-]`, at most 40 characters: OpenAI refuses longer ids, and a conversation may later fail over to an
 *   OpenAI channel). Otherwise an id is minted: `call_` + 24 base64url characters of a SHA-256 over the response key
 *   (Gemini's `responseId`, else the gateway's request id), the call's position among the response's function calls
 *   and its name. The same response always yields the same ids (streamed or not), and ids differ between turns, so a
 *   client that keys results on ids never confuses two turns' calls.
 * - Client → Gemini: the id is never sent back: Gemini pairs responses with calls by name and order, and most ids
 *   are the gateway's, which Gemini never saw. The function name of a `tool` message is found from its
 *   `tool_call_id` in the preceding assistant messages (see convert-request.ts).
 */
import { createHash } from 'node:crypto';

const openAIIdPattern = /^[A-Za-z0-9_-]{1,40}$/;

/** The OpenAI id for the function call at `index` (0, 1… in order of appearance) of one Gemini response. */
export function toolCallId(upstreamId: unknown, responseKey: string, index: number, name: string): string {
  if (typeof upstreamId === 'string' && openAIIdPattern.test(upstreamId)) return upstreamId;
  return mintToolCallId(responseKey, index, name);
}

/** A deterministic id for a function call Gemini sent without a usable one. */
export function mintToolCallId(responseKey: string, index: number, name: string): string {
  const digest = createHash('sha256').update(`${responseKey}\u0000${index}\u0000${name}`).digest('base64url');
  return `call_${digest.slice(0, 24)}`;
}

/** Where a tool call was declared: its function name and its place in the assistant turn. */
export interface DeclaredToolCall {
  readonly name: string;
  /** The assistant message's index in `messages`. */
  readonly messageIndex: number;
  /** The call's position within that message's `tool_calls`. */
  readonly position: number;
}
