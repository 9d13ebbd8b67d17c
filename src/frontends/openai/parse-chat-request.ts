/**
 * Validates an OpenAI chat completion body and returns the canonical ChatRequest, with the body itself attached as the
 * pass-through for OpenAI-dialect upstreams. Every rejection is a GatewayError naming the offending `param`
 * (`messages[2].content`), so clients can fix the exact field. Validation and conversion are one walk: each message
 * and part costs one small object; strings, schemas and image data are shared with the body, never copied.
 */
import { GatewayError } from '../../errors/index.ts';
import type {
  AssistantMessage,
  AssistantToolCall,
  ChatMessage,
  ChatRequest,
  FunctionTool,
  ResponseFormat,
  TextContentPart,
  ToolChoice,
  UserContentPart,
} from '../../spec/index.ts';
import { expectType, invalid, isObject, maxModelNameLength, modelTooLong, optionalBoolean, optionalInteger, optionalNumber, optionalString, shown, typeName } from './body-fields.ts';
import { imageSource } from './image-source.ts';

type JsonSchemaFormat = Extract<ResponseFormat, { type: 'json-schema' }>;

const maxStopSequences = 4;

/** A client's text parts as neutral parts (one small object each); throws on the first invalid part. */
function textParts(content: unknown[], param: string): TextContentPart[] {
  const parts: TextContentPart[] = new Array(content.length);
  for (let index = 0; index < content.length; index++) {
    const part = content[index];
    const partParam = `${param}[${index}]`;
    if (!isObject(part)) expectType(part, partParam, 'an object');
    if (part.type !== 'text') {
      throw invalid(`${partParam}.type`, `Invalid value for '${partParam}.type': this message role accepts only 'text' parts.`);
    }
    if (typeof part.text !== 'string') expectType(part.text, `${partParam}.text`, 'a string');
    parts[index] = { type: 'text', text: part.text };
  }
  return parts;
}

function userParts(content: unknown[], param: string): UserContentPart[] {
  const parts: UserContentPart[] = new Array(content.length);
  for (let index = 0; index < content.length; index++) {
    const part = content[index];
    const partParam = `${param}[${index}]`;
    if (!isObject(part)) expectType(part, partParam, 'an object');
    if (part.type === 'text') {
      if (typeof part.text !== 'string') expectType(part.text, `${partParam}.text`, 'a string');
      parts[index] = { type: 'text', text: part.text };
    } else if (part.type === 'image_url') {
      const image = part.image_url;
      if (!isObject(image)) expectType(image, `${partParam}.image_url`, 'an object');
      const url = image.url;
      if (typeof url !== 'string') expectType(url, `${partParam}.image_url.url`, 'a string');
      if (!url.startsWith('https://') && !url.startsWith('data:image/')) {
        throw invalid(`${partParam}.image_url.url`, `Invalid image URL in '${partParam}.image_url.url': expected an https URL or a data:image/… URI.`);
      }
      if (url.startsWith('data:') && !url.includes(';base64,')) {
        throw invalid(`${partParam}.image_url.url`, `Invalid image data URI in '${partParam}.image_url.url': expected base64 data (data:image/png;base64,…).`);
      }
      const detail = image.detail;
      if (detail !== undefined && detail !== 'auto' && detail !== 'low' && detail !== 'high') {
        throw invalid(`${partParam}.image_url.detail`, `Invalid value for '${partParam}.image_url.detail': expected 'auto', 'low' or 'high'.`);
      }
      parts[index] = detail === undefined ? { type: 'image', source: imageSource(url) } : { type: 'image', source: imageSource(url), detail };
    } else {
      throw invalid(`${partParam}.type`, `Invalid value for '${partParam}.type': expected 'text' or 'image_url', got ${shown(part.type)}.`);
    }
  }
  return parts;
}

