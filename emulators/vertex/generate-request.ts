/**
 * Validates a `generateContent` / `streamGenerateContent` body the way Vertex AI does (proto3 JSON first: unknown
 * fields, types, enums, base64; then Gemini's rules: roles, one data field per part, function call and response
 * turns, function names, generation-config ranges, thinking) and extracts in the same pass what the OpenAI emulator's
 * reply generator needs (a `ChatInput`), so a model answers the same text, tool calls and token counts on every cloud.
 */
import { countTokens, leadingWords } from '../core/index.ts';
import type { ChatInput, ResponseFormat, ToolChoice, ToolDefinition, ToolResult } from '../openai/chat-request.ts';
import type { ModelState } from './models.ts';
import { MessageRegistry, ProtoReader } from './proto-json.ts';
import { LEARN_MORE, badRequest, invalidArgument, type GoogleError } from './vertex-errors.ts';

const TOKENS_PER_CONTENT = 3;
const TOKENS_PER_MEDIA = 85;
const REPLY_PRIMING_TOKENS = 3;
const MAX_STOP_SEQUENCES = 5;
const MAX_CANDIDATES = 8;
const MAX_FUNCTION_NAME = 64;
const QUOTED_WORDS = 12;

/** Hidden thinking tokens: the default for thinking models, and per `thinkingLevel`. */
export const DEFAULT_THOUGHT_TOKENS = 64;
export const THINKING_LEVEL_TOKENS: Readonly<Record<string, number>> = Object.freeze({
  MINIMAL: 0,
  LOW: 16,
  MEDIUM: 32,
  HIGH: 64,
});

export const RESPONSE_MIME_TYPES = ['text/plain', 'application/json', 'text/x.enum'] as const;

/** The image types Gemini takes; any other `image/…` (`image/jpg`, `image/gif`) is refused as Vertex AI refuses it. */
export const IMAGE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'] as const;

// --- the request messages (v1beta1, a superset of v1) ----------------------------------------------------------

