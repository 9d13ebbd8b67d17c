/**
 * The canonical chat request as a Bedrock Converse body (`POST /model/{modelId}/converse` and `/converse-stream`; the
 * model ID travels in the path, never in the body). The body is a plain JSON value: blobs (image bytes) are base64
 * strings, as Bedrock's REST-JSON protocol carries them.
 *
 * Rules (the params named in refusals are the OpenAI chat body's, the frontend the request most often comes from):
 * - `system` and `developer` messages become `system` text blocks, in order, wherever they appear.
 * - Converse alternates `user` and `assistant` turns and starts with `user`: consecutive messages of one role are
 *   merged into one turn, and `tool` messages become `toolResult` blocks in a user turn, so a tool result and the user
 *   message after it share one turn. Within a user turn, tool results come first (Anthropic models require it).
 *   A conversation whose first turn is the assistant's is refused (`invalid_request`, param `messages`).
 * - Empty text is not allowed by Bedrock: empty text blocks are skipped, and a message left without any block is
 *   dropped (its neighbours may then merge).
 * - Images: inline data and `data:` URIs (base64, `image/png|jpeg|gif|webp`) are validated and their base64 passed
 *   through as is; `https:` URLs must have been fetched by the caller into `images` (see `collectImageUrls`). Other schemes and
 *   other image types are refused (`invalid_request` naming the param).
 * - Assistant tool calls become `toolUse` blocks whose `input` is the parsed arguments object (an empty string is
 *   `{}`); arguments that are not a JSON object are refused (`invalid_request` naming the param).
 * - Tool results are sent as `{ text }`, never `{ json }`, even when the content parses as JSON: OpenAI tool content
 *   is text, every Converse model accepts text results (several accept no `json`), and text loses nothing. An empty
 *   tool result is `content: []` (an empty text block would be refused).
 * - Tool-call ids are sent as given when they fit Bedrock's `^[a-zA-Z0-9_-]{1,64}$`; others are rewritten the same
 *   way in `toolUse` and `toolResult` so they still pair.
 * - `tools` → `toolConfig.tools[].toolSpec` (`strict` is not forwarded: on several Bedrock models it makes ordinary
 *   JSON Schema keywords fail the request). Tool choice `auto` / `required` / named → `{ auto }` / `{ any }` /
 *   `{ tool: { name } }`. `none` drops the tools and the whole `toolConfig` — except that Bedrock refuses toolUse or
 *   toolResult blocks without a `toolConfig`: when the conversation has them, the tools are kept and `toolChoice` is
 *   omitted (the model may then still call a tool). When the conversation has tool blocks but the request has no
 *   tools at all, a minimal spec (`{ type: 'object' }` input) is declared for every tool name the history uses.
 * - `maxOutputTokens` → `inferenceConfig.maxTokens`, `stop` → `stopSequences` (empty strings dropped), `temperature`,
 *   `topP`.
 * - Response format `json-schema` → `outputConfig.textFormat` with the schema as a JSON string. `json-object` has no
 *   Converse equivalent (structured output needs a schema): best effort, a system block asks for one JSON object.
 * - Not Converse fields, dropped: `seed`, `user`, `parallelToolCalls`, message `name`s, image `detail`, and every
 *   field the gateway does not model (the OpenAI pass-through is never read here; nothing goes into
 *   `additionalModelRequestFields`).
 */
import { imageParam, startsWithScheme, unsupportedScheme } from '../http/image-urls.ts';
import { GatewayError } from '../../errors/index.ts';
import type { AssistantMessage, ChatRequest, ImageSource, TextContentPart, ToolChoice, UserContentPart } from '../../spec/index.ts';

import type { ImageBytes, ImageFormat } from '../http/fetch-image.ts';

export type { ImageBytes, ImageFormat };

export type ConverseContentBlock =
  | { text: string }
  | { image: { format: ImageFormat; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } }
  | { toolResult: { toolUseId: string; content: Array<{ text: string }> } };

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseContentBlock[];
}

export interface ConverseToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
}

export type ConverseToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface ConverseRequestBody {
  messages: ConverseMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: ConverseToolSpec[]; toolChoice?: ConverseToolChoice };
  outputConfig?: {
    textFormat: {
      type: 'json_schema';
      structure: { jsonSchema: { schema: string; name?: string; description?: string } };
    };
  };
}

const jsonObjectInstruction = 'Respond with a single valid JSON object and nothing else.';
const toolUseIdPattern = /^[a-zA-Z0-9_-]{1,64}$/;
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
const dataUriPattern = /^data:([^;,]*)((?:;[^;,]*)*),/i;

const formatByMimeType: Record<string, ImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/pjpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

