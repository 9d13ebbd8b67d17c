/**
 * Validates a Converse / ConverseStream request body against the Bedrock Runtime Smithy model (April 2025) plus the
 * newer members of `@aws-sdk/client-bedrock-runtime` (`cachePoint`, `audio`, `outputConfig`, `serviceTier`…) and
 * Bedrock's conversation rules, and extracts in the same pass what the OpenAI emulator's reply generator needs (a
 * `ChatInput`), so a model answers the same text, tool calls and token counts on every cloud.
 *
 * Constraint violations use Coral's wording (`1 validation error detected: Value '0' at 'inferenceConfig.maxTokens'
 * failed to satisfy constraint: Member must have value greater than or equal to 1`, 1-based list indices with
 * `.member`); conversation rules use Bedrock's own sentences (0-based `messages.N.content`).
 */
import { createHash } from 'node:crypto';
import { countTokens } from '../core/index.ts';
import type { ChatInput, ResponseFormat, ToolChoice, ToolDefinition, ToolResult } from '../openai/chat-request.ts';
import { constraintError, validationError, type AwsError } from './bedrock-errors.ts';
import { CACHE_MINIMUM_TOKENS, CACHE_TTL_MS } from './prompt-cache.ts';

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_MEDIA = 85;
const REPLY_PRIMING_TOKENS = 3;

const CONTENT_MEMBERS = [
  'text',
  'image',
  'document',
  'video',
  'audio',
  'toolUse',
  'toolResult',
  'guardContent',
  'cachePoint',
  'reasoningContent',
  'citationsContent',
  'searchResult',
  'toolAddition',
  'toolRemoval',
] as const;
const USER_ONLY = new Set(['toolResult', 'image', 'document', 'video', 'audio', 'guardContent', 'searchResult']);
const ASSISTANT_ONLY = new Set(['toolUse', 'reasoningContent', 'citationsContent']);
const SYSTEM_MEMBERS = ['text', 'guardContent', 'cachePoint'] as const;
const TOOL_RESULT_MEMBERS = ['json', 'text', 'image', 'document', 'video', 'searchResult'] as const;
const TOOL_MEMBERS = ['toolSpec', 'systemTool', 'cachePoint'] as const;
const TOOL_CHOICE_MEMBERS = ['auto', 'any', 'tool'] as const;
const MEDIA_SOURCE_MEMBERS = ['bytes', 's3Location'] as const;
const DOCUMENT_SOURCE_MEMBERS = ['bytes', 's3Location', 'text', 'content'] as const;
const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'];
const DOCUMENT_FORMATS = ['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md'];
const VIDEO_FORMATS = ['mkv', 'mov', 'mp4', 'webm', 'flv', 'mpeg', 'mpg', 'wmv', 'three_gp'];
const AUDIO_FORMATS = ['mp3', 'opus', 'wav', 'aac', 'flac', 'mp4', 'ogg', 'mkv', 'mka', 'x-aac', 'm4a', 'mpeg', 'mpga', 'pcm', 'webm'];
const ROLES = ['user', 'assistant', 'system'];
const TOOL_RESULT_STATUSES = ['success', 'error'];
const CACHE_TTLS = ['5m', '1h'];
const LATENCIES = ['standard', 'optimized'];
const SERVICE_TIERS = ['priority', 'default', 'flex', 'reserved'];
const GUARDRAIL_TRACES = ['enabled', 'disabled', 'enabled_full'];
const QUALIFIERS = ['grounding_source', 'query', 'guard_content'];
const MAX_NAME = 64;
const MAX_STOP_SEQUENCES = 4;
export const FIRST_MESSAGE_NOT_USER =
  'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
export const ROLES_NOT_ALTERNATING =
  'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user ' +
  'and assistant roles and try again.';
export const TOOL_CONFIG_REQUIRED = 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';

export interface CachePlan {
  /** Identifies the cached prefix (model and content). */
  readonly key: string;
  /** Prompt tokens before the last cache point. */
  readonly tokens: number;
  readonly ttlMs: number;
}

export interface ConverseInput {
  /** What the reply generator needs; `chat.model` is the model ID the reply names. */
  readonly chat: ChatInput;
  /** True when the request has any cache point: the usage then reports the cache counts (possibly 0). */
  readonly cacheRequested: boolean;
  /** The prefix to read or write, when the last cache point follows at least 1024 tokens. */
  readonly cache: CachePlan | undefined;
  /** Echoed in the response when given. */
  readonly latency: string | undefined;
  readonly serviceTier: string | undefined;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME) return false;
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    const ok =
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 45;
    if (!ok) return false;
  }
  return true;
}

function mustBe(path: string, value: unknown, what: string): AwsError {
  return constraintError(path, value, `must be ${what}`);
}

function notNull(path: string): AwsError {
  return constraintError(path, null, 'must not be null');
}

