/**
 * Validates a `POST /v1/responses` body the way OpenAI does and, in the same pass, turns it into the `ChatInput` the
 * chat reply generator reads (so a prompt gets the same reply on both APIs), plus what the Response object echoes.
 * A `previous_response_id` carries on from a stored response's `Conversation`.
 */
import { countTokens } from '../core/index.ts';
import {
  MAX_TOOL_NAME,
  REASONING_TOKENS,
  REPLY_PRIMING_TOKENS,
  SERVICE_TIERS,
  TOKENS_PER_IMAGE,
  TOKENS_PER_MESSAGE,
  checkImageUrl,
  checkNumber,
  isReasoningModel,
  isToolName,
  type ChatInput,
  type ResponseFormat,
  type ToolChoice,
  type ToolDefinition,
  type ToolResult,
} from './chat-request.ts';
import {
  belowMinimum,
  invalidRequest,
  invalidType,
  invalidValue,
  isOpenAIError,
  missingParameter,
  previousResponseNotFound,
  type OpenAIError,
} from './openai-errors.ts';

/** What a stored response hands on to the one that continues it (`previous_response_id`). */
export interface Conversation {
  /** Text of the last user message so far. */
  readonly lastUserText: string;
  /** call_id → function name, for every function call so far. */
  readonly callNames: ReadonlyMap<string, string>;
  /** The function calls the response made: the next input must answer each. */
  readonly pendingCalls: readonly string[];
  /** What the next response reads as input besides its own: this one's input and visible output tokens. */
  readonly tokens: number;
  readonly imagesInline: number;
  readonly imagesRemote: number;
}

export interface ResponsesInput {
  /** The request as the chat reply generator reads it. */
  readonly chat: ChatInput;
  readonly store: boolean;
  readonly previousResponseId: string | null;
  readonly instructions: string | null;
  readonly maxOutputTokens: number | null;
  readonly temperature: number;
  readonly topP: number;
  /** Null on models that do not reason. */
  readonly reasoningEffort: string | null;
  readonly reasoningSummary: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** `tools`, `tool_choice` and `text.format` as the Response object echoes them. */
  readonly toolsEcho: readonly object[];
  readonly toolChoiceEcho: unknown;
  readonly formatEcho: object;
  readonly verbosity: string;
  readonly truncation: string;
  readonly user: string | null;
  readonly safetyIdentifier: string | null;
  readonly promptCacheKey: string | null;
  /** call_id → function name for every function call up to this input (the reply's calls are added when stored). */
  readonly callNames: Map<string, string>;
}

/** The stored conversation a `previous_response_id` names; undefined when there is none. */
export type ConversationLookup = (id: string) => Conversation | undefined;

const ITEM_TYPES = ['message', 'function_call', 'function_call_output', 'reasoning', 'item_reference'] as const;
const MESSAGE_ROLES = ['user', 'assistant', 'system', 'developer'] as const;
const INPUT_PART_TYPES = ['input_text', 'input_image', 'input_file'] as const;
const OUTPUT_PART_TYPES = ['output_text', 'refusal'] as const;
const IMAGE_DETAILS = ['low', 'high', 'auto'] as const;
const FORMAT_TYPES = ['text', 'json_schema', 'json_object'] as const;
const VERBOSITIES = ['low', 'medium', 'high'] as const;
const SUMMARIES = ['auto', 'concise', 'detailed'] as const;
const TRUNCATIONS = ['auto', 'disabled'] as const;
/** OpenAI's floor for `max_output_tokens`. */
export const MIN_OUTPUT_TOKENS = 16;
/** OpenAI's metadata limits: pairs, key length, value length. */
export const METADATA_MAX_PAIRS = 16;
export const METADATA_MAX_KEY = 64;
export const METADATA_MAX_VALUE = 512;
const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});
const TEXT_FORMAT: object = Object.freeze({ type: 'text' });

