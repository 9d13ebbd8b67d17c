/**
 * Validates a `POST /v1/chat/completions` body the way OpenAI does, and extracts in the same pass what the
 * deterministic reply needs: the last user text, images seen, trailing tool results and the prompt token count.
 */
import { countTokens } from '../core/index.ts';
import {
  aboveMaximum,
  belowMinimum,
  invalidRequest,
  invalidType,
  invalidValue,
  missingParameter,
  type OpenAIError,
} from './openai-errors.ts';

export interface ToolDefinition {
  readonly name: string;
  readonly parameters: unknown;
}

export type ToolChoice = 'none' | 'auto' | 'required' | { readonly name: string };

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | { readonly type: 'json_schema'; readonly name: string; readonly schema: unknown };

export interface ToolResult {
  readonly name: string;
  readonly content: string;
}

export interface ChatInput {
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly includeObfuscation: boolean;
  /** `max_completion_tokens` or `max_tokens`; Infinity when neither. Covers reasoning and visible tokens. */
  readonly maxTokens: number;
  /** Hidden reasoning tokens billed as output: reasoning models only, by `reasoning_effort`. */
  readonly reasoningTokens: number;
  readonly stop: readonly string[];
  readonly tools: readonly ToolDefinition[];
  readonly toolChoice: ToolChoice;
  readonly parallelToolCalls: boolean;
  readonly responseFormat: ResponseFormat;
  readonly serviceTier: string;
  /** Text of the last `user` message ('' when there is none). */
  readonly lastUserText: string;
  /** Results of the tool messages that end the conversation; empty unless the last message is a `tool` message. */
  readonly toolResults: readonly ToolResult[];
  /** `image_url` parts with a data URI, in all messages. */
  readonly imagesInline: number;
  /** `image_url` parts with an http(s) URL, in all messages. */
  readonly imagesRemote: number;
  readonly promptTokens: number;
}

const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'] as const;
const USER_PART_TYPES = ['text', 'image_url', 'input_audio', 'refusal', 'audio', 'file'] as const;
export const SERVICE_TIERS = ['auto', 'default', 'flex', 'scale', 'priority'] as const;
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_IMAGE = 85;
export const REPLY_PRIMING_TOKENS = 3;
export const MAX_TOOL_NAME = 64;
const MAX_TOKEN_PARAMS = ['max_tokens', 'max_completion_tokens'] as const;

/** Hidden reasoning tokens per `reasoning_effort` (default medium) for reasoning models. */
export const REASONING_TOKENS: Readonly<Record<string, number>> = { none: 0, minimal: 0, low: 16, medium: 64, high: 256 };

/** OpenAI's reasoning models: the o-series and the gpt-5 family (gpt-oss is served as a plain chat model). */
export function isReasoningModel(model: string): boolean {
  if (model.startsWith('gpt-5')) return true;
  const second = model.charCodeAt(1);
  return model.charCodeAt(0) === 111 /* o */ && second >= 48 && second <= 57;
}

interface Scan {
  promptTokens: number;
  imagesInline: number;
  imagesRemote: number;
  /** Message text of every message, for the json_object "must mention json" rule. */
  mentionsJson: boolean;
  needJsonMention: boolean;
}

/**
 * `model`, when given, is the model to serve whatever the body says (Azure's deployment-style URLs name a deployment
 * and its model; the body's `model` is then ignored and optional).
 */