function enumError(path: string, value: unknown, values: readonly string[]): AwsError {
  return constraintError(path, value, `must satisfy enum value set: [${values.join(', ')}]`);
}

/** The single member set in a union value, or the error. */
function unionMember(value: unknown, path: string, members: readonly string[]): string | AwsError {
  if (!isObject(value)) return mustBe(path, value, 'a structure');
  let found: string | undefined;
  let count = 0;
  for (const key in value) {
    if (value[key] === null || value[key] === undefined) continue;
    if (!members.includes(key)) {
      return constraintError(path, undefined, `must have exactly one of the members [${members.join(', ')}] set, got unknown member '${key}'`);
    }
    found = key;
    count++;
  }
  if (count !== 1) return constraintError(path, undefined, `must have exactly one member set, got ${count}`);
  return found as string;
}

function checkString(value: unknown, path: string, minimum = 0, maximum = Number.POSITIVE_INFINITY): string | AwsError {
  if (value === undefined || value === null) return notNull(path);
  if (typeof value !== 'string') return mustBe(path, value, 'a string');
  if (value.length < minimum) return constraintError(path, value, `must have length greater than or equal to ${minimum}`);
  if (value.length > maximum) return constraintError(path, value, `must have length less than or equal to ${maximum}`);
  return value;
}

function checkName(value: unknown, path: string): string | AwsError {
  const name = checkString(value, path, 1, MAX_NAME);
  if (typeof name !== 'string') return name;
  if (!isName(name)) return constraintError(path, name, 'must satisfy regular expression pattern: [a-zA-Z0-9_-]+');
  return name;
}

function checkEnum(value: unknown, path: string, values: readonly string[], required: boolean): string | undefined | AwsError {
  if (value === undefined || value === null) return required ? notNull(path) : undefined;
  if (typeof value !== 'string' || !values.includes(value)) return enumError(path, value, values);
  return value;
}

/** A base64 blob (`bytes`): a non-empty string of base64 characters. */
function checkBlob(value: unknown, path: string): AwsError | undefined {
  if (value === undefined || value === null) return notNull(path);
  if (typeof value !== 'string') return mustBe(path, value, 'a base64-encoded blob');
  if (value.length === 0) return constraintError(path, value, 'must have length greater than or equal to 1');
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    const ok =
      (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 43 || code === 47 ||
      code === 61 || code === 45 || code === 95 || code === 10 || code === 13;
    if (!ok) return validationError(`The value at '${path}' is not valid base64.`);
  }
  return undefined;
}

function checkS3Location(value: unknown, path: string): AwsError | undefined {
  if (!isObject(value)) return mustBe(path, value, 'a structure');
  const uri = checkString(value.uri, `${path}.uri`, 1, 1024);
  if (typeof uri !== 'string') return uri;
  if (!uri.startsWith('s3://') || uri.length < 8) {
    return constraintError(`${path}.uri`, uri, 'must satisfy regular expression pattern: ^s3://[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9](/.*)?$');
  }
  if (value.bucketOwner !== undefined && value.bucketOwner !== null) {
    const owner = value.bucketOwner;
    if (typeof owner !== 'string' || !/^[0-9]{12}$/.test(owner)) {
      return constraintError(`${path}.bucketOwner`, owner, 'must satisfy regular expression pattern: [0-9]{12}');
    }
  }
  return undefined;
}

interface MediaCount {
  inline: number;
  remote: number;
}

/** An image, video or audio block: `format` and a `bytes` / `s3Location` source. */
function checkMedia(value: unknown, path: string, formats: readonly string[], count: MediaCount | undefined): AwsError | undefined {
  if (!isObject(value)) return mustBe(path, value, 'a structure');
  const format = checkEnum(value.format, `${path}.format`, formats, true);
  if (typeof format !== 'string') return format;
  const source = unionMember(value.source, `${path}.source`, MEDIA_SOURCE_MEMBERS);
  if (typeof source !== 'string') return source;
  const sources = value.source as Json;
  const failure =
    source === 'bytes' ? checkBlob(sources.bytes, `${path}.source.bytes`) : checkS3Location(sources.s3Location, `${path}.source.s3Location`);
  if (failure !== undefined) return failure;
  if (count !== undefined) {
    if (source === 'bytes') count.inline++;
    else count.remote++;
  }
  return undefined;
}

