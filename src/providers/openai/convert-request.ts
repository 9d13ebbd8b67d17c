/**
 * The canonical request as an OpenAI-dialect body.
 *
 * When the OpenAI chat frontend attached the client's body (`passthrough` of dialect `openai-chat`), it is forwarded as sent, so fields the gateway
 * does not model still reach the upstream, with the upstream model in place and the stream options the gateway needs.
 * Otherwise (a request from another frontend) the neutral request is encoded field by field; what the gateway does not
 * model is then simply not there.
 *
 * Either way, what the upstream's dialect requires:
 * - one output limit: `max_completion_tokens` wins when both are sent (the frontend's precedence, the same for every
 *   upstream), in the field the dialect knows; the other is never sent;
 * - `stream_options` only where the upstream accepts it (older Azure api-versions refuse it);
 * - `developer` messages as `system` for an upstream that predates the role;
 * - an assistant turn that carries only a `refusal` gets the refusal as its `content` too (OpenAI refuses an assistant
 *   message whose content is null without tool calls).
 */
import type {
  ChatMessage,
  ChatRequest,
  EmbeddingRequest,
  FunctionTool,
  ImageSource,
  ResponseFormat,
  TextContentPart,
  ToolChoice,
  UserContentPart,
} from '../../spec/index.ts';

export interface OpenAIDialect {
  /**
   * The output-limit field this upstream understands: OpenAI takes either as sent; many self-hosted servers (and
   * Azure before api-version 2024-09-01-preview) know only `max_tokens`.
   */
  readonly maxTokensField: 'as-sent' | 'max_tokens';
  /**
   * Whether the upstream accepts `stream_options` (default true). Without it no usage is asked for: the adapter
   * estimates a stream's usage instead.
   */
  readonly streamOptions?: boolean;
  /** Whether the upstream knows the `developer` role (default true); without it, developer messages go as `system`. */
  readonly developerRole?: boolean;
}

/** The field the output limit goes in: the client's spelling, unless the upstream knows only `max_tokens`. */
function limitField(request: ChatRequest, dialect: OpenAIDialect): 'max_completion_tokens' | 'max_tokens' {
  return request.usesMaxCompletionTokens && dialect.maxTokensField === 'as-sent' ? 'max_completion_tokens' : 'max_tokens';
}

export function convertChatRequest(request: ChatRequest, upstreamModel: string, dialect: OpenAIDialect, stream: boolean): string {
  const passthrough = request.passthrough;
  // A Responses body is forwarded only to a Responses API (convert-responses.ts); chat completions get the encoding.
  if (passthrough === undefined || passthrough.dialect !== 'openai-chat') return JSON.stringify(encodeChatRequest(request, upstreamModel, dialect, stream));
  const body: Record<string, unknown> = { ...passthrough.body, model: upstreamModel };
  if (stream) {
    body.stream = true;
    // Usage is always requested upstream so the gateway can meter every stream; the frontend forwards it only when
    // the client asked.
    if (dialect.streamOptions !== false) body.stream_options = { ...(passthrough.body.stream_options as object | undefined), include_usage: true };
    else if (body.stream_options !== undefined) delete body.stream_options;
  } else {
    if (body.stream !== undefined) body.stream = false;
    if (body.stream_options !== undefined) delete body.stream_options;
  }
  const limit = request.maxOutputTokens;
  if (limit !== undefined) {
    const field = limitField(request, dialect);
    const other = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
    if (body[field] !== limit) body[field] = limit;
    if (body[other] !== undefined) delete body[other];
  } else if (dialect.maxTokensField === 'max_tokens' && body.max_completion_tokens !== undefined) {
    // A client's `max_completion_tokens: null` (no limit) is still a field an upstream without it may refuse.
    delete body.max_completion_tokens;
  }
  if (passthrough.refusalOnlyTurns === true || dialect.developerRole === false) {
    const messages = rewriteMessages(passthrough.body.messages as Array<Record<string, unknown>>, dialect);
    if (messages !== undefined) body.messages = messages;
  }
  return JSON.stringify(body);
}

/** The client's messages with what this dialect cannot take rewritten; undefined when nothing needed it. */
function rewriteMessages(messages: Array<Record<string, unknown>>, dialect: OpenAIDialect): Array<Record<string, unknown>> | undefined {
  let copy: Array<Record<string, unknown>> | undefined;
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    let rewritten: Record<string, unknown> | undefined;
    if (message.role === 'developer' && dialect.developerRole === false) rewritten = { ...message, role: 'system' };
    else if (message.role === 'assistant' && (message.content === undefined || message.content === null) && typeof message.refusal === 'string') {
      const calls = message.tool_calls;
      if (calls === undefined || calls === null) rewritten = { ...message, content: message.refusal };
    }
    if (rewritten === undefined) continue;
    copy ??= messages.slice();
    copy[index] = rewritten;
  }
  return copy;
}