const registry = new MessageRegistry();
registry.enumType('Type', ['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);
registry.enumType('FunctionCallingConfig.Mode', ['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']);
registry.enumType('HarmCategory', [
  'HARM_CATEGORY_UNSPECIFIED',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
  'HARM_CATEGORY_IMAGE_HATE',
  'HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT',
  'HARM_CATEGORY_IMAGE_HARASSMENT',
  'HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_JAILBREAK',
]);
registry.enumType('SafetySetting.HarmBlockThreshold', [
  'HARM_BLOCK_THRESHOLD_UNSPECIFIED',
  'BLOCK_LOW_AND_ABOVE',
  'BLOCK_MEDIUM_AND_ABOVE',
  'BLOCK_ONLY_HIGH',
  'BLOCK_NONE',
  'OFF',
]);
registry.enumType('SafetySetting.HarmBlockMethod', ['HARM_BLOCK_METHOD_UNSPECIFIED', 'SEVERITY', 'PROBABILITY']);
registry.enumType('GenerationConfig.ThinkingConfig.ThinkingLevel', ['THINKING_LEVEL_UNSPECIFIED', 'LOW', 'MEDIUM', 'HIGH', 'MINIMAL']);

registry.message('GenerateContentRequest', {
  model: 'string',
  contents: 'Content[]',
  systemInstruction: 'Content',
  cachedContent: 'string',
  tools: 'Tool[]',
  toolConfig: 'ToolConfig',
  labels: 'map:string',
  safetySettings: 'SafetySetting[]',
  modelArmorConfig: 'value',
  generationConfig: 'GenerationConfig',
  serviceTier: 'value',
  outputConfig: 'value',
  continuationToken: 'string',
});
registry.message('Content', { role: 'string', parts: 'Part[]' });
registry.message('Part', {
  text: 'string',
  inlineData: 'Blob',
  fileData: 'FileData',
  functionCall: 'FunctionCall',
  functionResponse: 'FunctionResponse',
  executableCode: 'struct',
  codeExecutionResult: 'struct',
  thought: 'bool',
  thoughtSignature: 'bytes',
  videoMetadata: 'struct',
  mediaResolution: 'value',
});
registry.message('Blob', { mimeType: 'string', data: 'bytes', displayName: 'string' });
registry.message('FileData', { mimeType: 'string', fileUri: 'string', displayName: 'string' });
registry.message('FunctionCall', { id: 'string', name: 'string', args: 'struct', partialArgs: 'value', willContinue: 'bool' });
registry.message('FunctionResponse', {
  id: 'string',
  name: 'string',
  response: 'struct',
  parts: 'value',
  scheduling: 'value',
  willContinue: 'bool',
});
registry.message('Tool', {
  functionDeclarations: 'FunctionDeclaration[]',
  retrieval: 'value',
  googleSearch: 'value',
  googleSearchRetrieval: 'value',
  enterpriseWebSearch: 'value',
  googleMaps: 'value',
  codeExecution: 'value',
  urlContext: 'value',
  computerUse: 'value',
  mcpServers: 'value',
  exaAiSearch: 'value',
  parallelAiSearch: 'value',
});
registry.message('FunctionDeclaration', {
  name: 'string',
  description: 'string',
  parameters: 'Schema',
  parametersJsonSchema: 'value',
  response: 'Schema',
  responseJsonSchema: 'value',
  behavior: 'value',
});
registry.message('Schema', {
  type: 'enum:Type',
  format: 'string',
  title: 'string',
  description: 'string',
  nullable: 'bool',
  default: 'value',
  items: 'Schema',
  minItems: 'int64',
  maxItems: 'int64',
  enum: 'string[]',
  properties: 'map:Schema',
  propertyOrdering: 'string[]',
  required: 'string[]',
  minProperties: 'int64',
  maxProperties: 'int64',
  minimum: 'double',
  maximum: 'double',
  minLength: 'int64',
  maxLength: 'int64',
  pattern: 'string',
  example: 'value',
  anyOf: 'Schema[]',
  additionalProperties: 'value',
  ref: 'string',
  defs: 'map:Schema',
});
registry.message('ToolConfig', {
  functionCallingConfig: 'FunctionCallingConfig',
  retrievalConfig: 'value',
  includeServerSideToolInvocations: 'bool',
});
registry.message('FunctionCallingConfig', {
  mode: 'enum:FunctionCallingConfig.Mode',
  allowedFunctionNames: 'string[]',
  streamFunctionCallArguments: 'bool',
});
registry.message('SafetySetting', {
  category: 'enum:HarmCategory',
  threshold: 'enum:SafetySetting.HarmBlockThreshold',
  method: 'enum:SafetySetting.HarmBlockMethod',
});
registry.message('GenerationConfig', {
  temperature: 'float',
  topP: 'float',
  topK: 'float',
  candidateCount: 'int32',
  maxOutputTokens: 'int32',
  stopSequences: 'string[]',
  responseLogprobs: 'bool',
  logprobs: 'int32',
  presencePenalty: 'float',
  frequencyPenalty: 'float',
  seed: 'int32',
  responseMimeType: 'string',
  responseSchema: 'Schema',
  responseJsonSchema: 'value',
  routingConfig: 'value',
  modelConfig: 'value',
  audioTimestamp: 'bool',
  responseModalities: 'value',
  mediaResolution: 'value',
  speechConfig: 'value',
  thinkingConfig: 'ThinkingConfig',
  imageConfig: 'value',
  enableAffectiveDialog: 'bool',
});
registry.message('ThinkingConfig', {
  includeThoughts: 'bool',
  thinkingBudget: 'int32',
  thinkingLevel: 'enum:GenerationConfig.ThinkingConfig.ThinkingLevel',
});

// --- what the reply needs -----------------------------------------------------------------------------------------

export interface GeminiInput {
  /** The generator's input; `chat.reasoningTokens` are the thinking tokens, `chat.maxTokens` is `maxOutputTokens`. */
  readonly chat: ChatInput;
  readonly candidateCount: number;
  /** `thinkingConfig.includeThoughts` on a model that thinks: a thought-summary part precedes the answer. */
  readonly includeThoughts: boolean;
  /** `text/x.enum`: the answer is the schema's first enum value, unquoted. */
  readonly enumOutput: boolean;
  /** Tokens of the prompt that are images (for `promptTokensDetails`). */
  readonly imageTokens: number;
}

type Json = Record<string, unknown>;

function oneOfError(path: string, field: string): GoogleError {
  return badRequest([
    {
      field: `${path}.data`,
      description: `Invalid value at '${path}.data' (oneof), oneof field 'data' is already set. Cannot set '${field}'`,
    },
  ]);
}

function rangeError(name: string, value: number, low: string, high: string): GoogleError {
  return invalidArgument(
    `Unable to submit request because it has a ${name} value of ${value} but the supported range is from ${low} ` +
      `(inclusive) to ${high} (exclusive). Update the value and try again.`,
  );
}

function isFunctionName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_FUNCTION_NAME) return false;
  const first = name.charCodeAt(0);
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122) || first === 95)) return false;
  for (let index = 1; index < name.length; index++) {
    const code = name.charCodeAt(index);
    const ok =
      (code >= 48 && code <= 57) ||
      (code >= 65 && code <= 90) ||
      (code >= 97 && code <= 122) ||
      code === 95 ||
      code === 46 ||
      code === 45 ||
      code === 58;
    if (!ok) return false;
  }
  return true;
}