function checkDocument(value: unknown, path: string): number | AwsError {
  if (!isObject(value)) return mustBe(path, value, 'a structure');
  if (value.format !== undefined && value.format !== null) {
    const format = checkEnum(value.format, `${path}.format`, DOCUMENT_FORMATS, false);
    if (typeof format === 'object') return format;
  }
  const name = checkString(value.name, `${path}.name`, 1, 200);
  if (typeof name !== 'string') return name;
  const source = unionMember(value.source, `${path}.source`, DOCUMENT_SOURCE_MEMBERS);
  if (typeof source !== 'string') return source;
  const sources = value.source as Json;
  let tokens = TOKENS_PER_MEDIA;
  if (source === 'bytes') {
    const failure = checkBlob(sources.bytes, `${path}.source.bytes`);
    if (failure !== undefined) return failure;
  } else if (source === 's3Location') {
    const failure = checkS3Location(sources.s3Location, `${path}.source.s3Location`);
    if (failure !== undefined) return failure;
  } else if (source === 'text') {
    const text = checkString(sources.text, `${path}.source.text`, 1);
    if (typeof text !== 'string') return text;
    tokens = countTokens(text);
  } else {
    const content = sources.content;
    if (!Array.isArray(content)) return mustBe(`${path}.source.content`, content, 'a list');
    tokens = 0;
    for (let index = 0; index < content.length; index++) {
      const place = `${path}.source.content.${index + 1}.member`;
      const member = unionMember(content[index], place, ['text']);
      if (typeof member !== 'string') return member;
      const text = checkString((content[index] as Json).text, `${place}.text`);
      if (typeof text !== 'string') return text;
      tokens += countTokens(text);
    }
  }
  return tokens;
}

function checkGuardContent(value: unknown, path: string): number | AwsError {
  const member = unionMember(value, path, ['text', 'image']);
  if (typeof member !== 'string') return member;
  const block = (value as Json)[member];
  if (member === 'image') {
    const failure = checkMedia(block, `${path}.image`, ['png', 'jpeg'], undefined);
    return failure ?? TOKENS_PER_MEDIA;
  }
  if (!isObject(block)) return mustBe(`${path}.text`, block, 'a structure');
  const text = checkString(block.text, `${path}.text.text`);
  if (typeof text !== 'string') return text;
  const qualifiers = block.qualifiers;
  if (qualifiers !== undefined && qualifiers !== null) {
    if (!Array.isArray(qualifiers)) return mustBe(`${path}.text.qualifiers`, qualifiers, 'a list');
    for (let index = 0; index < qualifiers.length; index++) {
      const qualifier = checkEnum(qualifiers[index], `${path}.text.qualifiers.${index + 1}.member`, QUALIFIERS, true);
      if (typeof qualifier === 'object') return qualifier;
    }
  }
  return countTokens(text);
}

/** A cache point's TTL in milliseconds, or the error. */
function checkCachePoint(value: unknown, path: string): number | AwsError {
  if (!isObject(value)) return mustBe(path, value, 'a structure');
  const type = checkEnum(value.type, `${path}.type`, ['default'], true);
  if (typeof type !== 'string') return type as AwsError;
  const ttl = checkEnum(value.ttl, `${path}.ttl`, CACHE_TTLS, false);
  if (typeof ttl === 'object') return ttl;
  return CACHE_TTL_MS[ttl ?? '5m'];
}

interface CacheMark {
  tokens: number;
  ttlMs: number;
  /** What precedes the cache point: 'tools' | 'system' | 'messages', with the position. */
  section: 'tools' | 'system' | 'messages';
  index: number;
  block: number;
}

class Scan {
  promptTokens = REPLY_PRIMING_TOKENS;
  /** Tokens in tools, system and messages, in that order (the order of a cache prefix). */
  prefixTokens = 0;
  media: MediaCount = { inline: 0, remote: 0 };
  cacheMark: CacheMark | undefined = undefined;
  cacheRequested = false;

  add(tokens: number): void {
    this.promptTokens += tokens;
    this.prefixTokens += tokens;
  }

  mark(ttlMs: number, section: CacheMark['section'], index: number, block: number): void {
    this.cacheRequested = true;
    this.cacheMark = { tokens: this.prefixTokens, ttlMs, section, index, block };
  }
}

function toolResultText(content: readonly unknown[]): string {
  let text = '';
  for (const item of content) {
    const block = item as Json;
    let piece: string | undefined;
    if (typeof block.text === 'string') piece = block.text;
    else if (block.json !== undefined && block.json !== null) piece = JSON.stringify(block.json);
    if (piece !== undefined) text = text === '' ? piece : text + ' ' + piece;
  }
  return text;
}

