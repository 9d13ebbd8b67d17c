/**
 * The canonical chat request as a Gemini `generateContent` / `streamGenerateContent` body on Vertex AI (the model
 * travels in the URL, never in the body). The body is a plain JSON value.
 *
 * Rules (the params named in refusals are the OpenAI chat body's, the frontend the request most often comes from):
 * - `system` and `developer` messages, wherever they appear, are joined in order (blank line between) into one
 *   `systemInstruction` text part.
 * - `user` → role `user`, `assistant` → role `model`. Gemini wants the roles to alternate: consecutive messages of
 *   one role are merged into one turn. `tool` messages become `functionResponse` parts of a user turn; consecutive
 *   tool results share one turn, ordered as their calls were in the assistant message (Gemini pairs responses with
 *   calls by name and order), and come before any user text of the same turn.
 * - Gemini refuses empty text: empty text is skipped, and a message left without any part is dropped (its
 *   neighbours may then merge). A request with no message besides system messages is refused (`invalid_request`).
 * - Images: inline data and `data:` URIs (`image/*`, base64) become `inlineData { mimeType, data }`, base64 as is;
 *   `https:` URLs must have been fetched by the caller into `images` (see `collectImageUrls`). Other schemes are
 *   refused (`invalid_request` naming the param). The type is sent canonical (`image/jpg` as `image/jpeg`); one
 *   Gemini does not take (`geminiImageTypes`: a GIF, say) is refused naming it (routing passes a Gemini channel over
 *   for inline images of such a type, so this is reached only for a fetched image). Image `detail` has no Gemini
 *   equivalent and is dropped.
 * - Assistant tool calls → `functionCall { name, args }` parts, `args` the parsed arguments object (an empty string
 *   is `{}`; arguments that are not a JSON object are refused, naming the param). The OpenAI id is not sent (see
 *   tool-call-ids.ts). Each carries the `thoughtSignature` `skip_thought_signature_validator`: Gemini 3 refuses a
 *   history whose function calls lack the signature it returned with them, OpenAI's format has no place to carry
 *   that signature back, and this is the value Google documents for calls whose signature is not available.
 * - `tool` messages → `functionResponse { name, response: { output: <text> } }` (`output` is the key Gemini reads as
 *   the function's result; the text is passed as is, JSON or not). The name comes from the preceding assistant
 *   message that declared the `toolCallId`; an id no assistant message declared is refused (`invalid_request`,
 *   param `messages[i].tool_call_id`).
 * - `tools` → one `tools` entry with every `functionDeclarations { name, description, parameters | parametersJsonSchema }`
 *   (the schema converted by convert-schema.ts; `strict` is not forwarded). Tool choice `auto` / `required` /
 *   `none` → `toolConfig.functionCallingConfig.mode` `AUTO` / `ANY` / `NONE`, a named function → `ANY` with
 *   `allowedFunctionNames: [name]`. Without tools, the tool choice is ignored.
 * - `maxOutputTokens` → `generationConfig.maxOutputTokens`, `stop` → `stopSequences` (empty strings dropped),
 *   `temperature`, `topP`, `seed`.
 * - Response format `json-object` → `responseMimeType: 'application/json'`; `json-schema` → the same plus
 *   `responseSchema` (converted) or `responseJsonSchema` (see convert-schema.ts).
 * - Not Gemini fields, dropped: `user`, `parallelToolCalls` (Gemini has no switch), message `name`s, image `detail`,
 *   and every field the gateway does not model (`presence_penalty`, `frequency_penalty`, `logprobs`,
 *   `reasoning_effort`…): the OpenAI pass-through is never read here.
 */
import { imageParam, startsWithScheme, unsupportedScheme } from '../http/image-urls.ts';
import { GatewayError } from '../../errors/index.ts';
import { canonicalImageType, type AssistantMessage, type ChatRequest, type FunctionTool, type ImageSource, type TextContentPart, type ToolChoice, type UserContentPart } from '../../spec/index.ts';
import { geminiImageTypes } from './settings.ts';
import { convertResponseSchema, convertToolParameters, type GeminiSchema } from './convert-schema.ts';
import type { DeclaredToolCall } from './tool-call-ids.ts';

/** An image fetched by the gateway before conversion. */
export interface GeminiImage {
  mimeType: string;
  /** Base64. */
  data: string;
}

export type GeminiPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: { output: string } } };

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
  parametersJsonSchema?: unknown;
}

export interface GeminiFunctionCallingConfig {
  mode: 'AUTO' | 'ANY' | 'NONE';
  allowedFunctionNames?: string[];
}

export interface GeminiGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stopSequences?: string[];
  responseMimeType?: string;
  responseSchema?: GeminiSchema;
  responseJsonSchema?: unknown;
}

export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: { functionCallingConfig: GeminiFunctionCallingConfig };
  generationConfig?: GeminiGenerationConfig;
}

