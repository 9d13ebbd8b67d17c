/**
 * Validates an OpenAI Responses API body (`POST /v1/responses`) into the neutral chat request every provider
 * translates from, and keeps what the Responses frontend itself answers with: the input items as sent (for
 * `input_items`), the settings it echoes in the response object, `store` and `previous_response_id`. Every refusal is a
 * GatewayError naming the offending `param` (`input[2].content[0].image_url`).
 *
 * Input items become neutral messages: a string is one user message; `message` items (roles user, system, developer,
 * assistant; content a string or `input_text`/`input_image`/`output_text`/`refusal` parts); consecutive `function_call`
 * items one assistant turn with tool calls (joined to the assistant message just before them); `function_call_output`
 * a tool message; `reasoning` items are dropped (no upstream can take another's reasoning back). `instructions` are
 * the system message that leads every turn; they are not carried over to the next turn (as OpenAI does).
 */
import { GatewayError } from '../../errors/index.ts';
import type {
  AssistantToolCall,
  ChatMessage,
  ChatRequest,
  FunctionTool,
  ResponseFormat,
  TextContentPart,
  ToolChoice,
  UserContentPart,
} from '../../spec/index.ts';
import { createChatRequest } from '../../spec/index.ts';
import { expectType, invalid, isObject, optionalBoolean, optionalNumber, optionalString, shown } from '../openai/body-fields.ts';
import { imageSource } from '../openai/image-source.ts';

/** What the response object repeats of the request, as the client wrote it (or its defaults). */
export interface ResponseSettings {
  readonly instructions: string | null;
  readonly tools: readonly Record<string, unknown>[];
  readonly toolChoice: unknown;
  readonly text: Record<string, unknown>;
  readonly temperature: number;
  readonly topP: number;
  readonly maxOutputTokens: number | null;
  readonly parallelToolCalls: boolean;
  readonly reasoning: Record<string, unknown>;
  readonly truncation: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly user: string | null;
}

export interface ResponsesRequest {
  /** The neutral request for this turn alone (the handler puts a stored conversation before its messages). */
  readonly chat: ChatRequest;
  /** This turn's input as neutral messages, `instructions` excluded: what a stored conversation keeps. */
  readonly input: readonly ChatMessage[];
  /** Tools only a channel that speaks the Responses API natively can take; none of them reaches the neutral request. */
  readonly nativeOnlyTools: readonly NativeOnlyTool[];
  /** This turn's input items as `GET /v1/responses/{id}/input_items` lists them; none when nothing is stored. */
  readonly inputItems: readonly Record<string, unknown>[];
  readonly store: boolean;
  readonly previousResponseId: string | undefined;
  readonly settings: ResponseSettings;
}

const maxMetadataKeys = 16;
const maxMetadataKeyLength = 64;
const maxMetadataValueLength = 512;

/** Fields of the Responses API this gateway does not serve: a precise 400 rather than a silent difference. */
const unsupportedFields: Readonly<Record<string, string>> = {
  background: 'background responses are not supported by this gateway; send the request without "background"',
  conversation: 'the Conversations API is not supported by this gateway; continue a conversation with "previous_response_id"',
  prompt: 'prompt templates are not supported by this gateway; send the input itself',
};

function textOf(part: Record<string, unknown>, param: string): string {
  if (typeof part.text !== 'string') expectType(part.text, `${param}.text`, 'a string');
  return part.text;
}