interface Scan {
  tokens: number;
  imagesInline: number;
  imagesRemote: number;
  /** Whether some message (or the instructions) says "json", for `json_object`. */
  mentionsJson: boolean;
}

/**
 * `model`, when given, is the model to serve whatever the body says (Azure's v1 API names a deployment in `model`).
 * `previous` finds the conversation a `previous_response_id` continues.
 */
export function readResponsesRequest(body: unknown, previous: ConversationLookup, model?: string): ResponsesInput | OpenAIError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    if (body === undefined) return missingParameter('model');
    return invalidType('body', 'an object', body);
  }
  const request = body as Record<string, unknown>;
  const named = request.model;
  if (named === undefined || named === null) return missingParameter('model');
  if (typeof named !== 'string') return invalidType('model', 'a string', named);
  model ??= named;

  // Scalar parameters.
  const stream = request.stream ?? false;
  if (typeof stream !== 'boolean') return invalidType('stream', 'a boolean', stream);
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
    if (typeof streamOptions !== 'object' || Array.isArray(streamOptions)) return invalidType('stream_options', 'an object', streamOptions);
    const obfuscation = (streamOptions as Record<string, unknown>).include_obfuscation ?? true;
    if (typeof obfuscation !== 'boolean') return invalidType('stream_options.include_obfuscation', 'a boolean', obfuscation);
    includeObfuscation = obfuscation;
  }
  const store = request.store ?? true;
  if (typeof store !== 'boolean') return invalidType('store', 'a boolean', store);
  if (request.background === true) {
    return invalidRequest("Invalid 'background': the OpenAI emulator does not run responses in the background.", 'background', 'unsupported_value');
  }
  if (request.conversation !== undefined && request.conversation !== null) {
    return invalidRequest(
      "Invalid 'conversation': the OpenAI emulator has no Conversations API; use 'previous_response_id'.",
      'conversation',
      'unsupported_value',
    );
  }
  const reasoning = isReasoningModel(model);
  let maxOutputTokens: number | null = null;
  const maxOutput = request.max_output_tokens;
  if (maxOutput !== undefined && maxOutput !== null) {
    if (typeof maxOutput !== 'number' || !Number.isInteger(maxOutput)) return invalidType('max_output_tokens', 'an integer', maxOutput);
    if (maxOutput < MIN_OUTPUT_TOKENS) return belowMinimum('max_output_tokens', MIN_OUTPUT_TOKENS, maxOutput);
    maxOutputTokens = maxOutput;
  }
  const numberFailure = checkNumber(request, 'temperature', 0, 2) ?? checkNumber(request, 'top_p', 0, 1);
  if (numberFailure !== undefined) return numberFailure;
  const temperature = (request.temperature ?? 1) as number;
  const topP = (request.top_p ?? 1) as number;
  if (reasoning && temperature !== 1) {
    return invalidRequest(
      `Unsupported value: 'temperature' does not support ${String(temperature)} with this model. Only the default (1) value is supported.`,
      'temperature',
      'unsupported_value',
    );
  }
  let reasoningEffort: string | null = reasoning ? 'medium' : null;
  let reasoningSummary: string | null = null;
  const reasoningParameter = request.reasoning;
  if (reasoningParameter !== undefined && reasoningParameter !== null) {
    if (typeof reasoningParameter !== 'object' || Array.isArray(reasoningParameter)) {
      return invalidType('reasoning', 'an object', reasoningParameter);
    }
    const { effort, summary } = reasoningParameter as Record<string, unknown>;
    if (effort !== undefined && effort !== null) {
      if (!reasoning) {
        return invalidRequest(
          "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
          'reasoning.effort',
          'unsupported_parameter',
        );
      }
      if (typeof effort !== 'string' || !(effort in REASONING_TOKENS)) {
        return invalidValue('reasoning.effort', effort, Object.keys(REASONING_TOKENS));
      }
      reasoningEffort = effort;
    }
    if (summary !== undefined && summary !== null) {
      if (typeof summary !== 'string' || !(SUMMARIES as readonly string[]).includes(summary)) {
        return invalidValue('reasoning.summary', summary, SUMMARIES);
      }
      reasoningSummary = summary;
    }
  }
  let serviceTier = 'default';
  const tier = request.service_tier;
  if (tier !== undefined && tier !== null) {
    if (typeof tier !== 'string') return invalidType('service_tier', 'a string', tier);
    if (!(SERVICE_TIERS as readonly string[]).includes(tier)) return invalidValue('service_tier', tier, SERVICE_TIERS);
    if (tier === 'flex' || tier === 'priority' || tier === 'scale') serviceTier = tier;
  }
  let truncation = 'disabled';
  const truncationParameter = request.truncation;
  if (truncationParameter !== undefined && truncationParameter !== null) {
    if (typeof truncationParameter !== 'string' || !(TRUNCATIONS as readonly string[]).includes(truncationParameter)) {
      return invalidValue('truncation', truncationParameter, TRUNCATIONS);
    }
    truncation = truncationParameter;
  }
  const user = optionalString(request, 'user');
  if (typeof user === 'object' && user !== null) return user;
  const safetyIdentifier = optionalString(request, 'safety_identifier');
  if (typeof safetyIdentifier === 'object' && safetyIdentifier !== null) return safetyIdentifier;
  const promptCacheKey = optionalString(request, 'prompt_cache_key');
  if (typeof promptCacheKey === 'object' && promptCacheKey !== null) return promptCacheKey;
  const instructions = optionalString(request, 'instructions');
  if (typeof instructions === 'object' && instructions !== null) return instructions;
  const metadata = readMetadata(request.metadata);
  if (isOpenAIError(metadata)) return metadata;

  // Tools and output format.
  const tools: ToolDefinition[] = [];
  const toolsEcho: object[] = [];
  const rawTools = request.tools;
  if (rawTools !== undefined && rawTools !== null) {
    if (!Array.isArray(rawTools)) return invalidType('tools', 'an array', rawTools);
    for (let index = 0; index < rawTools.length; index++) {
      const raw = rawTools[index] as { type?: unknown } | null;
      // OpenAI's hosted tools are accepted and echoed; the emulator runs no search, file lookup or code.
      if (typeof raw === 'object' && raw !== null && typeof raw.type === 'string' && (HOSTED_TOOLS as readonly string[]).includes(raw.type)) {
        toolsEcho.push(raw);
        continue;
      }
      const tool = readTool(raw, index);
      if ('status' in tool) return tool;
      tools.push({ name: tool.name, parameters: tool.parameters ?? undefined });
      toolsEcho.push(tool);
    }
  }
  const toolChoice = readToolChoice(request.tool_choice, tools);
  if (typeof toolChoice === 'object' && 'status' in toolChoice) return toolChoice;
  const parallel = request.parallel_tool_calls ?? true;
  if (typeof parallel !== 'boolean') return invalidType('parallel_tool_calls', 'a boolean', parallel);
  const text = readText(request.text);
  if ('status' in text) return text;

  // Input, after the conversation it continues.
  const scan: Scan = { tokens: REPLY_PRIMING_TOKENS, imagesInline: 0, imagesRemote: 0, mentionsJson: false };
  let callNames: Map<string, string>;
  let pending: Set<string> | undefined;
  let lastUserText = '';
  let previousResponseId: string | null = null;
  const previousId = request.previous_response_id;
  if (previousId !== undefined && previousId !== null) {
    if (typeof previousId !== 'string') return invalidType('previous_response_id', 'a string', previousId);
    const conversation = previous(previousId);
    if (conversation === undefined) return previousResponseNotFound(previousId);
    previousResponseId = previousId;
    callNames = new Map(conversation.callNames);
    if (conversation.pendingCalls.length > 0) pending = new Set(conversation.pendingCalls);
    lastUserText = conversation.lastUserText;
    scan.tokens += conversation.tokens;
    scan.imagesInline = conversation.imagesInline;
    scan.imagesRemote = conversation.imagesRemote;
  } else {
    callNames = new Map();
  }
  if (instructions !== null) {
    scan.tokens += TOKENS_PER_MESSAGE + countTokens(instructions);
    scan.mentionsJson = instructions.toLowerCase().includes('json');
  }
  const toolResults: ToolResult[] = [];
  const input = request.input;
  if (input === undefined || input === null) {
    if (previousResponseId === null) return missingParameter('input');
  } else if (typeof input === 'string') {
    scan.tokens += TOKENS_PER_MESSAGE + countTokens(input);
    if (!scan.mentionsJson) scan.mentionsJson = input.toLowerCase().includes('json');
    lastUserText = input;
  } else if (!Array.isArray(input)) {
    return invalidType('input', 'a string or an array', input);
  } else if (input.length === 0) {
    return invalidRequest(
      "Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'input',
      'empty_array',
    );
  } else {
    for (let index = 0; index < input.length; index++) {
      const where = `input[${index}]`;
      const item = input[index];
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return invalidType(where, 'an object', item);
      const fields = item as Record<string, unknown>;
      const type = fields.type ?? 'message';
      if (typeof type !== 'string' || !(ITEM_TYPES as readonly string[]).includes(type)) return invalidValue(`${where}.type`, type, ITEM_TYPES);
      if (type === 'message') {
        const role = fields.role;
        if (role === undefined || role === null) return missingParameter(`${where}.role`);
        if (typeof role !== 'string' || !(MESSAGE_ROLES as readonly string[]).includes(role)) {
          return invalidValue(`${where}.role`, role, MESSAGE_ROLES);
        }
        const content = fields.content;
        if (content === undefined || content === null) return missingParameter(`${where}.content`);
        const messageText = readContent(content, role === 'assistant' ? OUTPUT_PART_TYPES : INPUT_PART_TYPES, `${where}.content`, scan);
        if (typeof messageText !== 'string') return messageText;
        scan.tokens += TOKENS_PER_MESSAGE;
        if (role === 'user') lastUserText = messageText;
        continue;
      }
      if (type === 'function_call') {
        const callId = requiredString(fields, 'call_id', where);
        if (typeof callId !== 'string') return callId;
        const name = requiredString(fields, 'name', where);
        if (typeof name !== 'string') return name;
        const argumentsText = requiredString(fields, 'arguments', where);
        if (typeof argumentsText !== 'string') return argumentsText;
        callNames.set(callId, name);
        (pending ??= new Set()).add(callId);
        scan.tokens += TOKENS_PER_MESSAGE + countTokens(name) + countTokens(argumentsText);
        continue;
      }
      if (type === 'function_call_output') {
        const callId = requiredString(fields, 'call_id', where);
        if (typeof callId !== 'string') return callId;
        const output = fields.output;
        if (output === undefined || output === null) return missingParameter(`${where}.output`);
        const outputText = typeof output === 'string' ? output : readContent(output, INPUT_PART_TYPES, `${where}.output`, scan);
        if (typeof outputText !== 'string') return outputText;
        if (!callNames.has(callId)) {
          return invalidRequest(`No tool call found for function call output with call_id ${callId}.`, 'input');
        }
        pending?.delete(callId);
        scan.tokens += TOKENS_PER_MESSAGE + (typeof output === 'string' ? countTokens(output) : 0);
        continue;
      }
      if (type === 'item_reference') {
        const id = requiredString(fields, 'id', where);
        if (typeof id !== 'string') return id;
      }
      // reasoning and item_reference items: accepted, not interpreted.
    }
    // Trailing function call outputs: the reply reports them.
    for (let index = input.length - 1; index >= 0; index--) {
      const fields = input[index] as Record<string, unknown>;
      if (fields.type !== 'function_call_output') break;
      const callId = fields.call_id as string;
      const output = fields.output;
      toolResults.unshift({ name: callNames.get(callId) ?? callId, content: typeof output === 'string' ? output : partsText(output) });
    }
  }
  if (pending !== undefined && pending.size > 0) return noToolOutput(pending);
  const format = text.format;
  if (format.type === 'json_object' && !scan.mentionsJson) {
    return invalidRequest(
      "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.",
      'input',
    );
  }
  if (tools.length > 0) scan.tokens += countTokens(JSON.stringify(rawTools));
  if (format.type === 'json_schema') scan.tokens += countTokens(JSON.stringify(text.echo));

  const chat: ChatInput = {
    model,
    stream,
    includeUsage: true,
    includeObfuscation,
    maxTokens: maxOutputTokens ?? Number.POSITIVE_INFINITY,
    reasoningTokens: reasoningEffort === null ? 0 : REASONING_TOKENS[reasoningEffort],
    stop: [],
    tools,
    toolChoice,
    parallelToolCalls: parallel,
    responseFormat: format,
    serviceTier,
    lastUserText,
    toolResults,
    imagesInline: scan.imagesInline,
    imagesRemote: scan.imagesRemote,
    promptTokens: scan.tokens,
  };
  return {
    chat,
    store,
    previousResponseId,
    instructions,
    maxOutputTokens,
    temperature,
    topP,
    reasoningEffort,
    reasoningSummary,
    metadata,
    toolsEcho,
    toolChoiceEcho: request.tool_choice ?? 'auto',
    formatEcho: text.echo,
    verbosity: text.verbosity,
    truncation,
    user,
    safetyIdentifier,
    promptCacheKey,
    callNames,
  };
}