/** Google's documented stand-in for a function call's thought signature that the client could not keep. */
export const skippedThoughtSignature = 'skip_thought_signature_validator';

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
const dataUriPattern = /^data:([^;,]*)((?:;[^;,]*)*),/i;

export function convertToGeminiRequest(request: ChatRequest, images: ReadonlyMap<string, GeminiImage>): GeminiRequestBody {
  const system: string[] = [];
  const turns: Turn[] = [];
  const declaredCalls = new Map<string, DeclaredToolCall>();
  const messages = request.messages;

  for (let messageIndex = 0; messageIndex < messages.length; messageIndex++) {
    const message = messages[messageIndex];
    switch (message.role) {
      case 'system':
      case 'developer':
        appendTexts(system, message.content);
        break;
      case 'user': {
        const parts = userParts(message.content, messageIndex, images);
        if (parts.length > 0) turnFor(turns, 'user').parts.push(...parts);
        break;
      }
      case 'assistant': {
        const parts = assistantParts(message, messageIndex, declaredCalls);
        if (parts.length > 0) turnFor(turns, 'model').parts.push(...parts);
        break;
      }
      case 'tool': {
        const declared = declaredCalls.get(message.toolCallId);
        if (declared === undefined) {
          throw new GatewayError('invalid_request', `messages[${messageIndex}].tool_call_id ${JSON.stringify(message.toolCallId)} does not match a tool call of a preceding assistant message`, {
            param: `messages[${messageIndex}].tool_call_id`,
          });
        }
        const texts: string[] = [];
        appendTexts(texts, message.content);
        turnFor(turns, 'user').toolResults.push({
          declared,
          part: { functionResponse: { name: declared.name, response: { output: texts.join('') } } },
        });
        break;
      }
      default:
        throw new GatewayError('invalid_request', `messages[${messageIndex}].role ${JSON.stringify((message as { role: unknown }).role)} is not supported`, {
          param: `messages[${messageIndex}].role`,
        });
    }
  }

  if (turns.length === 0) {
    throw new GatewayError('invalid_request', 'Gemini needs at least one message with content besides system messages', { param: 'messages' });
  }

  const body: GeminiRequestBody = { contents: turns.map(toContent) };
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };

  const tools = request.tools;
  if (tools !== undefined && tools.length > 0) {
    body.tools = [{ functionDeclarations: tools.map(toFunctionDeclaration) }];
    const functionCallingConfig = convertToolChoice(request.toolChoice);
    if (functionCallingConfig !== undefined) body.toolConfig = { functionCallingConfig };
  }

  const generationConfig = convertGenerationConfig(request);
  if (generationConfig !== undefined) body.generationConfig = generationConfig;
  return body;
}

interface ToolResult {
  declared: DeclaredToolCall;
  part: GeminiPart;
}

interface Turn {
  role: 'user' | 'model';
  toolResults: ToolResult[];
  parts: GeminiPart[];
}

function turnFor(turns: Turn[], role: 'user' | 'model'): Turn {
  const last = turns.at(-1);
  if (last !== undefined && last.role === role) return last;
  const turn: Turn = { role, toolResults: [], parts: [] };
  turns.push(turn);
  return turn;
}

function toContent(turn: Turn): GeminiContent {
  if (turn.toolResults.length === 0) return { role: turn.role, parts: turn.parts };
  const results = turn.toolResults;
  if (results.length > 1) results.sort(byDeclaration);
  const parts: GeminiPart[] = results.map((result) => result.part);
  for (const part of turn.parts) parts.push(part);
  return { role: turn.role, parts };
}

/** Results in the order their calls were declared (stable: results for one call keep their order). */
function byDeclaration(first: ToolResult, second: ToolResult): number {
  return first.declared.messageIndex - second.declared.messageIndex || first.declared.position - second.declared.position;
}

/** Appends the non-empty text of a string or text parts. */
function appendTexts(target: string[], content: string | readonly TextContentPart[] | undefined): void {
  if (typeof content === 'string') {
    if (content !== '') target.push(content);
    return;
  }
  if (content === undefined) return;
  for (const part of content) if (part.text !== '') target.push(part.text);
}

function userParts(content: string | readonly UserContentPart[], messageIndex: number, images: ReadonlyMap<string, GeminiImage>): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const parts: GeminiPart[] = [];
  for (let partIndex = 0; partIndex < content.length; partIndex++) {
    const part = content[partIndex];
    if (part.type === 'text') {
      if (part.text !== '') parts.push({ text: part.text });
    } else if (part.type === 'image') {
      parts.push({ inlineData: convertImage(part.source, imageParam(messageIndex, partIndex), images) });
    }
  }
  return parts;
}