function checkToolResultContent(content: unknown, path: string, scan: Scan): AwsError | undefined {
  if (content === undefined || content === null) return notNull(path);
  if (!Array.isArray(content)) return mustBe(path, content, 'a list');
  for (let index = 0; index < content.length; index++) {
    const place = `${path}.${index + 1}.member`;
    const member = unionMember(content[index], place, TOOL_RESULT_MEMBERS);
    if (typeof member !== 'string') return member;
    const value = (content[index] as Json)[member];
    switch (member) {
      case 'text': {
        const text = checkString(value, `${place}.text`);
        if (typeof text !== 'string') return text;
        scan.add(countTokens(text));
        break;
      }
      case 'json':
        scan.add(countTokens(JSON.stringify(value)));
        break;
      case 'image': {
        const failure = checkMedia(value, `${place}.image`, IMAGE_FORMATS, scan.media);
        if (failure !== undefined) return failure;
        scan.add(TOKENS_PER_MEDIA);
        break;
      }
      case 'document': {
        const tokens = checkDocument(value, `${place}.document`);
        if (typeof tokens !== 'number') return tokens;
        scan.add(tokens);
        break;
      }
      case 'video': {
        const failure = checkMedia(value, `${place}.video`, VIDEO_FORMATS, undefined);
        if (failure !== undefined) return failure;
        scan.add(TOKENS_PER_MEDIA);
        break;
      }
      default:
        if (!isObject(value)) return mustBe(`${place}.${member}`, value, 'a structure');
    }
  }
  return undefined;
}

interface ToolUseSeen {
  readonly id: string;
  readonly name: string;
}

interface MessageScan {
  readonly role: string;
  readonly text: string;
  readonly hasText: boolean;
  readonly toolUses: ToolUseSeen[];
  readonly toolResults: { id: string; content: string; at: number }[];
}

function readMessage(message: unknown, index: number, scan: Scan): MessageScan | AwsError {
  const path = `messages.${index + 1}.member`;
  if (message === null || message === undefined) return notNull(path);
  if (!isObject(message)) return mustBe(path, message, 'a structure');
  const role = checkEnum(message.role, `${path}.role`, ROLES, true);
  if (typeof role !== 'string') return role as AwsError;
  const content = message.content;
  if (content === undefined || content === null) return notNull(`${path}.content`);
  if (!Array.isArray(content)) return mustBe(`${path}.content`, content, 'a list');
  if (content.length === 0) {
    return validationError(
      `The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.`,
    );
  }
  if (role === 'system') {
    return validationError(
      `The system role at messages.${index} is not supported by this model. Put system prompts in the system field and try again.`,
    );
  }
  scan.add(TOKENS_PER_MESSAGE);
  let text = '';
  let hasText = false;
  const toolUses: ToolUseSeen[] = [];
  const toolResults: MessageScan['toolResults'] = [];
  for (let blockIndex = 0; blockIndex < content.length; blockIndex++) {
    const place = `${path}.content.${blockIndex + 1}.member`;
    const member = unionMember(content[blockIndex], place, CONTENT_MEMBERS);
    if (typeof member !== 'string') return member;
    if ((role === 'assistant' && USER_ONLY.has(member)) || (role === 'user' && ASSISTANT_ONLY.has(member))) {
      return validationError(
        `The ${member} block at messages.${index}.content.${blockIndex} is not allowed in a message with the ${role} role.`,
      );
    }
    const value = (content[blockIndex] as Json)[member];
    switch (member) {
      case 'text': {
        const blockText = checkString(value, `${place}.text`);
        if (typeof blockText !== 'string') return blockText;
        if (blockText.trim() === '') {
          return validationError(
            `The text field in the ContentBlock object at messages.${index}.content.${blockIndex} is blank. Add text to the text field, and try again.`,
          );
        }
        scan.add(countTokens(blockText));
        text = hasText ? text + ' ' + blockText : blockText;
        hasText = true;
        break;
      }
      case 'image': {
        const failure = checkMedia(value, `${place}.image`, IMAGE_FORMATS, scan.media);
        if (failure !== undefined) return failure;
        scan.add(TOKENS_PER_MEDIA);
        break;
      }
      case 'video':
      case 'audio': {
        const failure = checkMedia(value, `${place}.${member}`, member === 'video' ? VIDEO_FORMATS : AUDIO_FORMATS, undefined);
        if (failure !== undefined) return failure;
        scan.add(TOKENS_PER_MEDIA);
        break;
      }
      case 'document': {
        const tokens = checkDocument(value, `${place}.document`);
        if (typeof tokens !== 'number') return tokens;
        scan.add(tokens);
        break;
      }
      case 'toolUse': {
        if (!isObject(value)) return mustBe(`${place}.toolUse`, value, 'a structure');
        const id = checkName(value.toolUseId, `${place}.toolUse.toolUseId`);
        if (typeof id !== 'string') return id;
        const name = checkName(value.name, `${place}.toolUse.name`);
        if (typeof name !== 'string') return name;
        if (value.input === undefined || value.input === null) return notNull(`${place}.toolUse.input`);
        if (!isObject(value.input)) {
          return validationError(
            `The input field of the toolUse block at messages.${index}.content.${blockIndex} must be a JSON object, not ${Array.isArray(value.input) ? 'an array' : `a ${typeof value.input}`}.`,
          );
        }
        scan.add(countTokens(name) + countTokens(JSON.stringify(value.input)));
        toolUses.push({ id, name });
        break;
      }
      case 'toolResult': {
        if (!isObject(value)) return mustBe(`${place}.toolResult`, value, 'a structure');
        const id = checkName(value.toolUseId, `${place}.toolResult.toolUseId`);
        if (typeof id !== 'string') return id;
        const failure = checkToolResultContent(value.content, `${place}.toolResult.content`, scan);
        if (failure !== undefined) return failure;
        const status = checkEnum(value.status, `${place}.toolResult.status`, TOOL_RESULT_STATUSES, false);
        if (typeof status === 'object') return status;
        toolResults.push({ id, content: toolResultText(value.content as unknown[]), at: blockIndex });
        break;
      }
      case 'guardContent': {
        const tokens = checkGuardContent(value, `${place}.guardContent`);
        if (typeof tokens !== 'number') return tokens;
        scan.add(tokens);
        break;
      }
      case 'cachePoint': {
        const ttlMs = checkCachePoint(value, `${place}.cachePoint`);
        if (typeof ttlMs !== 'number') return ttlMs;
        scan.mark(ttlMs, 'messages', index, blockIndex);
        break;
      }
      case 'reasoningContent': {
        const kind = unionMember(value, `${place}.reasoningContent`, ['reasoningText', 'redactedContent']);
        if (typeof kind !== 'string') return kind;
        const reasoning = (value as Json)[kind];
        if (kind === 'reasoningText') {
          if (!isObject(reasoning)) return mustBe(`${place}.reasoningContent.reasoningText`, reasoning, 'a structure');
          const reasoningText = checkString(reasoning.text, `${place}.reasoningContent.reasoningText.text`);
          if (typeof reasoningText !== 'string') return reasoningText;
          scan.add(countTokens(reasoningText));
        } else {
          const failure = checkBlob(reasoning, `${place}.reasoningContent.redactedContent`);
          if (failure !== undefined) return failure;
        }
        break;
      }
      default:
        // citationsContent, searchResult, toolAddition, toolRemoval: accepted as structures, not interpreted.
        if (!isObject(value)) return mustBe(`${place}.${member}`, value, 'a structure');
    }
  }
  return { role, text, hasText, toolUses, toolResults };
}