function noToolOutput(pending: Set<string>): OpenAIError {
  const [first] = pending;
  return invalidRequest(`No tool output found for function call ${first}.`, 'input');
}

/** A string parameter that may be absent or null; an error when it is something else. */
function optionalString(request: Record<string, unknown>, param: string): string | null | OpenAIError {
  const value = request[param];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return invalidType(param, 'a string', value);
  return value;
}

function requiredString(fields: Record<string, unknown>, name: string, where: string): string | OpenAIError {
  const value = fields[name];
  if (value === undefined || value === null) return missingParameter(`${where}.${name}`);
  if (typeof value !== 'string') return invalidType(`${where}.${name}`, 'a string', value);
  return value;
}

function readMetadata(value: unknown): Readonly<Record<string, string>> | OpenAIError {
  if (value === undefined || value === null) return NO_METADATA;
  if (typeof value !== 'object' || Array.isArray(value)) return invalidType('metadata', 'an object', value);
  const entries = Object.entries(value);
  if (entries.length > METADATA_MAX_PAIRS) {
    return invalidRequest(
      `Invalid 'metadata': too many properties. Expected an object with at most ${METADATA_MAX_PAIRS} properties, but got an object with ${entries.length} properties instead.`,
      'metadata',
      'object_above_max_properties',
    );
  }
  for (const [key, entry] of entries) {
    if (key.length > METADATA_MAX_KEY) {
      return invalidRequest(
        `Invalid 'metadata': key too long. Expected a key with maximum length ${METADATA_MAX_KEY}, but got a key with length ${key.length} instead.`,
        'metadata',
        'string_above_max_length',
      );
    }
    if (typeof entry !== 'string') return invalidType(`metadata.${key}`, 'a string', entry);
    if (entry.length > METADATA_MAX_VALUE) {
      return invalidRequest(
        `Invalid 'metadata.${key}': string too long. Expected a string with maximum length ${METADATA_MAX_VALUE}, but got a string with length ${entry.length} instead.`,
        `metadata.${key}`,
        'string_above_max_length',
      );
    }
  }
  return value as Record<string, string>;
}