const INVALID_FUNCTION_NAME =
  'Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, ' +
  'dots, colons and dashes, with a maximum length of 64.';

/** Vertex's OpenAPI-subset Schema → the JSON Schema the instance generator reads. */
export function schemaToJsonSchema(schema: Json): Json {
  const result: Json = {};
  for (const key in schema) {
    const value = schema[key];
    switch (key) {
      case 'type':
        if (value !== 'TYPE_UNSPECIFIED') result.type = (value as string).toLowerCase();
        break;
      case 'items':
        result.items = schemaToJsonSchema(value as Json);
        break;
      case 'anyOf':
        result.anyOf = (value as Json[]).map(schemaToJsonSchema);
        break;
      case 'properties': {
        const properties = value as Record<string, Json>;
        const ordering = Array.isArray(schema.propertyOrdering) ? (schema.propertyOrdering as string[]) : [];
        const converted: Json = {};
        for (const name of ordering) if (name in properties) converted[name] = schemaToJsonSchema(properties[name]);
        for (const name in properties) if (!(name in converted)) converted[name] = schemaToJsonSchema(properties[name]);
        result.properties = converted;
        break;
      }
      case 'defs': {
        const definitions: Json = {};
        for (const [name, definition] of Object.entries(value as Record<string, Json>)) {
          definitions[name] = schemaToJsonSchema(definition);
        }
        result.$defs = definitions;
        break;
      }
      case 'ref':
        result.$ref = (value as string).startsWith('#/defs/') ? '#/$defs/' + (value as string).slice(7) : value;
        break;
      case 'nullable':
      case 'propertyOrdering':
      case 'example':
      case 'title':
      case 'description':
        break;
      default:
        result[key] = value;
    }
  }
  return result;
}

/** The text a function response contributes to the reply: a lone string member as is, else the JSON text. */
function responseText(response: Json | undefined): string {
  if (response === undefined) return '{}';
  const keys = Object.keys(response);
  if (keys.length === 1 && typeof response[keys[0]] === 'string') return response[keys[0]] as string;
  return JSON.stringify(response);
}

interface ScannedContent {
  readonly role: 'user' | 'model';
  readonly text: string;
  readonly hasText: boolean;
  readonly calls: string[];
  readonly responses: { name: string; content: string }[];
}

/**
 * Reads and validates a request body for `model`. `version` is `v1` or `v1beta1` (type names in messages).
 * Returns the generator's input or the 400 to send.
 */