function toolCalls(value: unknown, param: string): AssistantToolCall[] {
  if (!Array.isArray(value)) expectType(value, param, 'an array');
  const calls: AssistantToolCall[] = new Array(value.length);
  for (let index = 0; index < value.length; index++) {
    const call = value[index];
    const callParam = `${param}[${index}]`;
    if (!isObject(call)) expectType(call, callParam, 'an object');
    if (typeof call.id !== 'string') expectType(call.id, `${callParam}.id`, 'a string');
    if (call.type !== 'function') throw invalid(`${callParam}.type`, `Invalid value for '${callParam}.type': expected 'function'.`);
    const fn = call.function;
    if (!isObject(fn)) expectType(fn, `${callParam}.function`, 'an object');
    if (typeof fn.name !== 'string') expectType(fn.name, `${callParam}.function.name`, 'a string');
    if (typeof fn.arguments !== 'string') expectType(fn.arguments, `${callParam}.function.arguments`, 'a string');
    calls[index] = { id: call.id, name: fn.name, arguments: fn.arguments };
  }
  return calls;
}

/** A message `name` the gateway keeps; OpenAI's schema says string, anything else is ignored as before. */
function nameOf(message: Record<string, unknown>): string | undefined {
  return typeof message.name === 'string' ? message.name : undefined;
}

/** Set by parseMessages when an assistant turn carries only a refusal; read once per request by parseChatRequest. */
let sawRefusalOnlyTurn = false;

function parseMessages(value: unknown): ChatMessage[] {
  if (value === undefined) throw invalid('messages', "Missing required parameter: 'messages'.");
  if (!Array.isArray(value)) expectType(value, 'messages', 'an array');
  if (value.length === 0) throw invalid('messages', "Invalid 'messages': expected an array with at least one message.");
  const messages: ChatMessage[] = new Array(value.length);
  for (let index = 0; index < value.length; index++) {
    const message = value[index];
    const param = `messages[${index}]`;
    if (!isObject(message)) expectType(message, param, 'an object');
    const content = message.content;
    switch (message.role) {
      case 'system':
      case 'developer': {
        let text: string | TextContentPart[];
        if (typeof content === 'string') text = content;
        else if (Array.isArray(content)) text = textParts(content, `${param}.content`);
        else expectType(content, `${param}.content`, 'a string or an array of text parts');
        const name = nameOf(message);
        messages[index] = name === undefined ? { role: message.role, content: text } : { role: message.role, content: text, name };
        break;
      }
      case 'user': {
        let parts: string | UserContentPart[];
        if (typeof content === 'string') parts = content;
        else if (Array.isArray(content)) parts = userParts(content, `${param}.content`);
        else expectType(content, `${param}.content`, 'a string or an array of content parts');
        const name = nameOf(message);
        messages[index] = name === undefined ? { role: 'user', content: parts } : { role: 'user', content: parts, name };
        break;
      }
      case 'assistant': {
        const calls = message.tool_calls !== undefined && message.tool_calls !== null ? toolCalls(message.tool_calls, `${param}.tool_calls`) : undefined;
        const refusal = message.refusal;
        if (refusal !== undefined && refusal !== null && typeof refusal !== 'string') expectType(refusal, `${param}.refusal`, 'a string or null');
        let text: string | TextContentPart[] | undefined;
        if (content === undefined || content === null || typeof content === 'string') {
          // A turn the model refused carries only its `refusal` (OpenAI's own reply shape, sent back as history).
          if ((content === undefined || content === null) && calls === undefined && typeof refusal !== 'string') {
            throw invalid(`${param}.content`, `Invalid '${param}': an assistant message needs 'content', 'tool_calls' or 'refusal'.`);
          }
          if (content === undefined || content === null) sawRefusalOnlyTurn ||= calls === undefined;
          text = content ?? undefined;
        } else if (Array.isArray(content)) text = textParts(content, `${param}.content`);
        else expectType(content, `${param}.content`, 'a string, an array of text parts or null');
        const assistant: { -readonly [K in keyof AssistantMessage]: AssistantMessage[K] } = { role: 'assistant' };
        if (text !== undefined) assistant.content = text;
        if (calls !== undefined) assistant.toolCalls = calls;
        if (typeof refusal === 'string') assistant.refusal = refusal;
        const name = nameOf(message);
        if (name !== undefined) assistant.name = name;
        messages[index] = assistant;
        break;
      }
      case 'tool': {
        if (typeof message.tool_call_id !== 'string') expectType(message.tool_call_id, `${param}.tool_call_id`, 'a string');
        let text: string | TextContentPart[];
        if (typeof content === 'string') text = content;
        else if (Array.isArray(content)) text = textParts(content, `${param}.content`);
        else expectType(content, `${param}.content`, 'a string or an array of text parts');
        messages[index] = { role: 'tool', toolCallId: message.tool_call_id, content: text };
        break;
      }
      case undefined:
        throw invalid(`${param}.role`, `Missing required parameter: '${param}.role'.`);
      default:
        throw invalid(
          `${param}.role`,
          `Invalid value for '${param}.role': ${shown(message.role)}; expected 'system', 'developer', 'user', 'assistant' or 'tool'.`,
        );
    }
  }
  return messages;
}