/** A user, system or developer message's parts. */
function inputParts(content: unknown[], param: string, imagesAllowed: boolean): UserContentPart[] {
  const parts: UserContentPart[] = new Array(content.length);
  for (let index = 0; index < content.length; index++) {
    const part = content[index];
    const partParam = `${param}[${index}]`;
    if (!isObject(part)) expectType(part, partParam, 'an object');
    if (part.type === 'input_text') {
      parts[index] = { type: 'text', text: textOf(part, partParam) };
    } else if (part.type === 'input_image' && imagesAllowed) {
      if (part.file_id !== undefined && part.file_id !== null) throw invalid(`${partParam}.file_id`, `Invalid '${partParam}': images by file id are not supported by this gateway; send image_url (an https URL or a data:image/… URI).`);
      const url = part.image_url;
      if (typeof url !== 'string') expectType(url, `${partParam}.image_url`, 'a string');
      if (!url.startsWith('https://') && !url.startsWith('data:image/')) throw invalid(`${partParam}.image_url`, `Invalid image URL in '${partParam}.image_url': expected an https URL or a data:image/… URI.`);
      const detail = part.detail;
      if (detail !== undefined && detail !== null && detail !== 'auto' && detail !== 'low' && detail !== 'high') {
        throw invalid(`${partParam}.detail`, `Invalid value for '${partParam}.detail': expected 'auto', 'low' or 'high', got ${shown(detail)}.`);
      }
      parts[index] = detail === undefined || detail === null ? { type: 'image', source: imageSource(url) } : { type: 'image', source: imageSource(url), detail };
    } else {
      const accepted = imagesAllowed ? "'input_text' or 'input_image'" : "'input_text'";
      throw invalid(`${partParam}.type`, `Invalid value for '${partParam}.type': expected ${accepted}, got ${shown(part.type)}.`);
    }
  }
  return parts;
}

function onlyText(parts: readonly UserContentPart[]): TextContentPart[] {
  return parts as TextContentPart[];
}

/** An assistant message replayed as input: `output_text` and `refusal` parts, or a string. */
function assistantContent(content: unknown, param: string): { text: string | undefined; refusal: string | undefined } {
  if (typeof content === 'string') return { text: content, refusal: undefined };
  if (!Array.isArray(content)) expectType(content, param, 'a string or an array of content parts');
  let text: string | undefined;
  let refusal: string | undefined;
  content.forEach((part: unknown, index) => {
    const partParam = `${param}[${index}]`;
    if (!isObject(part)) expectType(part, partParam, 'an object');
    if (part.type === 'output_text' || part.type === 'input_text') text = (text ?? '') + textOf(part, partParam);
    else if (part.type === 'refusal') {
      if (typeof part.refusal !== 'string') expectType(part.refusal, `${partParam}.refusal`, 'a string');
      refusal = (refusal ?? '') + part.refusal;
    } else throw invalid(`${partParam}.type`, `Invalid value for '${partParam}.type': an assistant message takes 'output_text' or 'refusal' parts, got ${shown(part.type)}.`);
  });
  return { text, refusal };
}

function functionCallOutput(output: unknown, param: string): string | readonly TextContentPart[] {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) expectType(output, param, 'a string or an array of content parts');
  return onlyText(inputParts(output, param, false));
}