function readSystem(system: unknown, scan: Scan): AwsError | undefined {
  if (system === undefined || system === null) return undefined;
  if (!Array.isArray(system)) return mustBe('system', system, 'a list');
  let counted = false;
  for (let index = 0; index < system.length; index++) {
    const place = `system.${index + 1}.member`;
    const member = unionMember(system[index], place, SYSTEM_MEMBERS);
    if (typeof member !== 'string') return member;
    const value = (system[index] as Json)[member];
    if (member === 'cachePoint') {
      const ttlMs = checkCachePoint(value, `${place}.cachePoint`);
      if (typeof ttlMs !== 'number') return ttlMs;
      scan.mark(ttlMs, 'system', index, 0);
      continue;
    }
    if (!counted) {
      scan.add(TOKENS_PER_MESSAGE);
      counted = true;
    }
    if (member === 'text') {
      const text = checkString(value, `${place}.text`, 1);
      if (typeof text !== 'string') return text;
      scan.add(countTokens(text));
    } else {
      const tokens = checkGuardContent(value, `${place}.guardContent`);
      if (typeof tokens !== 'number') return tokens;
      scan.add(tokens);
    }
  }
  return undefined;
}

interface Inference {
  maxTokens: number;
  stop: string[];
}

function readInference(config: unknown): Inference | AwsError {
  const result: Inference = { maxTokens: Number.POSITIVE_INFINITY, stop: [] };
  if (config === undefined || config === null) return result;
  if (!isObject(config)) return mustBe('inferenceConfig', config, 'a structure');
  const maxTokens = config.maxTokens;
  if (maxTokens !== undefined && maxTokens !== null) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) return mustBe('inferenceConfig.maxTokens', maxTokens, 'an integer');
    if (maxTokens < 1) return constraintError('inferenceConfig.maxTokens', maxTokens, 'must have value greater than or equal to 1');
    result.maxTokens = maxTokens;
  }
  for (const field of ['temperature', 'topP'] as const) {
    const value = config[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) return mustBe(`inferenceConfig.${field}`, value, 'a float');
    if (value < 0) return constraintError(`inferenceConfig.${field}`, value, 'must have value greater than or equal to 0');
    if (value > 1) return constraintError(`inferenceConfig.${field}`, value, 'must have value less than or equal to 1');
  }
  const stops = config.stopSequences;
  if (stops !== undefined && stops !== null) {
    if (!Array.isArray(stops)) return mustBe('inferenceConfig.stopSequences', stops, 'a list');
    if (stops.length > MAX_STOP_SEQUENCES) {
      return constraintError('inferenceConfig.stopSequences', stops, `must have length less than or equal to ${MAX_STOP_SEQUENCES}`);
    }
    for (let index = 0; index < stops.length; index++) {
      const stop = checkString(stops[index], `inferenceConfig.stopSequences.${index + 1}.member`, 1);
      if (typeof stop !== 'string') return stop;
      result.stop.push(stop);
    }
  }
  return result;
}