export function readGenerateRequest(body: unknown, version: string, model: ModelState, stream: boolean): GeminiInput | GoogleError {
  const reader = new ProtoReader(registry, `google.cloud.aiplatform.${version}`);
  const request = reader.readRoot(body ?? {}, 'GenerateContentRequest');
  if (reader.violations.length > 0) return badRequest(reader.violations);

  // Generation config.
  const config = (request.generationConfig ?? {}) as Json;
  const temperature = config.temperature as number | undefined;
  if (temperature !== undefined && (temperature < 0 || temperature > 2)) return rangeError('temperature', temperature, '0', '2.0001');
  const topP = config.topP as number | undefined;
  if (topP !== undefined && (topP < 0 || topP > 1)) return rangeError('topP', topP, '0', '1.0001');
  const candidateCount = (config.candidateCount as number | undefined) ?? 1;
  if (candidateCount < 1 || candidateCount > MAX_CANDIDATES) {
    return rangeError('candidateCount', candidateCount, '1', String(MAX_CANDIDATES + 1));
  }
  if (stream && candidateCount > 1) {
    return invalidArgument(`Unable to submit request because candidateCount ${candidateCount} is not supported for streaming. Set candidateCount to 1 and try again. ${LEARN_MORE}`);
  }
  const maxOutputTokens = config.maxOutputTokens as number | undefined;
  if (maxOutputTokens !== undefined && (maxOutputTokens < 1 || maxOutputTokens > model.maxOutputTokens)) {
    return rangeError('maxOutputTokens', maxOutputTokens, '1', String(model.maxOutputTokens + 1));
  }
  const stop = ((config.stopSequences ?? []) as string[]).filter((entry) => entry !== '');
  if (stop.length > MAX_STOP_SEQUENCES) {
    return invalidArgument(
      `Unable to submit request because it has ${stop.length} stop sequences but at most ${MAX_STOP_SEQUENCES} are supported. Update the value and try again.`,
    );
  }
  const mimeType = (config.responseMimeType as string | undefined) ?? 'text/plain';
  if (!(RESPONSE_MIME_TYPES as readonly string[]).includes(mimeType)) {
    return invalidArgument(
      `Unable to submit request because it has a response_mime_type value of ${JSON.stringify(mimeType)} but the supported ` +
        `values are \`text/plain\`, \`application/json\` and \`text/x.enum\`. ${LEARN_MORE}`,
    );
  }
  const responseSchema = config.responseSchema as Json | undefined;
  const responseJsonSchema = config.responseJsonSchema;
  if (responseSchema !== undefined && responseJsonSchema !== undefined) {
    return invalidArgument('Unable to submit request because response_schema and response_json_schema are both set. Set only one and try again.');
  }
  if ((responseSchema !== undefined || responseJsonSchema !== undefined) && mimeType === 'text/plain') {
    return invalidArgument(
      'Unable to submit request because setting a response schema requires response_mime_type to be `application/json` ' +
        `or \`text/x.enum\`. Set the response_mime_type and try again. ${LEARN_MORE}`,
    );
  }
  if (responseJsonSchema !== undefined && (typeof responseJsonSchema !== 'object' || Array.isArray(responseJsonSchema))) {
    return badRequest([
      {
        field: 'generation_config.response_json_schema',
        description: `Invalid value at 'generation_config.response_json_schema' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(responseJsonSchema)}`,
      },
    ]);
  }
  let responseFormat: ResponseFormat = { type: 'text' };
  const schema = responseSchema !== undefined ? schemaToJsonSchema(responseSchema) : (responseJsonSchema as Json | undefined);
  if (mimeType === 'application/json') {
    responseFormat = schema === undefined ? { type: 'json_object' } : { type: 'json_schema', name: 'response', schema };
  } else if (mimeType === 'text/x.enum') {
    if (schema === undefined || !Array.isArray(schema.enum) || schema.enum.length === 0) {
      return invalidArgument(`Unable to submit request because response_mime_type \`text/x.enum\` requires a response schema with enum values. ${LEARN_MORE}`);
    }
    responseFormat = { type: 'json_schema', name: 'response', schema };
  }

  // Thinking.
  const thinking = readThinking((config.thinkingConfig ?? {}) as Json, model);
  if (!('tokens' in thinking)) return thinking;

  // Tools.
  const tools: ToolDefinition[] = [];
  const rawTools = (request.tools ?? []) as Json[];
  const names = new Set<string>();
  for (let index = 0; index < rawTools.length; index++) {
    const declarations = (rawTools[index].functionDeclarations ?? []) as Json[];
    for (let position = 0; position < declarations.length; position++) {
      const declaration = declarations[position];
      const name = (declaration.name as string | undefined) ?? '';
      if (!isFunctionName(name)) return invalidArgument(INVALID_FUNCTION_NAME);
      if (names.has(name)) return invalidArgument(`Duplicate function declaration found: ${name}`);
      names.add(name);
      if (declaration.parameters !== undefined && declaration.parametersJsonSchema !== undefined) {
        return invalidArgument(
          `Unable to submit request because function declaration \`${name}\` sets both parameters and parameters_json_schema. Set only one and try again.`,
        );
      }
      const jsonSchema = declaration.parametersJsonSchema;
      if (jsonSchema !== undefined && (typeof jsonSchema !== 'object' || Array.isArray(jsonSchema))) {
        const path = `tools[${index}].function_declarations[${position}].parameters_json_schema`;
        return badRequest([{ field: path, description: `Invalid value at '${path}' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(jsonSchema)}` }]);
      }
      const parameters =
        declaration.parameters !== undefined ? schemaToJsonSchema(declaration.parameters as Json) : (jsonSchema as Json | undefined);
      tools.push({ name, parameters });
    }
  }
  const choice = readFunctionCalling(request.toolConfig as Json | undefined, tools);
  if (!('tools' in choice)) return choice;

  // System instruction.
  let promptTokens = REPLY_PRIMING_TOKENS;
  const system = request.systemInstruction as Json | undefined;
  if (system !== undefined) {
    let systemText = '';
    for (const part of (system.parts ?? []) as Json[]) {
      if (typeof part.text === 'string') systemText += part.text;
    }
    if (systemText !== '') promptTokens += TOKENS_PER_CONTENT + countTokens(systemText);
  }

  // Contents.
  const contents = (request.contents ?? []) as Json[];
  if (contents.length === 0) {
    return invalidArgument(`Unable to submit request because it must include at least one contents field. Add a contents field and try again. ${LEARN_MORE}`);
  }
  const scanned: ScannedContent[] = [];
  let imagesInline = 0;
  let imagesRemote = 0;
  let imageTokens = 0;
  for (let index = 0; index < contents.length; index++) {
    const content = contents[index];
    const role = (content.role as string | undefined) ?? 'user';
    if (role !== 'user' && role !== 'model') return invalidArgument('Please use a valid role: user, model.');
    const parts = (content.parts ?? []) as Json[];
    if (parts.length === 0) {
      return invalidArgument(`Unable to submit request because it must include at least one parts field, which describes the prompt input. ${LEARN_MORE}`);
    }
    promptTokens += TOKENS_PER_CONTENT;
    let text = '';
    let hasText = false;
    const calls: string[] = [];
    const responses: { name: string; content: string }[] = [];
    for (let position = 0; position < parts.length; position++) {
      const part = parts[position];
      const path = `contents[${index}].parts[${position}]`;
      let dataField: string | undefined;
      for (const field of ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult']) {
        if (part[field] === undefined) continue;
        if (dataField !== undefined) return oneOfError(path, field);
        dataField = field;
      }
      switch (dataField) {
        case undefined:
          return invalidArgument(`Unable to submit request because it must have a text parameter. Add a text parameter and try again. ${LEARN_MORE}`);
        case 'text': {
          const value = part.text as string;
          if (value === '' && part.thoughtSignature === undefined) {
            return invalidArgument(`Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again. ${LEARN_MORE}`);
          }
          promptTokens += countTokens(value);
          if (part.thought === true || value === '') break;
          text = hasText ? text + ' ' + value : value;
          hasText = true;
          break;
        }
        case 'inlineData':
        case 'fileData': {
          const media = part[dataField] as Json;
          const mime = (media.mimeType as string | undefined) ?? '';
          if (mime === '') {
            return invalidArgument(`Unable to submit request because it has an empty mimeType parameter in ${path}. Add a value to the parameter and try again. ${LEARN_MORE}`);
          }
          if (dataField === 'inlineData' && ((media.data as string | undefined) ?? '') === '') {
            return invalidArgument(`Unable to submit request because it has an empty inlineData parameter in ${path}. Add a value to the parameter and try again. ${LEARN_MORE}`);
          }
          if (dataField === 'fileData' && ((media.fileUri as string | undefined) ?? '') === '') {
            return invalidArgument(`Unable to submit request because it has an empty fileUri parameter in ${path}. Add a value to the parameter and try again. ${LEARN_MORE}`);
          }
          if (mime.startsWith('image/') && !(IMAGE_MIME_TYPES as readonly string[]).includes(mime)) {
            return invalidArgument(`Unable to submit request because it has a mimeType parameter with value ${mime}, which is not supported. Update the mimeType and try again. ${LEARN_MORE}`);
          }
          promptTokens += TOKENS_PER_MEDIA;
          if (mime.startsWith('image/')) {
            imageTokens += TOKENS_PER_MEDIA;
            if (role === 'user') {
              if (dataField === 'inlineData') imagesInline++;
              else imagesRemote++;
            }
          }
          break;
        }
        case 'functionCall': {
          const call = part.functionCall as Json;
          const name = (call.name as string | undefined) ?? '';
          if (name === '') return invalidArgument(`Unable to submit request because ${path}.function_call has an empty name. Add a name and try again.`);
          if (role !== 'model') return invalidArgument('Please ensure that function call parts are only in a model turn.');
          promptTokens += countTokens(name) + countTokens(JSON.stringify(call.args ?? {}));
          calls.push(name);
          break;
        }
        case 'functionResponse': {
          const response = part.functionResponse as Json;
          const name = (response.name as string | undefined) ?? '';
          if (name === '') return invalidArgument(`Unable to submit request because ${path}.function_response has an empty name. Add a name and try again.`);
          if (role !== 'user') return invalidArgument('Please ensure that function response parts are only in a user turn.');
          const responseJson = JSON.stringify(response.response ?? {});
          promptTokens += countTokens(name) + countTokens(responseJson);
          responses.push({ name, content: responseText(response.response as Json | undefined) });
          break;
        }
        default:
          // executableCode, codeExecutionResult: accepted, counted as their JSON text.
          promptTokens += countTokens(JSON.stringify(part[dataField]));
      }
    }
    scanned.push({ role, text, hasText, calls, responses });
  }

  // Function call and response turns.
  for (let index = 0; index < scanned.length; index++) {
    const content = scanned[index];
    if (content.calls.length > 0 && index > 0 && scanned[index - 1].role !== 'user') {
      return invalidArgument('Please ensure that function call turn comes immediately after a user turn or after a function response turn.');
    }
    if (content.calls.length > 0 && index === 0) {
      return invalidArgument('Please ensure that function call turn comes immediately after a user turn or after a function response turn.');
    }
    if (content.responses.length > 0) {
      const previous = index > 0 ? scanned[index - 1] : undefined;
      if (previous === undefined || previous.calls.length === 0) {
        return invalidArgument('Please ensure that function response turn comes immediately after a function call turn.');
      }
    }
    if (content.calls.length > 0 && index + 1 < scanned.length) {
      const next = scanned[index + 1];
      if (next.responses.length !== content.calls.length) {
        return invalidArgument(
          'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
        );
      }
      const pending = [...content.calls];
      for (const response of next.responses) {
        const at = pending.indexOf(response.name);
        if (at < 0) {
          return invalidArgument(
            `Please ensure that the function response \`${response.name}\` in contents[${index + 1}] answers a function call of the function call turn contents[${index}].`,
          );
        }
        pending.splice(at, 1);
      }
    }
  }

  // What the reply generator needs.
  let lastUserText = '';
  for (let index = scanned.length - 1; index >= 0; index--) {
    if (scanned[index].role === 'user' && scanned[index].hasText) {
      lastUserText = scanned[index].text;
      break;
    }
  }
  const toolResults: ToolResult[] = [];
  const last = scanned[scanned.length - 1];
  if (last.role === 'user' && last.responses.length > 0) {
    for (const response of last.responses) toolResults.push({ name: response.name, content: response.content });
  }
  if (rawTools.length > 0) promptTokens += countTokens(JSON.stringify(rawTools));
  if (schema !== undefined) promptTokens += countTokens(JSON.stringify(responseSchema ?? responseJsonSchema));

  const chat: ChatInput = {
    model: model.id,
    stream,
    includeUsage: true,
    includeObfuscation: false,
    maxTokens: maxOutputTokens ?? Number.POSITIVE_INFINITY,
    reasoningTokens: thinking.tokens,
    stop,
    tools: choice.tools,
    toolChoice: choice.choice,
    parallelToolCalls: true,
    responseFormat,
    serviceTier: 'default',
    lastUserText,
    toolResults,
    imagesInline,
    imagesRemote,
    promptTokens,
  };
  return {
    chat,
    candidateCount,
    includeThoughts: thinking.includeThoughts && thinking.tokens > 0,
    enumOutput: mimeType === 'text/x.enum',
    imageTokens,
  };
}