/** The neutral request as an OpenAI chat completion body (the path for requests without a pass-through). */
export function encodeChatRequest(request: ChatRequest, upstreamModel: string, dialect: OpenAIDialect, stream: boolean): Record<string, unknown> {
  const developerRole = dialect.developerRole !== false;
  const body: Record<string, unknown> = {
    model: upstreamModel,
    messages: request.messages.map((message) => encodeMessage(message, developerRole)),
  };
  if (stream) {
    body.stream = true;
    if (dialect.streamOptions !== false) body.stream_options = { include_usage: true };
  }
  if (request.maxOutputTokens !== undefined) body[limitField(request, dialect)] = request.maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.user !== undefined) body.user = request.user;
  if (request.tools !== undefined) body.tools = request.tools.map(encodeTool);
  if (request.toolChoice !== undefined) body.tool_choice = encodeToolChoice(request.toolChoice);
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat !== undefined) body.response_format = encodeResponseFormat(request.responseFormat);
  return body;
}

function encodeMessage(message: ChatMessage, developerRole: boolean): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'developer':
      return withName({ role: developerRole ? message.role : 'system', content: encodeText(message.content) }, message.name);
    case 'user':
      return withName({ role: 'user', content: typeof message.content === 'string' ? message.content : message.content.map(encodeUserPart) }, message.name);
    case 'assistant': {
      // OpenAI's own SDKs send `content: null` for a turn of tool calls only; a refusal-only turn needs its content.
      let content: unknown = null;
      if (message.content !== undefined) content = encodeText(message.content);
      else if (message.toolCalls === undefined && message.refusal !== undefined) content = message.refusal;
      const encoded: Record<string, unknown> = { role: 'assistant', content };
      if (message.toolCalls !== undefined) {
        encoded.tool_calls = message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
      }
      if (message.refusal !== undefined) encoded.refusal = message.refusal;
      return withName(encoded, message.name);
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: encodeText(message.content) };
  }
}

function withName(encoded: Record<string, unknown>, name: string | undefined): Record<string, unknown> {
  if (name !== undefined) encoded.name = name;
  return encoded;
}

function encodeText(content: string | readonly TextContentPart[]): string | Array<{ type: 'text'; text: string }> {
  return typeof content === 'string' ? content : content.map((part) => ({ type: 'text', text: part.text }));
}

function encodeUserPart(part: UserContentPart): Record<string, unknown> {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const image: Record<string, unknown> = { url: imageUrl(part.source) };
  if (part.detail !== undefined) image.detail = part.detail;
  return { type: 'image_url', image_url: image };
}

function imageUrl(source: ImageSource): string {
  return source.type === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}

function encodeTool(tool: FunctionTool): Record<string, unknown> {
  const fn: Record<string, unknown> = { name: tool.name };
  if (tool.description !== undefined) fn.description = tool.description;
  if (tool.parameters !== undefined) fn.parameters = tool.parameters;
  if (tool.strict !== undefined) fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

function encodeToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function encodeResponseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json-object') return { type: 'json_object' };
  const schema: Record<string, unknown> = { name: format.name };
  if (format.description !== undefined) schema.description = format.description;
  if (format.schema !== undefined) schema.schema = format.schema;
  if (format.strict !== undefined) schema.strict = format.strict;
  return { type: 'json_schema', json_schema: schema };
}

export function convertEmbeddingRequest(request: EmbeddingRequest, upstreamModel: string): string {
  const passthrough = request.passthrough;
  if (passthrough !== undefined) return JSON.stringify({ ...passthrough.body, model: upstreamModel });
  return JSON.stringify(encodeEmbeddingRequest(request, upstreamModel));
}

/** The neutral embedding request as an OpenAI embeddings body (the path for requests without a pass-through). */
export function encodeEmbeddingRequest(request: EmbeddingRequest, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model: upstreamModel, input: request.input };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  // `float` is OpenAI's default; naming it only when it differs keeps the body as small as a client's.
  if (request.encodingFormat !== 'float') body.encoding_format = request.encodingFormat;
  if (request.user !== undefined) body.user = request.user;
  return body;
}