function convertImage(source: ImageSource, param: string, images: ReadonlyMap<string, GeminiImage>): { mimeType: string; data: string } {
  if (source.type === 'data') return convertInline(source.mediaType, source.data, param);
  const url = source.url;
  if (startsWithScheme(url, 'data:')) return convertDataUri(url, param);
  if (!startsWithScheme(url, 'https:')) throw unsupportedScheme(url, param);
  const fetched = images.get(url);
  if (fetched === undefined) {
    // collectImageUrls names every https URL; a missing one is the caller's bug, not the client's.
    throw new GatewayError('internal_error', `the image at ${param} was not fetched before conversion`, { param });
  }
  return { mimeType: supportedMimeType(fetched.mimeType, param), data: fetched.data };
}

function supportedMimeType(mimeType: string, param: string): string {
  if (!geminiImageTypes.includes(mimeType)) {
    throw new GatewayError('invalid_request', `${param} is an image of type ${mimeType}; Gemini on Vertex AI takes ${geminiImageTypes.join(', ')}`, { param });
  }
  return mimeType;
}

function convertDataUri(url: string, param: string): { mimeType: string; data: string } {
  const match = dataUriPattern.exec(url);
  if (match === null) throw new GatewayError('invalid_request', `${param} is not a valid data URI`, { param });
  if (!/;base64$/i.test(match[2])) {
    // The type is checked first, as it always was, so the refusal names the more useful problem.
    const mimeType = checkedMimeType(match[1], param);
    throw new GatewayError('invalid_request', `${param} must be a base64 data URI (data:${mimeType};base64,…)`, { param });
  }
  return convertInline(match[1], url.slice(match[0].length), param);
}

function checkedMimeType(mediaType: string, param: string): string {
  const mimeType = canonicalImageType(mediaType);
  if (!/^image\/[a-z0-9.+-]+$/.test(mimeType)) {
    throw new GatewayError('invalid_request', `${param} has type ${JSON.stringify(mimeType)}; an image_url must carry an image (image/png, image/jpeg, image/webp…)`, { param });
  }
  return mimeType;
}

function convertInline(mediaType: string, data: string, param: string): { mimeType: string; data: string } {
  const mimeType = supportedMimeType(checkedMimeType(mediaType, param), param);
  if (data.length === 0 || data.length % 4 === 1 || !base64Pattern.test(data)) {
    throw new GatewayError('invalid_request', `${param} does not carry valid base64 image data`, { param });
  }
  return { mimeType, data };
}

function assistantParts(message: AssistantMessage, messageIndex: number, declaredCalls: Map<string, DeclaredToolCall>): GeminiPart[] {
  const texts: string[] = [];
  appendTexts(texts, message.content);
  if (texts.length === 0 && message.refusal !== undefined && message.refusal !== '') texts.push(message.refusal);
  const parts: GeminiPart[] = texts.map((text) => ({ text }));
  const toolCalls = message.toolCalls;
  if (toolCalls === undefined || toolCalls.length === 0) return parts;
  for (let position = 0; position < toolCalls.length; position++) {
    const call = toolCalls[position];
    const name = call.name;
    declaredCalls.set(call.id, { name, messageIndex, position });
    parts.push({
      functionCall: { name, args: parseArguments(call.arguments, `messages[${messageIndex}].tool_calls[${position}].function.arguments`) },
      thoughtSignature: skippedThoughtSignature,
    });
  }
  return parts;
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
    throw new GatewayError('invalid_request', `${param} must be a JSON object; Gemini takes function call arguments as an object`, { param });
  }
  return parsed as Record<string, unknown>;
}

function toFunctionDeclaration(tool: FunctionTool): GeminiFunctionDeclaration {
  const declaration: GeminiFunctionDeclaration = { name: tool.name };
  const description = tool.description;
  if (description !== undefined && description !== '') declaration.description = description;
  return Object.assign(declaration, convertToolParameters(tool.parameters));
}

function convertToolChoice(choice: ToolChoice | undefined): GeminiFunctionCallingConfig | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'required') return { mode: 'ANY' };
  if (choice === 'none') return { mode: 'NONE' };
  return { mode: 'ANY', allowedFunctionNames: [choice.name] };
}

function convertGenerationConfig(request: ChatRequest): GeminiGenerationConfig | undefined {
  const config: GeminiGenerationConfig = {};
  if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.seed !== undefined) config.seed = request.seed;
  const stopSequences = request.stop?.filter((sequence) => sequence !== '');
  if (stopSequences !== undefined && stopSequences.length > 0) config.stopSequences = stopSequences;
  const responseFormat = request.responseFormat;
  if (responseFormat?.type === 'json-object' || responseFormat?.type === 'json-schema') {
    config.responseMimeType = 'application/json';
    const schema = responseFormat.type === 'json-schema' ? responseFormat.schema : undefined;
    if (schema !== undefined && schema !== null) Object.assign(config, convertResponseSchema(schema));
  }
  return Object.keys(config).length > 0 ? config : undefined;
}