function readThinking(config: Json, model: ModelState): { tokens: number; includeThoughts: boolean } | GoogleError {
  const budget = config.thinkingBudget as number | undefined;
  const level = config.thinkingLevel as string | undefined;
  const includeThoughts = config.includeThoughts === true;
  if (budget !== undefined && level !== undefined && level !== 'THINKING_LEVEL_UNSPECIFIED') {
    return invalidArgument('Unable to submit request because thinking_budget and thinking_level are both set. Set only one and try again.');
  }
  if (model.thinking === 'none') return { tokens: 0, includeThoughts: false };
  if (budget !== undefined) {
    if (budget < -1) return rangeError('thinkingBudget', budget, '-1', '24577');
    if (budget === 0) {
      if (model.thinking === 'always') return invalidArgument('Budget 0 is invalid. This model only works in thinking mode.');
      return { tokens: 0, includeThoughts };
    }
    return { tokens: budget === -1 ? DEFAULT_THOUGHT_TOKENS : Math.min(budget, DEFAULT_THOUGHT_TOKENS), includeThoughts };
  }
  if (level !== undefined && level !== 'THINKING_LEVEL_UNSPECIFIED') {
    return { tokens: THINKING_LEVEL_TOKENS[level], includeThoughts };
  }
  return { tokens: model.thinking === 'optional' ? 0 : DEFAULT_THOUGHT_TOKENS, includeThoughts };
}