export function convertToConverseRequest(request: ChatRequest, images: ReadonlyMap<string, ImageBytes>): ConverseRequestBody {
  const system: Array<{ text: string }> = [];
  const turns: Turn[] = [];
  let hasToolBlocks = false;
  const historyToolNames: string[] = [];
  const messages = request.messages;

  for (let messageIndex = 0; messageIndex < messages.length; messageIndex++) {
    const message = messages[messageIndex];
    switch (message.role) {
      case 'system':
      case 'developer':
        appendText(system, message.content);
        break;
      case 'user': {
        const blocks = userBlocks(message.content, messageIndex, images);
        if (blocks.length > 0) turnFor(turns, 'user').blocks.push(...blocks);
        break;
      }
      case 'assistant': {
        const blocks = assistantBlocks(message, messageIndex);
        if (blocks.length === 0) break;
        for (const block of blocks) {
          if ('toolUse' in block) {
            hasToolBlocks = true;
            if (!historyToolNames.includes(block.toolUse.name)) historyToolNames.push(block.toolUse.name);
          }
        }
        turnFor(turns, 'assistant').blocks.push(...blocks);
        break;
      }
      case 'tool': {
        hasToolBlocks = true;
        const texts: Array<{ text: string }> = [];
        appendText(texts, message.content);
        turnFor(turns, 'user').toolResults.push({ toolResult: { toolUseId: toToolUseId(message.toolCallId), content: texts } });
        break;
      }
      default:
        throw new GatewayError('invalid_request', `messages[${messageIndex}].role ${JSON.stringify((message as { role: unknown }).role)} is not supported`, {
          param: `messages[${messageIndex}].role`,
        });
    }
  }

  if (turns.length === 0) {
    throw new GatewayError('invalid_request', 'Bedrock needs at least one user message with content besides system messages', { param: 'messages' });
  }
  if (turns[0].role !== 'user') {
    throw new GatewayError('invalid_request', 'Bedrock requires the conversation to start with a user message, but the first non-system message is the assistant\'s', {
      param: 'messages',
    });
  }

  const body: ConverseRequestBody = { messages: turns.map(toMessage) };

  const responseFormat = request.responseFormat;
  if (responseFormat?.type === 'json-object') system.push({ text: jsonObjectInstruction });
  if (system.length > 0) body.system = system;

  const inferenceConfig: NonNullable<ConverseRequestBody['inferenceConfig']> = {};
  if (request.maxOutputTokens !== undefined) inferenceConfig.maxTokens = request.maxOutputTokens;
  if (request.temperature !== undefined) inferenceConfig.temperature = request.temperature;
  if (request.topP !== undefined) inferenceConfig.topP = request.topP;
  const stopSequences = request.stop?.filter((sequence) => sequence !== '');
  if (stopSequences !== undefined && stopSequences.length > 0) inferenceConfig.stopSequences = stopSequences;
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig;

  const toolConfig = convertTools(request, hasToolBlocks, historyToolNames);
  if (toolConfig !== undefined) body.toolConfig = toolConfig;

  if (responseFormat?.type === 'json-schema') {
    const definition = responseFormat;
    const jsonSchema: { schema: string; name?: string; description?: string } = { schema: JSON.stringify(definition.schema ?? {}) };
    if (definition.name !== undefined && definition.name !== '') jsonSchema.name = definition.name;
    if (definition.description !== undefined && definition.description !== '') jsonSchema.description = definition.description;
    body.outputConfig = { textFormat: { type: 'json_schema', structure: { jsonSchema } } };
  }
  return body;
}

interface Turn {
  role: 'user' | 'assistant';
  toolResults: ConverseContentBlock[];
  blocks: ConverseContentBlock[];
}

function turnFor(turns: Turn[], role: 'user' | 'assistant'): Turn {
  const last = turns.at(-1);
  if (last !== undefined && last.role === role) return last;
  const turn: Turn = { role, toolResults: [], blocks: [] };
  turns.push(turn);
  return turn;
}

function toMessage(turn: Turn): ConverseMessage {
  return { role: turn.role, content: turn.toolResults.length === 0 ? turn.blocks : turn.toolResults.concat(turn.blocks) };
}

/** Appends the non-empty text of a string or text parts. */
function appendText(target: Array<{ text: string }>, content: string | readonly TextContentPart[] | undefined): void {
  if (typeof content === 'string') {
    if (content !== '') target.push({ text: content });
    return;
  }
  if (content === undefined) return;
  for (const part of content) if (part.text !== '') target.push({ text: part.text });
}

function userBlocks(content: string | readonly UserContentPart[], messageIndex: number, images: ReadonlyMap<string, ImageBytes>): ConverseContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const blocks: ConverseContentBlock[] = [];
  for (let partIndex = 0; partIndex < content.length; partIndex++) {
    const part = content[partIndex];
    if (part.type === 'text') {
      if (part.text !== '') blocks.push({ text: part.text });
    } else if (part.type === 'image') {
      blocks.push({ image: convertImage(part.source, imageParam(messageIndex, partIndex), images) });
    }
  }
  return blocks;
}