/** The input as neutral messages, and as items to list later (each with the id OpenAI gives input items). */
/** `keep`: the response will be stored, so its input items are listed (a request that stores nothing makes none). */
function readInput(input: unknown, newId: (prefix: string) => string, keep: boolean): { messages: ChatMessage[]; items: Record<string, unknown>[] } {
  if (typeof input === 'string') {
    return {
      messages: [{ role: 'user', content: input }],
      items: keep ? [{ id: newId('msg'), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: input }] }] : [],
    };
  }
  if (!Array.isArray(input)) expectType(input, 'input', 'a string or an array of input items');
  if (input.length === 0) throw invalid('input', "Invalid 'input': expected at least one input item.");
  const messages: ChatMessage[] = [];
  const items: Record<string, unknown>[] = [];
  let pendingCalls: AssistantToolCall[] | undefined;
  let pendingText: { text: string | undefined; refusal: string | undefined } | undefined;
  const flushAssistant = () => {
    if (pendingCalls === undefined && pendingText === undefined) return;
    messages.push({
      role: 'assistant',
      ...(pendingText?.text === undefined ? {} : { content: pendingText.text }),
      ...(pendingText?.refusal === undefined ? {} : { refusal: pendingText.refusal }),
      ...(pendingCalls === undefined ? {} : { toolCalls: pendingCalls }),
    });
    pendingCalls = undefined;
    pendingText = undefined;
  };
  input.forEach((item: unknown, index) => {
    const param = `input[${index}]`;
    if (!isObject(item)) expectType(item, param, 'an object');
    const type = item.type ?? (item.role === undefined ? undefined : 'message');
    switch (type) {
      case 'message': {
        const role = item.role;
        const content = item.content;
        if (role === 'assistant') {
          flushAssistant();
          pendingText = assistantContent(content, `${param}.content`);
          if (keep) items.push({ id: typeof item.id === 'string' ? item.id : newId('msg'), type: 'message', role, status: 'completed', content: typeof content === 'string' ? [{ type: 'output_text', text: content, annotations: [] }] : content });
          return;
        }
        if (role !== 'user' && role !== 'system' && role !== 'developer') {
          throw invalid(`${param}.role`, `Invalid value for '${param}.role': expected 'user', 'assistant', 'system' or 'developer', got ${shown(role)}.`);
        }
        flushAssistant();
        if (typeof content === 'string') {
          messages.push(role === 'user' ? { role, content } : { role, content });
          if (keep) items.push({ id: newId('msg'), type: 'message', role, status: 'completed', content: [{ type: 'input_text', text: content }] });
          return;
        }
        if (!Array.isArray(content)) expectType(content, `${param}.content`, 'a string or an array of content parts');
        const parts = inputParts(content, `${param}.content`, role === 'user');
        messages.push(role === 'user' ? { role, content: parts } : { role, content: onlyText(parts) });
        if (keep) items.push({ id: typeof item.id === 'string' ? item.id : newId('msg'), type: 'message', role, status: 'completed', content });
        return;
      }
      case 'function_call': {
        const callId = item.call_id;
        if (typeof callId !== 'string' || callId === '') expectType(callId, `${param}.call_id`, 'a non-empty string');
        if (typeof item.name !== 'string' || item.name === '') expectType(item.name, `${param}.name`, 'a non-empty string');
        if (typeof item.arguments !== 'string') expectType(item.arguments, `${param}.arguments`, 'a string');
        (pendingCalls ??= []).push({ id: callId, name: item.name, arguments: item.arguments });
        if (keep) items.push({ id: typeof item.id === 'string' ? item.id : newId('fc'), type: 'function_call', status: 'completed', call_id: callId, name: item.name, arguments: item.arguments });
        return;
      }
      case 'function_call_output': {
        const callId = item.call_id;
        if (typeof callId !== 'string' || callId === '') expectType(callId, `${param}.call_id`, 'a non-empty string');
        flushAssistant();
        messages.push({ role: 'tool', toolCallId: callId, content: functionCallOutput(item.output, `${param}.output`) });
        if (keep) items.push({ id: typeof item.id === 'string' ? item.id : newId('fco'), type: 'function_call_output', status: 'completed', call_id: callId, output: item.output });
        return;
      }
      case 'reasoning':
        // Another upstream's reasoning cannot be handed back to a model: the turn goes on without it.
        return;
      default:
        throw invalid(`${param}.type`, `Invalid value for '${param}.type': this gateway takes 'message', 'function_call', 'function_call_output' and 'reasoning' input items, got ${shown(type)}.`);
    }
  });
  flushAssistant();
  return { messages, items };
}

/** A tool only an upstream that speaks the Responses API can take (a hosted tool: `web_search`, `file_search`…). */
export interface NativeOnlyTool {
  readonly param: string;
  readonly type: string;
}