interface Tools {
  readonly tools: ToolDefinition[];
  readonly choice: ToolChoice;
}

function readToolConfig(config: unknown, scan: Scan): Tools | undefined | AwsError {
  if (config === undefined || config === null) return undefined;
  if (!isObject(config)) return mustBe('toolConfig', config, 'a structure');
  const list = config.tools;
  if (list === undefined || list === null) return notNull('toolConfig.tools');
  if (!Array.isArray(list)) return mustBe('toolConfig.tools', list, 'a list');
  if (list.length === 0) return constraintError('toolConfig.tools', list, 'must have length greater than or equal to 1');
  const tools: ToolDefinition[] = [];
  for (let index = 0; index < list.length; index++) {
    const place = `toolConfig.tools.${index + 1}.member`;
    const member = unionMember(list[index], place, TOOL_MEMBERS);
    if (typeof member !== 'string') return member;
    const value = (list[index] as Json)[member];
    if (member === 'cachePoint') {
      const ttlMs = checkCachePoint(value, `${place}.cachePoint`);
      if (typeof ttlMs !== 'number') return ttlMs;
      scan.mark(ttlMs, 'tools', index, 0);
      continue;
    }
    if (!isObject(value)) return mustBe(`${place}.${member}`, value, 'a structure');
    const name = checkName(value.name, `${place}.${member}.name`);
    if (typeof name !== 'string') return name;
    if (tools.some((tool) => tool.name === name)) {
      return validationError(`The tool name ${name} at toolConfig.tools.${index} is used by more than one tool. Tool names must be unique.`);
    }
    scan.add(countTokens(JSON.stringify(list[index])));
    if (member === 'systemTool') {
      tools.push({ name, parameters: undefined });
      continue;
    }
    if (value.description !== undefined && value.description !== null) {
      const description = checkString(value.description, `${place}.toolSpec.description`, 1);
      if (typeof description !== 'string') return description;
    }
    const schemaKind = unionMember(value.inputSchema, `${place}.toolSpec.inputSchema`, ['json']);
    if (typeof schemaKind !== 'string') return schemaKind;
    const schema = (value.inputSchema as Json).json;
    if (!isObject(schema)) return mustBe(`${place}.toolSpec.inputSchema.json`, schema, 'a JSON object');
    if (value.strict !== undefined && value.strict !== null && typeof value.strict !== 'boolean') {
      return mustBe(`${place}.toolSpec.strict`, value.strict, 'a boolean');
    }
    tools.push({ name, parameters: schema });
  }
  let choice: ToolChoice = 'auto';
  const rawChoice = config.toolChoice;
  if (rawChoice !== undefined && rawChoice !== null) {
    const kind = unionMember(rawChoice, 'toolConfig.toolChoice', TOOL_CHOICE_MEMBERS);
    if (typeof kind !== 'string') return kind;
    const value = (rawChoice as Json)[kind];
    if (!isObject(value)) return mustBe(`toolConfig.toolChoice.${kind}`, value, 'a structure');
    if (kind === 'any') choice = 'required';
    else if (kind === 'tool') {
      const name = checkName(value.name, 'toolConfig.toolChoice.tool.name');
      if (typeof name !== 'string') return name;
      if (!tools.some((tool) => tool.name === name)) {
        return validationError(`The tool ${name} in toolConfig.toolChoice isn't defined in toolConfig.tools. Define the tool and try again.`);
      }
      choice = { name };
    }
  }
  return { tools, choice };
}