/** OpenAI's hosted tool types (the Responses API runs them itself). */
const HOSTED_TOOLS = ['web_search', 'web_search_preview', 'file_search', 'code_interpreter', 'image_generation'] as const;

interface FunctionTool {
  readonly type: 'function';
  readonly description: string | null;
  readonly name: string;
  readonly parameters: object | null;
  readonly strict: boolean;
}

/** A function tool, as the Response object echoes it (`strict` defaults to true on this API). */
function readTool(value: unknown, index: number): FunctionTool | OpenAIError {
  const where = `tools[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalidType(where, 'an object', value);
  const tool = value as Record<string, unknown>;
  if (tool.type === undefined || tool.type === null) return missingParameter(`${where}.type`);
  if (tool.type !== 'function') return invalidValue(`${where}.type`, tool.type, ['function', ...HOSTED_TOOLS]);
  const name = requiredString(tool, 'name', where);
  if (typeof name !== 'string') return name;
  if (name.length > MAX_TOOL_NAME) {
    return invalidRequest(
      `Invalid '${where}.name': string too long. Expected a string with maximum length ${MAX_TOOL_NAME}, but got a string with length ${name.length} instead.`,
      `${where}.name`,
      'string_above_max_length',
    );
  }
  if (!isToolName(name)) {
    return invalidRequest(
      `Invalid '${where}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
      `${where}.name`,
      'invalid_value',
    );
  }
  const parameters = tool.parameters;
  if (parameters !== undefined && parameters !== null && (typeof parameters !== 'object' || Array.isArray(parameters))) {
    return invalidType(`${where}.parameters`, 'an object', parameters);
  }
  const description = tool.description;
  if (description !== undefined && description !== null && typeof description !== 'string') {
    return invalidType(`${where}.description`, 'a string', description);
  }
  const strict = tool.strict;
  if (strict !== undefined && strict !== null && typeof strict !== 'boolean') return invalidType(`${where}.strict`, 'a boolean', strict);
  return {
    type: 'function',
    description: description ?? null,
    name,
    parameters: (parameters as object | null | undefined) ?? null,
    strict: strict ?? true,
  };
}