function readFunctionCalling(toolConfig: Json | undefined, tools: ToolDefinition[]): { tools: ToolDefinition[]; choice: ToolChoice } | GoogleError {
  const config = (toolConfig?.functionCallingConfig ?? {}) as Json;
  const mode = (config.mode as string | undefined) ?? 'AUTO';
  const allowed = config.allowedFunctionNames as string[] | undefined;
  if (allowed !== undefined && allowed.length > 0) {
    if (mode !== 'ANY' && mode !== 'VALIDATED') {
      return invalidArgument(
        'Unable to submit request because function_calling_config.allowed_function_names is set but mode is not ANY or VALIDATED. Update the value and try again.',
      );
    }
    for (const name of allowed) {
      if (!tools.some((tool) => tool.name === name)) {
        return invalidArgument(`Unable to submit request because allowed function name \`${name}\` is not declared in tools. Update the value and try again.`);
      }
    }
  }
  if (mode === 'NONE') return { tools, choice: 'none' };
  const offered = allowed !== undefined && allowed.length > 0 ? tools.filter((tool) => allowed.includes(tool.name)) : tools;
  if (mode === 'ANY') {
    if (offered.length === 0) {
      return invalidArgument('Unable to submit request because function calling mode ANY requires at least one function declaration. Add one and try again.');
    }
    return { tools: offered, choice: offered.length === 1 ? { name: offered[0].name } : 'required' };
  }
  return { tools: offered, choice: 'auto' };
}

/** The thought summary shown with `includeThoughts`. */
export function thoughtSummary(input: GeminiInput): string {
  return `**Thinking it over**\n\nThe user said: "${leadingWords(input.chat.lastUserText, QUOTED_WORDS)}". I will answer deterministically.`;
}