function readOutputConfig(config: unknown, scan: Scan): ResponseFormat | AwsError {
  if (config === undefined || config === null) return { type: 'text' };
  if (!isObject(config)) return mustBe('outputConfig', config, 'a structure');
  if (config.effort !== undefined && config.effort !== null && typeof config.effort !== 'string') {
    return mustBe('outputConfig.effort', config.effort, 'a string');
  }
  const format = config.textFormat;
  if (format === undefined || format === null) return { type: 'text' };
  if (!isObject(format)) return mustBe('outputConfig.textFormat', format, 'a structure');
  const type = checkEnum(format.type, 'outputConfig.textFormat.type', ['json_schema'], true);
  if (typeof type !== 'string') return type as AwsError;
  const structure = unionMember(format.structure, 'outputConfig.textFormat.structure', ['jsonSchema']);
  if (typeof structure !== 'string') return structure;
  const definition = (format.structure as Json).jsonSchema;
  if (!isObject(definition)) return mustBe('outputConfig.textFormat.structure.jsonSchema', definition, 'a structure');
  const schemaText = checkString(definition.schema, 'outputConfig.textFormat.structure.jsonSchema.schema', 1);
  if (typeof schemaText !== 'string') return schemaText;
  let schema: unknown;
  try {
    schema = JSON.parse(schemaText);
  } catch {
    return validationError('The JSON schema in outputConfig.textFormat.structure.jsonSchema.schema is not valid JSON. Provide a valid JSON schema and try again.');
  }
  if (!isObject(schema)) {
    return validationError('The JSON schema in outputConfig.textFormat.structure.jsonSchema.schema must be a JSON object.');
  }
  let name = 'response';
  if (definition.name !== undefined && definition.name !== null) {
    const given = checkString(definition.name, 'outputConfig.textFormat.structure.jsonSchema.name', 1);
    if (typeof given !== 'string') return given;
    name = given;
  }
  scan.promptTokens += countTokens(JSON.stringify(format));
  return { type: 'json_schema', name, schema };
}

function readOtherFields(request: Json): { latency: string | undefined; serviceTier: string | undefined } | AwsError {
  const guardrail = request.guardrailConfig;
  if (guardrail !== undefined && guardrail !== null) {
    if (!isObject(guardrail)) return mustBe('guardrailConfig', guardrail, 'a structure');
    const identifier = checkString(guardrail.guardrailIdentifier, 'guardrailConfig.guardrailIdentifier', 0, 2048);
    if (typeof identifier !== 'string') return identifier;
    if (!/^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+))$/.test(identifier)) {
      return constraintError(
        'guardrailConfig.guardrailIdentifier',
        identifier,
        'must satisfy regular expression pattern: (([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))',
      );
    }
    const version = checkString(guardrail.guardrailVersion, 'guardrailConfig.guardrailVersion');
    if (typeof version !== 'string') return version;
    if (!/^(([1-9][0-9]{0,7})|(DRAFT))$/.test(version)) {
      return constraintError('guardrailConfig.guardrailVersion', version, 'must satisfy regular expression pattern: (([1-9][0-9]{0,7})|(DRAFT))');
    }
    const trace = checkEnum(guardrail.trace, 'guardrailConfig.trace', GUARDRAIL_TRACES, false);
    if (typeof trace === 'object') return trace;
  }
  const extra = request.additionalModelRequestFields;
  if (extra !== undefined && extra !== null && !isObject(extra)) {
    return mustBe('additionalModelRequestFields', extra, 'a JSON object');
  }
  const paths = request.additionalModelResponseFieldPaths;
  if (paths !== undefined && paths !== null) {
    if (!Array.isArray(paths)) return mustBe('additionalModelResponseFieldPaths', paths, 'a list');
    if (paths.length > 10) return constraintError('additionalModelResponseFieldPaths', paths, 'must have length less than or equal to 10');
    for (let index = 0; index < paths.length; index++) {
      const path = checkString(paths[index], `additionalModelResponseFieldPaths.${index + 1}.member`, 1, 256);
      if (typeof path !== 'string') return path;
    }
  }
  const metadata = request.requestMetadata;
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata)) return mustBe('requestMetadata', metadata, 'a map');
    const keys = Object.keys(metadata);
    if (keys.length < 1 || keys.length > 16) {
      return constraintError('requestMetadata', undefined, 'must have length between 1 and 16');
    }
    for (const key of keys) {
      const value = checkString(metadata[key], `requestMetadata.${key}`, 0, 256);
      if (typeof value !== 'string') return value;
    }
  }
  const variables = request.promptVariables;
  if (variables !== undefined && variables !== null && !isObject(variables)) return mustBe('promptVariables', variables, 'a map');
  let latency: string | undefined;
  const performance = request.performanceConfig;
  if (performance !== undefined && performance !== null) {
    if (!isObject(performance)) return mustBe('performanceConfig', performance, 'a structure');
    const value = checkEnum(performance.latency, 'performanceConfig.latency', LATENCIES, false);
    if (typeof value === 'object') return value;
    latency = value ?? 'standard';
  }
  let serviceTier: string | undefined;
  const tier = request.serviceTier;
  if (tier !== undefined && tier !== null) {
    if (!isObject(tier)) return mustBe('serviceTier', tier, 'a structure');
    const value = checkEnum(tier.type, 'serviceTier.type', SERVICE_TIERS, true);
    if (typeof value !== 'string') return value as AwsError;
    serviceTier = value;
  }
  return { latency, serviceTier };
}