function parseTools(value: unknown): FunctionTool[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) expectType(value, 'tools', 'an array');
  const tools: FunctionTool[] = new Array(value.length);
  for (let index = 0; index < value.length; index++) {
    const tool = value[index];
    const param = `tools[${index}]`;
    if (!isObject(tool)) expectType(tool, param, 'an object');
    if (tool.type !== 'function') throw invalid(`${param}.type`, `Invalid value for '${param}.type': expected 'function'.`);
    const fn = tool.function;
    if (!isObject(fn)) expectType(fn, `${param}.function`, 'an object');
    if (typeof fn.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(fn.name)) {
      throw invalid(`${param}.function.name`, `Invalid '${param}.function.name': expected 1 to 64 letters, digits, underscores or dashes.`);
    }
    if (fn.description !== undefined && typeof fn.description !== 'string') expectType(fn.description, `${param}.function.description`, 'a string');
    if (fn.parameters !== undefined && !isObject(fn.parameters)) expectType(fn.parameters, `${param}.function.parameters`, 'a JSON Schema object');
    const neutral: { -readonly [K in keyof FunctionTool]: FunctionTool[K] } = { type: 'function', name: fn.name };
    if (fn.description !== undefined) neutral.description = fn.description;
    if (fn.parameters !== undefined) neutral.parameters = fn.parameters;
    if (typeof fn.strict === 'boolean') neutral.strict = fn.strict;
    tools[index] = neutral;
  }
  return tools.length === 0 ? undefined : tools;
}

function parseToolChoice(value: unknown, tools: FunctionTool[] | undefined): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') {
    if (value === 'required' && tools === undefined) throw invalid('tool_choice', "Invalid 'tool_choice': 'required' needs 'tools'.");
    return value;
  }
  if (isObject(value) && value.type === 'function' && isObject(value.function) && typeof value.function.name === 'string') {
    const name = value.function.name;
    if (tools === undefined || !tools.some((tool) => tool.name === name)) {
      throw invalid('tool_choice', `Invalid 'tool_choice': no tool named ${shown(name)} in 'tools'.`);
    }
    return { type: 'function', name };
  }
  throw invalid('tool_choice', "Invalid 'tool_choice': expected 'auto', 'none', 'required' or {type: 'function', function: {name}}.");
}

const textFormat: ResponseFormat = { type: 'text' };
const jsonObjectFormat: ResponseFormat = { type: 'json-object' };

function parseResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) expectType(value, 'response_format', 'an object');
  switch (value.type) {
    case 'text':
      return textFormat;
    case 'json_object':
      return jsonObjectFormat;
    case 'json_schema': {
      const schema = value.json_schema;
      if (!isObject(schema)) expectType(schema, 'response_format.json_schema', 'an object');
      if (typeof schema.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(schema.name)) {
        throw invalid('response_format.json_schema.name', "Invalid 'response_format.json_schema.name': expected 1 to 64 letters, digits, underscores or dashes.");
      }
      if (schema.schema !== undefined && !isObject(schema.schema)) expectType(schema.schema, 'response_format.json_schema.schema', 'a JSON Schema object');
      const format: { -readonly [K in keyof JsonSchemaFormat]: JsonSchemaFormat[K] } = { type: 'json-schema', name: schema.name };
      if (typeof schema.description === 'string') format.description = schema.description;
      if (schema.schema !== undefined) format.schema = schema.schema;
      if (typeof schema.strict === 'boolean') format.strict = schema.strict;
      return format;
    }
    default:
      throw invalid('response_format.type', "Invalid value for 'response_format.type': expected 'text', 'json_object' or 'json_schema'.");
  }
}

function validateStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) expectType(value, 'stop', 'a string or an array of strings');
  if (value.length > maxStopSequences) throw invalid('stop', `Invalid 'stop': at most ${maxStopSequences} sequences.`);
  for (let index = 0; index < value.length; index++) {
    if (typeof value[index] !== 'string') expectType(value[index], `stop[${index}]`, 'a string');
  }
  return value.length === 0 ? undefined : (value as string[]);
}

export interface ChatRequestOptions {
  /** From the `x-interchange-provider-annotations: include` request header. */
  readonly providerAnnotations?: boolean;
}

/** Validates a parsed chat completion body; throws GatewayError on the first problem. */
export function parseChatRequest(body: unknown, options: ChatRequestOptions = {}): ChatRequest {
  if (!isObject(body)) throw invalid('', `Invalid request body: expected a JSON object, but got ${typeName(body)}.`);
  const model = body.model;
  if (model === undefined) throw invalid('model', "Missing required parameter: 'model'.");
  if (typeof model !== 'string' || model === '') expectType(model, 'model', 'a non-empty string');
  if (model.length > maxModelNameLength) throw modelTooLong();
  sawRefusalOnlyTurn = false;
  const messages = parseMessages(body.messages);
  const refusalOnlyTurns = sawRefusalOnlyTurn;

  const stream = optionalBoolean(body, 'stream') ?? false;
  let includeUsage = false;
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!isObject(streamOptions)) expectType(streamOptions, 'stream_options', 'an object');
    if (!stream) throw invalid('stream_options', "Invalid 'stream_options': only allowed when 'stream' is true.");
    const include = streamOptions.include_usage;
    if (include !== undefined && typeof include !== 'boolean') expectType(include, 'stream_options.include_usage', 'a boolean');
    includeUsage = include === true;
  }

  const n = body.n;
  if (n !== undefined && n !== null && n !== 1) {
    if (typeof n !== 'number' || !Number.isInteger(n)) expectType(n, 'n', 'an integer');
    throw new GatewayError('unsupported_parameter', `Unsupported value for 'n': ${n}. Interchange serves one choice per request (n = 1); send separate requests for more.`, {
      param: 'n',
    });
  }

  const maxCompletionTokens = optionalInteger(body, 'max_completion_tokens', 1);
  const maxTokens = optionalInteger(body, 'max_tokens', 1);
  const tools = parseTools(body.tools);
  const parallelToolCalls = optionalBoolean(body, 'parallel_tool_calls');

  return {
    model,
    messages,
    stream,
    includeUsage,
    maxOutputTokens: maxCompletionTokens ?? maxTokens,
    usesMaxCompletionTokens: maxCompletionTokens !== undefined,
    temperature: optionalNumber(body, 'temperature', 0, 2),
    topP: optionalNumber(body, 'top_p', 0, 1),
    seed: optionalInteger(body, 'seed', Number.MIN_SAFE_INTEGER),
    stop: validateStop(body.stop),
    user: optionalString(body, 'user'),
    tools,
    toolChoice: parseToolChoice(body.tool_choice, tools),
    parallelToolCalls,
    responseFormat: parseResponseFormat(body.response_format),
    providerAnnotations: options.providerAnnotations ?? false,
    passthrough: refusalOnlyTurns ? { dialect: 'openai-chat', body, refusalOnlyTurns } : { dialect: 'openai-chat', body },
  };
}