function readTools(value: unknown): { tools: FunctionTool[] | undefined; echoed: Record<string, unknown>[]; nativeOnly: NativeOnlyTool[] } {
  if (value === undefined || value === null) return { tools: undefined, echoed: [], nativeOnly: [] };
  if (!Array.isArray(value)) expectType(value, 'tools', 'an array');
  const tools: FunctionTool[] = [];
  const echoed: Record<string, unknown>[] = [];
  const nativeOnly: NativeOnlyTool[] = [];
  value.forEach((tool: unknown, index) => {
    const param = `tools[${index}]`;
    if (!isObject(tool)) expectType(tool, param, 'an object');
    if (tool.type !== 'function') {
      // Passed as written to upstreams that speak the Responses API; the handler refuses it when a channel does not.
      if (typeof tool.type !== 'string' || tool.type === '') expectType(tool.type, `${param}.type`, 'a tool type');
      nativeOnly.push({ param: `${param}.type`, type: tool.type });
      echoed.push(tool);
      return;
    }
    if (typeof tool.name !== 'string' || tool.name === '') expectType(tool.name, `${param}.name`, 'a non-empty string');
    const parameters = tool.parameters;
    if (parameters !== undefined && parameters !== null && !isObject(parameters)) expectType(parameters, `${param}.parameters`, 'an object (a JSON Schema)');
    if (tool.description !== undefined && tool.description !== null && typeof tool.description !== 'string') expectType(tool.description, `${param}.description`, 'a string');
    if (tool.strict !== undefined && tool.strict !== null && typeof tool.strict !== 'boolean') expectType(tool.strict, `${param}.strict`, 'a boolean');
    const strict = tool.strict === undefined || tool.strict === null ? true : tool.strict;
    tools.push({
      type: 'function',
      name: tool.name,
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      ...(isObject(parameters) ? { parameters } : {}),
      strict,
    });
    echoed.push({ type: 'function', name: tool.name, description: tool.description ?? null, parameters: parameters ?? null, strict });
  });
  return { tools: tools.length === 0 ? undefined : tools, echoed, nativeOnly };
}

function readToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isObject(value) && value.type === 'function') {
    if (typeof value.name !== 'string' || value.name === '') expectType(value.name, 'tool_choice.name', 'a non-empty string');
    return { type: 'function', name: value.name };
  }
  throw invalid('tool_choice', `Invalid 'tool_choice': expected 'auto', 'none', 'required' or { "type": "function", "name": … }, got ${shown(value)}.`);
}

function readTextFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) expectType(value, 'text', 'an object');
  const format = value.format;
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) expectType(format, 'text.format', 'an object');
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json-object' };
    case 'json_schema': {
      if (typeof format.name !== 'string' || format.name === '') expectType(format.name, 'text.format.name', 'a non-empty string');
      if (!isObject(format.schema)) expectType(format.schema, 'text.format.schema', 'an object (a JSON Schema)');
      if (format.description !== undefined && format.description !== null && typeof format.description !== 'string') expectType(format.description, 'text.format.description', 'a string');
      if (format.strict !== undefined && format.strict !== null && typeof format.strict !== 'boolean') expectType(format.strict, 'text.format.strict', 'a boolean');
      return {
        type: 'json-schema',
        name: format.name,
        schema: format.schema,
        ...(typeof format.description === 'string' ? { description: format.description } : {}),
        ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
      };
    }
    default:
      throw invalid('text.format.type', `Invalid value for 'text.format.type': expected 'text', 'json_object' or 'json_schema', got ${shown(format.type)}.`);
  }
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) expectType(value, 'metadata', 'an object of strings');
  const entries = Object.entries(value);
  if (entries.length > maxMetadataKeys) throw invalid('metadata', `Invalid 'metadata': at most ${maxMetadataKeys} keys, got ${entries.length}.`);
  for (const [key, item] of entries) {
    if (key.length > maxMetadataKeyLength) throw invalid('metadata', `Invalid 'metadata': keys are at most ${maxMetadataKeyLength} characters.`);
    if (typeof item !== 'string') expectType(item, `metadata.${key}`, 'a string');
    if (item.length > maxMetadataValueLength) throw invalid(`metadata.${key}`, `Invalid 'metadata.${key}': values are at most ${maxMetadataValueLength} characters.`);
  }
  return value as Record<string, string>;
}