/** The cache key of the prefix before the last cache point. */
function cacheKey(model: string, request: Json, mark: CacheMark): string {
  const tools = (request.toolConfig as Json | undefined)?.tools as unknown[] | undefined;
  const system = request.system as unknown[] | undefined;
  const messages = request.messages as Json[];
  let prefix: unknown;
  if (mark.section === 'tools') prefix = [tools?.slice(0, mark.index)];
  else if (mark.section === 'system') prefix = [tools, system?.slice(0, mark.index)];
  else {
    const message = messages[mark.index];
    prefix = [tools, system, messages.slice(0, mark.index), message.role, (message.content as unknown[]).slice(0, mark.block)];
  }
  return model + '\n' + createHash('sha256').update(JSON.stringify(prefix)).digest('base64');
}

/**
 * Reads a Converse request. `model` is the resolved model ID (the reply names it); `stream` says which operation.
 */
export function readConverseRequest(body: unknown, model: string, stream: boolean): ConverseInput | AwsError {
  if (!isObject(body)) return mustBe('body', body, 'a structure');
  // Unknown members are ignored, as AWS's JSON protocols do (they stay visible in `received`).
  const request = body;
  const scan = new Scan();
  const inference = readInference(request.inferenceConfig);
  if (!('stop' in inference)) return inference;
  const tools = readToolConfig(request.toolConfig, scan);
  if (tools !== undefined && !('tools' in tools)) return tools;
  const responseFormat = readOutputConfig(request.outputConfig, scan);
  if ('status' in responseFormat) return responseFormat;
  const other = readOtherFields(request);
  if ('status' in other) return other;
  const systemFailure = readSystem(request.system, scan);
  if (systemFailure !== undefined) return systemFailure;

  const messages = request.messages;
  if (messages !== undefined && messages !== null && !Array.isArray(messages)) return mustBe('messages', messages, 'a list');
  if (!Array.isArray(messages) || messages.length === 0) return validationError(FIRST_MESSAGE_NOT_USER);
  const scanned: MessageScan[] = [];
  let usesTools = false;
  for (let index = 0; index < messages.length; index++) {
    const message = readMessage(messages[index], index, scan);
    if ('status' in message) return message;
    scanned.push(message);
    if (message.toolUses.length > 0 || message.toolResults.length > 0) usesTools = true;
  }
  // Conversation rules.
  if (scanned[0].role !== 'user') return validationError(FIRST_MESSAGE_NOT_USER);
  for (let index = 1; index < scanned.length; index++) {
    if (scanned[index].role === scanned[index - 1].role) return validationError(ROLES_NOT_ALTERNATING);
  }
  if (usesTools && tools === undefined) return validationError(TOOL_CONFIG_REQUIRED);
  for (let index = 0; index < scanned.length; index++) {
    const message = scanned[index];
    if (message.role === 'assistant' && message.toolUses.length > 0 && index + 1 < scanned.length) {
      const answered = new Set(scanned[index + 1].toolResults.map((result) => result.id));
      const missing = message.toolUses.filter((use) => !answered.has(use.id)).map((use) => use.id);
      if (missing.length > 0) {
        return validationError(`Expected toolResult blocks at messages.${index + 1}.content for the following Ids: ${missing.join(', ')}`);
      }
    }
    if (message.toolResults.length > 0) {
      const previous = index > 0 ? scanned[index - 1].toolUses : [];
      if (message.toolResults.length > previous.length) {
        return validationError(
          `The number of toolResult blocks at messages.${index}.content exceeds the number of toolUse blocks of previous turn.`,
        );
      }
      for (const result of message.toolResults) {
        if (!previous.some((use) => use.id === result.id)) {
          return validationError(
            `The toolUseId ${result.id} of the toolResult block at messages.${index}.content.${result.at} doesn't match any toolUse block of the previous turn.`,
          );
        }
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
  if (last.role === 'user' && last.toolResults.length > 0) {
    const uses = scanned[scanned.length - 2].toolUses;
    for (const result of last.toolResults) {
      toolResults.push({ name: uses.find((use) => use.id === result.id)?.name ?? result.id, content: result.content });
    }
  }
  const mark = scan.cacheMark;
  const cache =
    mark !== undefined && mark.tokens >= CACHE_MINIMUM_TOKENS
      ? { key: cacheKey(model, request, mark), tokens: mark.tokens, ttlMs: mark.ttlMs }
      : undefined;
  const chat: ChatInput = {
    model,
    stream,
    includeUsage: true,
    includeObfuscation: false,
    maxTokens: inference.maxTokens,
    reasoningTokens: 0,
    stop: inference.stop,
    tools: tools?.tools ?? [],
    toolChoice: tools?.choice ?? 'auto',
    parallelToolCalls: true,
    responseFormat,
    serviceTier: 'default',
    lastUserText,
    toolResults,
    imagesInline: scan.media.inline,
    imagesRemote: scan.media.remote,
    promptTokens: scan.promptTokens,
  };
  return { chat, cacheRequested: scan.cacheRequested, cache, latency: other.latency, serviceTier: other.serviceTier };
}