function readToolChoice(value: unknown, tools: readonly ToolDefinition[]): ToolChoice | OpenAIError {
  if (value === undefined || value === null) return 'auto';
  if (typeof value === 'string') {
    if (value === 'none' || value === 'auto' || value === 'required') return value;
    return invalidValue('tool_choice', value, ['none', 'auto', 'required']);
  }
  if (typeof value !== 'object' || Array.isArray(value)) return invalidType('tool_choice', 'a string or an object', value);
  const choice = value as Record<string, unknown>;
  if (choice.type !== 'function') return invalidValue('tool_choice.type', choice.type, ['function']);
  const name = choice.name;
  if (name === undefined || name === null) return missingParameter('tool_choice.name');
  if (typeof name !== 'string') return invalidType('tool_choice.name', 'a string', name);
  if (!tools.some((tool) => tool.name === name)) {
    return invalidRequest(`Tool choice '${name}' not found in 'tools' parameter.`, 'tool_choice');
  }
  return { name };
}

interface TextParameter {
  readonly format: ResponseFormat;
  readonly echo: object;
  readonly verbosity: string;
}

function readText(value: unknown): TextParameter | OpenAIError {
  if (value === undefined || value === null) return { format: { type: 'text' }, echo: TEXT_FORMAT, verbosity: 'medium' };
  if (typeof value !== 'object' || Array.isArray(value)) return invalidType('text', 'an object', value);
  const { format, verbosity } = value as Record<string, unknown>;
  if (verbosity !== undefined && verbosity !== null) {
    if (typeof verbosity !== 'string' || !(VERBOSITIES as readonly string[]).includes(verbosity)) {
      return invalidValue('text.verbosity', verbosity, VERBOSITIES);
    }
  }
  const chosenVerbosity = (verbosity as string | null | undefined) ?? 'medium';
  if (format === undefined || format === null) return { format: { type: 'text' }, echo: TEXT_FORMAT, verbosity: chosenVerbosity };
  if (typeof format !== 'object' || Array.isArray(format)) return invalidType('text.format', 'an object', format);
  const fields = format as Record<string, unknown>;
  const type = fields.type;
  if (type === undefined || type === null) return missingParameter('text.format.type');
  if (typeof type !== 'string' || !(FORMAT_TYPES as readonly string[]).includes(type)) return invalidValue('text.format.type', type, FORMAT_TYPES);
  if (type === 'text') return { format: { type: 'text' }, echo: TEXT_FORMAT, verbosity: chosenVerbosity };
  if (type === 'json_object') return { format: { type: 'json_object' }, echo: { type: 'json_object' }, verbosity: chosenVerbosity };
  const name = requiredString(fields, 'name', 'text.format');
  if (typeof name !== 'string') return name;
  const schema = fields.schema;
  if (schema === undefined || schema === null) return missingParameter('text.format.schema');
  if (typeof schema !== 'object' || Array.isArray(schema)) return invalidType('text.format.schema', 'an object', schema);
  const description = fields.description;
  if (description !== undefined && description !== null && typeof description !== 'string') {
    return invalidType('text.format.description', 'a string', description);
  }
  const strict = fields.strict;
  if (strict !== undefined && strict !== null && typeof strict !== 'boolean') return invalidType('text.format.strict', 'a boolean', strict);
  return {
    format: { type: 'json_schema', name, schema },
    echo: { type: 'json_schema', description: description ?? null, name, schema, strict: strict ?? false },
    verbosity: chosenVerbosity,
  };
}