/** `newId(prefix)` mints an item id (`msg_…`); the handler passes a random one. */
export function parseResponsesRequest(body: unknown, newId: (prefix: string) => string): ResponsesRequest {
  if (!isObject(body)) expectType(body, 'body', 'a JSON object');
  for (const [field, why] of Object.entries(unsupportedFields)) {
    const value = body[field];
    if (value !== undefined && value !== null && value !== false) throw new GatewayError('unsupported_parameter', `Unsupported parameter '${field}': ${why}.`, { param: field });
  }
  const model = body.model;
  if (typeof model !== 'string' || model === '') expectType(model, 'model', 'a non-empty string');
  if (body.input === undefined || body.input === null) throw invalid('input', "Missing required parameter: 'input'.");
  const instructions = optionalString(body, 'instructions');
  const store = optionalBoolean(body, 'store') ?? true;
  const { messages: input, items } = readInput(body.input, newId, store);
  const { tools, echoed, nativeOnly } = readTools(body.tools);
  const toolChoice = readToolChoice(body.tool_choice);
  const responseFormat = readTextFormat(body.text);
  const maxOutputTokens = body.max_output_tokens;
  if (maxOutputTokens !== undefined && maxOutputTokens !== null && (typeof maxOutputTokens !== 'number' || !Number.isInteger(maxOutputTokens) || maxOutputTokens < 1)) {
    throw invalid('max_output_tokens', `Invalid 'max_output_tokens': expected an integer of at least 1, got ${shown(maxOutputTokens)}.`);
  }
  const temperature = optionalNumber(body, 'temperature', 0, 2);
  const topP = optionalNumber(body, 'top_p', 0, 1);
  const parallelToolCalls = optionalBoolean(body, 'parallel_tool_calls');
  const stream = optionalBoolean(body, 'stream') ?? false;
  const previousResponseId = optionalString(body, 'previous_response_id');
  const user = optionalString(body, 'user') ?? optionalString(body, 'safety_identifier');
  const metadata = readMetadata(body.metadata);
  const reasoning = body.reasoning;
  if (reasoning !== undefined && reasoning !== null && !isObject(reasoning)) expectType(reasoning, 'reasoning', 'an object');
  const truncation = body.truncation;
  if (truncation !== undefined && truncation !== null && truncation !== 'auto' && truncation !== 'disabled') {
    throw invalid('truncation', `Invalid value for 'truncation': expected 'auto' or 'disabled', got ${shown(truncation)}.`);
  }

  const chat = createChatRequest({
    model,
    messages: instructions === undefined ? input : [{ role: 'system', content: instructions }, ...input],
    stream,
    // Responses always report usage; streams carry it in `response.completed`.
    includeUsage: true,
    maxOutputTokens: maxOutputTokens ?? undefined,
    usesMaxCompletionTokens: true,
    temperature,
    topP,
    user,
    tools,
    toolChoice,
    parallelToolCalls,
    responseFormat,
    // For a channel whose upstream speaks the Responses API: what the gateway does not model still reaches it.
    passthrough: { dialect: 'openai-responses', body },
  });
  const text = isObject(body.text) && isObject(body.text.format) ? { ...body.text } : { format: { type: 'text' } };
  return {
    chat,
    input,
    nativeOnlyTools: nativeOnly,
    inputItems: items,
    store,
    previousResponseId,
    settings: {
      instructions: instructions ?? null,
      tools: echoed,
      toolChoice: body.tool_choice ?? 'auto',
      text,
      temperature: temperature ?? 1,
      topP: topP ?? 1,
      maxOutputTokens: typeof maxOutputTokens === 'number' ? maxOutputTokens : null,
      parallelToolCalls: parallelToolCalls ?? true,
      reasoning: isObject(reasoning) ? { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null } : { effort: null, summary: null },
      truncation: typeof truncation === 'string' ? truncation : 'disabled',
      metadata,
      user: user ?? null,
    },
  };
}