export function readChatRequest(body: unknown, model?: string): ChatInput | OpenAIError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    if (body === undefined) return missingParameter(model === undefined ? 'model' : 'messages');
    return invalidType('body', 'an object', body);
  }
  const request = body as Record<string, unknown>;
  if (model === undefined) {
    const named = request.model;
    if (named === undefined || named === null) return missingParameter('model');
    if (typeof named !== 'string') return invalidType('model', 'a string', named);
    model = named;
  }
  const messages = request.messages;
  if (messages === undefined || messages === null) return missingParameter('messages');
  if (!Array.isArray(messages)) return invalidType('messages', 'an array', messages);
  if (messages.length === 0) {
    return invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }

  // Scalar parameters.
  const stream = request.stream ?? false;
  if (typeof stream !== 'boolean') return invalidType('stream', 'a boolean', stream);
  let includeUsage = false;
  let includeObfuscation = true;
  const streamOptions = request.stream_options;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!stream) {
      return invalidRequest(
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        'stream_options',
        'invalid_value',
      );
    }
    if (typeof streamOptions !== 'object' || Array.isArray(streamOptions)) {
      return invalidType('stream_options', 'an object', streamOptions);
    }
    const options = streamOptions as Record<string, unknown>;
    const usage = options.include_usage ?? false;
    if (typeof usage !== 'boolean') return invalidType('stream_options.include_usage', 'a boolean', usage);
    includeUsage = usage;
    const obfuscation = options.include_obfuscation ?? true;
    if (typeof obfuscation !== 'boolean') {
      return invalidType('stream_options.include_obfuscation', 'a boolean', obfuscation);
    }
    includeObfuscation = obfuscation;
  }
  const reasoning = isReasoningModel(model);
  let maxTokens = Number.POSITIVE_INFINITY;
  for (const param of MAX_TOKEN_PARAMS) {
    const value = request[param];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value)) return invalidType(param, 'an integer', value);
    if (reasoning && param === 'max_tokens') {
      return invalidRequest(
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        'max_tokens',
        'unsupported_parameter',
      );
    }
    if (value < 1) return belowMinimum(param, 1, value);
    maxTokens = Math.min(maxTokens, value);
  }
  const numberFailure =
    checkNumber(request, 'temperature', 0, 2) ??
    checkNumber(request, 'top_p', 0, 1) ??
    checkNumber(request, 'presence_penalty', -2, 2) ??
    checkNumber(request, 'frequency_penalty', -2, 2);
  if (numberFailure !== undefined) return numberFailure;
  if (reasoning && request.temperature !== undefined && request.temperature !== null && request.temperature !== 1) {
    return invalidRequest(
      `Unsupported value: 'temperature' does not support ${String(request.temperature)} with this model. Only the default (1) value is supported.`,
      'temperature',
      'unsupported_value',
    );
  }
  let reasoningTokens = 0;
  const effort = request.reasoning_effort;
  if (effort !== undefined && effort !== null) {
    if (!reasoning) {
      return invalidRequest(
        "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
        'reasoning_effort',
        'unsupported_parameter',
      );
    }
    if (typeof effort !== 'string' || !(effort in REASONING_TOKENS)) {
      return invalidValue('reasoning_effort', effort, Object.keys(REASONING_TOKENS));
    }
    reasoningTokens = REASONING_TOKENS[effort];
  } else if (reasoning) {
    reasoningTokens = REASONING_TOKENS.medium;
  }
  const n = request.n;
  if (n !== undefined && n !== null) {
    if (typeof n !== 'number' || !Number.isInteger(n)) return invalidType('n', 'an integer', n);
    if (n < 1) return belowMinimum('n', 1, n);
    if (n > 128) return aboveMaximum('n', 128, n);
    if (n !== 1) return invalidRequest("Invalid 'n': the OpenAI emulator only supports n = 1.", 'n', 'unsupported_value');
  }
  const stop = readStop(request.stop);
  if (!Array.isArray(stop)) return stop;
  let serviceTier = 'default';
  const tier = request.service_tier;
  if (tier !== undefined && tier !== null) {
    if (typeof tier !== 'string') return invalidType('service_tier', 'a string', tier);
    if (!(SERVICE_TIERS as readonly string[]).includes(tier)) return invalidValue('service_tier', tier, SERVICE_TIERS);
    if (tier === 'flex' || tier === 'priority' || tier === 'scale') serviceTier = tier;
  }

  // Tools.
  const tools: ToolDefinition[] = [];
  const rawTools = request.tools;
  if (rawTools !== undefined && rawTools !== null) {
    if (!Array.isArray(rawTools)) return invalidType('tools', 'an array', rawTools);
    for (let index = 0; index < rawTools.length; index++) {
      const tool = readTool(rawTools[index], index);
      if ('status' in tool) return tool;
      tools.push(tool);
    }
  }
  const toolChoice = readToolChoice(request.tool_choice, tools);
  if (typeof toolChoice === 'object' && 'status' in toolChoice) return toolChoice;
  let parallelToolCalls = true;
  const parallel = request.parallel_tool_calls;
  if (parallel !== undefined && parallel !== null) {
    if (typeof parallel !== 'boolean') return invalidType('parallel_tool_calls', 'a boolean', parallel);
    if (tools.length === 0) {
      return invalidRequest(
        "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
        'parallel_tool_calls',
      );
    }
    parallelToolCalls = parallel;
  }
  const responseFormat = readResponseFormat(request.response_format);
  if ('status' in responseFormat) return responseFormat;

  // Messages.
  const scan: Scan = {
    promptTokens: REPLY_PRIMING_TOKENS,
    imagesInline: 0,
    imagesRemote: 0,
    mentionsJson: false,
    needJsonMention: responseFormat.type === 'json_object',
  };
  let lastUserText = '';
  let pendingCalls: Map<string, string> | undefined;
  let pendingFrom = -1;
  let lastCallNames: Map<string, string> | undefined;
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    const where = `messages[${index}]`;
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return invalidType(where, 'an object', message);
    }
    const entry = message as Record<string, unknown>;
    const role = entry.role;
    if (role === undefined || role === null) return missingParameter(`${where}.role`);
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      return invalidValue(`${where}.role`, role, ROLES);
    }
    if (role === 'tool') {
      if (pendingCalls === undefined) {
        return invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${index}].role`,
        );
      }
      const callId = entry.tool_call_id;
      if (callId === undefined || callId === null) return missingParameter(`${where}.tool_call_id`);
      if (typeof callId !== 'string') return invalidType(`${where}.tool_call_id`, 'a string', callId);
      pendingCalls.delete(callId);
    } else if (pendingCalls !== undefined) {
      if (pendingCalls.size > 0) return unansweredCalls(pendingFrom, pendingCalls);
      pendingCalls = undefined;
    }
    scan.promptTokens += TOKENS_PER_MESSAGE;
    if (typeof entry.name === 'string') scan.promptTokens += 1;
    let hasToolCalls = false;
    if (role === 'assistant' && entry.tool_calls !== undefined && entry.tool_calls !== null) {
      const calls = readAssistantToolCalls(entry.tool_calls, where, scan);
      if (!(calls instanceof Map)) return calls;
      hasToolCalls = calls.size > 0;
      if (hasToolCalls) {
        pendingCalls = calls;
        lastCallNames = new Map(calls);
        pendingFrom = index;
      }
    }
    const content = entry.content;
    if (content === undefined || content === null) {
      const optional = role === 'assistant' && (hasToolCalls || entry.function_call !== undefined);
      if (!optional) return missingParameter(`${where}.content`);
      continue;
    }
    const text = readContent(content, role, where, scan);
    if (typeof text !== 'string') return text;
    if (role === 'user') lastUserText = text;
  }
  if (pendingCalls !== undefined && pendingCalls.size > 0) return unansweredCalls(pendingFrom, pendingCalls);
  if (scan.needJsonMention && !scan.mentionsJson) {
    return invalidRequest(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      'messages',
    );
  }

  // Trailing tool results (the conversation ends with tool messages).
  const toolResults: ToolResult[] = [];
  for (let index = messages.length - 1; index >= 0; index--) {
    const entry = messages[index] as Record<string, unknown>;
    if (entry.role !== 'tool') break;
    const callId = entry.tool_call_id as string;
    toolResults.unshift({
      name: lastCallNames?.get(callId) ?? callId,
      content: contentText(entry.content),
    });
  }

  if (tools.length > 0) scan.promptTokens += countTokens(JSON.stringify(rawTools));
  if (responseFormat.type === 'json_schema') scan.promptTokens += countTokens(JSON.stringify(request.response_format));

  return {
    model,
    stream,
    includeUsage,
    includeObfuscation,
    maxTokens,
    reasoningTokens,
    stop,
    tools,
    toolChoice,
    parallelToolCalls,
    responseFormat,
    serviceTier,
    lastUserText,
    toolResults,
    imagesInline: scan.imagesInline,
    imagesRemote: scan.imagesRemote,
    promptTokens: scan.promptTokens,
  };
}

function unansweredCalls(index: number, pending: Map<string, string>): OpenAIError {
  return invalidRequest(
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
      `The following tool_call_ids did not have response messages: ${[...pending.keys()].join(', ')}`,
    `messages.[${index}].role`,
  );
}

export function checkNumber(request: Record<string, unknown>, param: string, minimum: number, maximum: number): OpenAIError | undefined {
  const value = request[param];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return invalidType(param, 'a number', value);
  if (value < minimum) return belowMinimum(param, minimum, value, 'decimal');
  if (value > maximum) return aboveMaximum(param, maximum, value, 'decimal');
  return undefined;
}

function readStop(value: unknown): string[] | OpenAIError {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return invalidType('stop', 'a string or an array of strings', value);
  if (value.length > 4) {
    return invalidRequest(
      `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${value.length} instead.`,
      'stop',
      'array_above_max_length',
    );
  }
  const stops: string[] = [];
  for (let index = 0; index < value.length; index++) {
    const entry = value[index];
    if (typeof entry !== 'string') return invalidType(`stop[${index}]`, 'a string', entry);
    if (entry !== '') stops.push(entry);
  }
  return stops;
}

export function isToolName(name: string): boolean {
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    const ok =
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 45;
    if (!ok) return false;
  }
  return name.length > 0;
}

function readTool(value: unknown, index: number): ToolDefinition | OpenAIError {
  const where = `tools[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalidType(where, 'an object', value);
  const tool = value as Record<string, unknown>;
  if (tool.type === undefined || tool.type === null) return missingParameter(`${where}.type`);
  if (tool.type !== 'function') return invalidValue(`${where}.type`, tool.type, ['function']);
  const definition = tool.function;
  if (definition === undefined || definition === null) return missingParameter(`${where}.function`);
  if (typeof definition !== 'object' || Array.isArray(definition)) {
    return invalidType(`${where}.function`, 'an object', definition);
  }
  const fields = definition as Record<string, unknown>;
  const name = fields.name;
  if (name === undefined || name === null) return missingParameter(`${where}.function.name`);
  if (typeof name !== 'string') return invalidType(`${where}.function.name`, 'a string', name);
  if (name.length > MAX_TOOL_NAME) {
    return invalidRequest(
      `Invalid '${where}.function.name': string too long. Expected a string with maximum length ${MAX_TOOL_NAME}, but got a string with length ${name.length} instead.`,
      `${where}.function.name`,
      'string_above_max_length',
    );
  }
  if (!isToolName(name)) {
    return invalidRequest(
      `Invalid '${where}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
      `${where}.function.name`,
      'invalid_value',
    );
  }
  const parameters = fields.parameters;
  if (parameters !== undefined && parameters !== null && (typeof parameters !== 'object' || Array.isArray(parameters))) {
    return invalidType(`${where}.function.parameters`, 'an object', parameters);
  }
  if (fields.description !== undefined && fields.description !== null && typeof fields.description !== 'string') {
    return invalidType(`${where}.function.description`, 'a string', fields.description);
  }
  return { name, parameters: parameters ?? undefined };
}

function readToolChoice(value: unknown, tools: readonly ToolDefinition[]): ToolChoice | OpenAIError {
  if (value === undefined || value === null) return 'auto';
  if (tools.length === 0) {
    return invalidRequest(
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
    );
  }
  if (typeof value === 'string') {
    if (value === 'none' || value === 'auto' || value === 'required') return value;
    return invalidValue('tool_choice', value, ['none', 'auto', 'required']);
  }
  if (typeof value !== 'object' || Array.isArray(value)) return invalidType('tool_choice', 'a string or an object', value);
  const choice = value as Record<string, unknown>;
  if (choice.type !== 'function') return invalidValue('tool_choice.type', choice.type, ['function']);
  const definition = choice.function;
  if (typeof definition !== 'object' || definition === null) return missingParameter('tool_choice.function');
  const name = (definition as Record<string, unknown>).name;
  if (name === undefined || name === null) return missingParameter('tool_choice.function.name');
  if (typeof name !== 'string') return invalidType('tool_choice.function.name', 'a string', name);
  if (!tools.some((tool) => tool.name === name)) {
    return invalidRequest(`Tool choice '${name}' not found in 'tools' parameter.`, 'tool_choice');
  }
  return { name };
}

function readResponseFormat(value: unknown): ResponseFormat | OpenAIError {
  if (value === undefined || value === null) return { type: 'text' };
  if (typeof value !== 'object' || Array.isArray(value)) return invalidType('response_format', 'an object', value);
  const format = value as Record<string, unknown>;
  if (format.type === undefined || format.type === null) return missingParameter('response_format.type');
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type !== 'json_schema') {
    return invalidValue('response_format.type', format.type, ['text', 'json_object', 'json_schema']);
  }
  const jsonSchema = format.json_schema;
  if (jsonSchema === undefined || jsonSchema === null) return missingParameter('response_format.json_schema');
  if (typeof jsonSchema !== 'object' || Array.isArray(jsonSchema)) {
    return invalidType('response_format.json_schema', 'an object', jsonSchema);
  }
  const definition = jsonSchema as Record<string, unknown>;
  const name = definition.name;
  if (name === undefined || name === null) return missingParameter('response_format.json_schema.name');
  if (typeof name !== 'string') return invalidType('response_format.json_schema.name', 'a string', name);
  const schema = definition.schema;
  if (schema !== undefined && schema !== null && (typeof schema !== 'object' || Array.isArray(schema))) {
    return invalidType('response_format.json_schema.schema', 'an object', schema);
  }
  return { type: 'json_schema', name, schema: schema ?? { type: 'object', properties: {} } };
}

function readAssistantToolCalls(value: unknown, where: string, scan: Scan): Map<string, string> | OpenAIError {
  if (!Array.isArray(value)) return invalidType(`${where}.tool_calls`, 'an array', value);
  const calls = new Map<string, string>();
  for (let index = 0; index < value.length; index++) {
    const place = `${where}.tool_calls[${index}]`;
    const call = value[index];
    if (typeof call !== 'object' || call === null || Array.isArray(call)) return invalidType(place, 'an object', call);
    const fields = call as Record<string, unknown>;
    if (typeof fields.id !== 'string') {
      return fields.id === undefined ? missingParameter(`${place}.id`) : invalidType(`${place}.id`, 'a string', fields.id);
    }
    if (fields.type !== undefined && fields.type !== 'function') return invalidValue(`${place}.type`, fields.type, ['function']);
    const definition = fields.function;
    if (typeof definition !== 'object' || definition === null) return missingParameter(`${place}.function`);
    const { name, arguments: argumentsText } = definition as Record<string, unknown>;
    if (typeof name !== 'string') {
      return name === undefined ? missingParameter(`${place}.function.name`) : invalidType(`${place}.function.name`, 'a string', name);
    }
    if (typeof argumentsText !== 'string') {
      return argumentsText === undefined
        ? missingParameter(`${place}.function.arguments`)
        : invalidType(`${place}.function.arguments`, 'a string', argumentsText);
    }
    scan.promptTokens += countTokens(name) + countTokens(argumentsText);
    calls.set(fields.id, name);
  }
  return calls;
}

/** Reads a message's content; returns its text (parts joined by a space) or an error. */
function readContent(content: unknown, role: string, where: string, scan: Scan): string | OpenAIError {
  if (typeof content === 'string') {
    scan.promptTokens += countTokens(content);
    if (scan.needJsonMention && !scan.mentionsJson) scan.mentionsJson = content.toLowerCase().includes('json');
    return content;
  }
  if (!Array.isArray(content)) return invalidType(`${where}.content`, 'a string or an array', content);
  let text = '';
  for (let index = 0; index < content.length; index++) {
    const place = `${where}.content[${index}]`;
    const part = content[index];
    if (typeof part !== 'object' || part === null || Array.isArray(part)) return invalidType(place, 'an object', part);
    const fields = part as Record<string, unknown>;
    const type = fields.type;
    if (type === undefined || type === null) return missingParameter(`${place}.type`);
    if (typeof type !== 'string' || !(USER_PART_TYPES as readonly string[]).includes(type)) {
      return invalidValue(`${place}.type`, type, USER_PART_TYPES);
    }
    if (type === 'text' || type === 'refusal') {
      const value = type === 'text' ? fields.text : fields.refusal;
      if (value === undefined || value === null) return missingParameter(`${place}.${type}`);
      if (typeof value !== 'string') return invalidType(`${place}.${type}`, 'a string', value);
      scan.promptTokens += countTokens(value);
      if (scan.needJsonMention && !scan.mentionsJson) scan.mentionsJson = value.toLowerCase().includes('json');
      text = text === '' ? value : text + ' ' + value;
      continue;
    }
    if (type === 'image_url') {
      if (role !== 'user') {
        return invalidRequest(
          `Image URLs are only allowed for messages with role 'user', but this message with role '${role}' contains an image URL.`,
          `messages.[${where.slice(9, -1)}].content.[${index}].type`,
        );
      }
      const image = fields.image_url;
      if (image === undefined || image === null) return missingParameter(`${place}.image_url`);
      if (typeof image !== 'object' || Array.isArray(image)) return invalidType(`${place}.image_url`, 'an object', image);
      const url = (image as Record<string, unknown>).url;
      if (url === undefined || url === null) return missingParameter(`${place}.image_url.url`);
      if (typeof url !== 'string') return invalidType(`${place}.image_url.url`, 'a string', url);
      const failure = checkImageUrl(url, `${place}.image_url.url`);
      if (failure !== undefined) return failure;
      if (url.startsWith('data:')) scan.imagesInline++;
      else scan.imagesRemote++;
      scan.promptTokens += TOKENS_PER_IMAGE;
      continue;
    }
    if (role !== 'user') return invalidValue(`${place}.type`, type, ['text']);
    // input_audio, file, audio: accepted, not interpreted.
  }
  return text;
}

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/jpg', 'image/gif', 'image/webp'];

export function checkImageUrl(url: string, param: string): OpenAIError | undefined {
  if (url.startsWith('https://') || url.startsWith('http://')) return undefined;
  if (url.startsWith('data:')) {
    const semicolon = url.indexOf(';');
    const comma = url.indexOf(',');
    const mime = url.slice(5, semicolon < 0 ? (comma < 0 ? url.length : comma) : semicolon).toLowerCase();
    if (!IMAGE_TYPES.includes(mime)) {
      return invalidRequest(
        `Invalid '${param}'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got unsupported MIME type '${mime}'.`,
        param,
        'invalid_value',
      );
    }
    if (semicolon < 0 || comma < 0 || url.slice(semicolon, comma) !== ';base64' || comma === url.length - 1) {
      return invalidRequest(
        `Invalid '${param}'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value without base64 data.`,
        param,
        'invalid_value',
      );
    }
    return undefined;
  }
  return invalidRequest(
    `Invalid '${param}'. Expected a valid URL, but got a value with an invalid format.`,
    param,
    'invalid_value',
  );
}

/** The text of already-validated content. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    const value = (part as Record<string, unknown>).text;
    if (typeof value === 'string') text = text === '' ? value : text + ' ' + value;
  }
  return text;
}