function convertImage(source: ImageSource, param: string, images: ReadonlyMap<string, ImageBytes>): { format: ImageFormat; source: { bytes: string } } {
  if (source.type === 'data') return convertInline(source.mediaType, source.data, param);
  const url = source.url;
  if (startsWithScheme(url, 'data:')) return convertDataUri(url, param);
  if (!startsWithScheme(url, 'https:')) throw unsupportedScheme(url, param);
  const fetched = images.get(url);
  if (fetched === undefined) {
    // collectImageUrls names every https URL; a missing one is the caller's bug, not the client's.
    throw new GatewayError('internal_error', `the image at ${param} was not fetched before conversion`, { param });
  }
  return { format: fetched.format, source: { bytes: Buffer.from(fetched.bytes.buffer, fetched.bytes.byteOffset, fetched.bytes.byteLength).toString('base64') } };
}

function convertDataUri(url: string, param: string): { format: ImageFormat; source: { bytes: string } } {
  const match = dataUriPattern.exec(url);
  if (match === null) throw new GatewayError('invalid_request', `${param} is not a valid data URI`, { param });
  if (!/;base64$/i.test(match[2])) {
    // The type is checked first, as it always was, so the refusal names the more useful problem.
    checkedFormat(match[1], param);
    throw new GatewayError('invalid_request', `${param} must be a base64 data URI (data:${match[1].trim().toLowerCase()};base64,…)`, { param });
  }
  return convertInline(match[1], url.slice(match[0].length), param);
}

function checkedFormat(mediaType: string, param: string): ImageFormat {
  const mimeType = mediaType.trim().toLowerCase();
  const format = formatByMimeType[mimeType];
  if (format === undefined) {
    throw new GatewayError('invalid_request', `${param} has image type ${JSON.stringify(mimeType)}; Bedrock accepts image/png, image/jpeg, image/gif and image/webp`, { param });
  }
  return format;
}

function convertInline(mediaType: string, data: string, param: string): { format: ImageFormat; source: { bytes: string } } {
  const format = checkedFormat(mediaType, param);
  if (data.length === 0 || data.length % 4 === 1 || !base64Pattern.test(data)) {
    throw new GatewayError('invalid_request', `${param} does not carry valid base64 image data`, { param });
  }
  return { format, source: { bytes: data } };
}

function assistantBlocks(message: AssistantMessage, messageIndex: number): ConverseContentBlock[] {
  const blocks: Array<{ text: string }> = [];
  appendText(blocks, message.content);
  if (blocks.length === 0 && message.refusal !== undefined && message.refusal !== '') blocks.push({ text: message.refusal });
  const toolCalls = message.toolCalls;
  if (toolCalls === undefined || toolCalls.length === 0) return blocks;
  const result: ConverseContentBlock[] = blocks;
  for (let callIndex = 0; callIndex < toolCalls.length; callIndex++) {
    const call = toolCalls[callIndex];
    result.push({
      toolUse: {
        toolUseId: toToolUseId(call.id),
        name: call.name,
        input: parseArguments(call.arguments, `messages[${messageIndex}].tool_calls[${callIndex}].function.arguments`),
      },
    });
  }
  return result;
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GatewayError('invalid_request', `${param} is not valid JSON: ${(error as Error).message}`, { param });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayError('invalid_request', `${param} must be a JSON object; Bedrock takes tool input as an object`, { param });
  }
  return parsed as Record<string, unknown>;
}

function convertTools(request: ChatRequest, hasToolBlocks: boolean, historyToolNames: string[]): ConverseRequestBody['toolConfig'] {
  const tools = request.tools;
  const choice: ToolChoice | undefined = request.toolChoice;
  if (tools === undefined || tools.length === 0) {
    if (!hasToolBlocks || historyToolNames.length === 0) return undefined;
    return {
      tools: historyToolNames.map((name) => ({ toolSpec: { name, inputSchema: { json: { type: 'object', properties: {} } } } })),
    };
  }
  if (choice === 'none' && !hasToolBlocks) return undefined;
  const specs: ConverseToolSpec[] = tools.map((tool) => {
    const spec: ConverseToolSpec['toolSpec'] = {
      name: tool.name,
      inputSchema: { json: tool.parameters ?? { type: 'object', properties: {} } },
    };
    if (tool.description !== undefined && tool.description !== '') spec.description = tool.description;
    return { toolSpec: spec };
  });
  const toolConfig: NonNullable<ConverseRequestBody['toolConfig']> = { tools: specs };
  if (choice === 'auto') toolConfig.toolChoice = { auto: {} };
  else if (choice === 'required') toolConfig.toolChoice = { any: {} };
  else if (choice !== undefined && choice !== 'none') toolConfig.toolChoice = { tool: { name: choice.name } };
  return toolConfig;
}

/** A tool-call id in Bedrock's alphabet and length; the same input always gives the same id, so calls and results pair. */
function toToolUseId(id: string): string {
  if (toolUseIdPattern.test(id)) return id;
  return `${id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 55)}_${hash(id)}`;
}

/** FNV-1a, 32 bits, as 8 hex digits: enough to keep rewritten ids apart. */
function hash(text: string): string {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return (value >>> 0).toString(16).padStart(8, '0');
}