/** Reads message content or a function call's output parts; returns the text (parts joined by a space) or an error. */
function readContent(content: unknown, allowed: readonly string[], where: string, scan: Scan): string | OpenAIError {
  if (typeof content === 'string') {
    scan.tokens += countTokens(content);
    if (!scan.mentionsJson) scan.mentionsJson = content.toLowerCase().includes('json');
    return content;
  }
  if (!Array.isArray(content)) return invalidType(where, 'a string or an array', content);
  let text = '';
  for (let index = 0; index < content.length; index++) {
    const place = `${where}[${index}]`;
    const part = content[index];
    if (typeof part !== 'object' || part === null || Array.isArray(part)) return invalidType(place, 'an object', part);
    const fields = part as Record<string, unknown>;
    const type = fields.type;
    if (type === undefined || type === null) return missingParameter(`${place}.type`);
    if (typeof type !== 'string' || !allowed.includes(type)) return invalidValue(`${place}.type`, type, allowed);
    if (type === 'input_text' || type === 'output_text' || type === 'refusal') {
      const key = type === 'refusal' ? 'refusal' : 'text';
      const value = requiredString(fields, key, place);
      if (typeof value !== 'string') return value;
      scan.tokens += countTokens(value);
      if (!scan.mentionsJson) scan.mentionsJson = value.toLowerCase().includes('json');
      text = text === '' ? value : text + ' ' + value;
      continue;
    }
    if (type === 'input_image') {
      const detail = fields.detail;
      if (detail !== undefined && detail !== null && (typeof detail !== 'string' || !(IMAGE_DETAILS as readonly string[]).includes(detail))) {
        return invalidValue(`${place}.detail`, detail, IMAGE_DETAILS);
      }
      const url = fields.image_url;
      if (url === undefined || url === null) {
        if (typeof fields.file_id !== 'string') return missingParameter(`${place}.image_url`);
        scan.imagesRemote++;
      } else {
        if (typeof url !== 'string') return invalidType(`${place}.image_url`, 'a string', url);
        const failure = checkImageUrl(url, `${place}.image_url`);
        if (failure !== undefined) return failure;
        if (url.startsWith('data:')) scan.imagesInline++;
        else scan.imagesRemote++;
      }
      scan.tokens += TOKENS_PER_IMAGE;
    }
    // input_file: accepted, not interpreted.
  }
  return text;
}

/** The text of already-validated output parts. */
function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  let text = '';
  for (const part of parts) {
    const value = (part as Record<string, unknown>).text;
    if (typeof value === 'string') text = text === '' ? value : text + ' ' + value;
  }
  return text;
}
