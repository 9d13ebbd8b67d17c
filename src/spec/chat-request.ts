/**
 * The canonical chat request every provider adapter translates from, in the gateway's own terms: no frontend's wire
 * names (`tool_calls`, `image_url`, `json_schema` nesting), so that any frontend (OpenAI chat, Responses…) can produce
 * it and every translator reads one shape. Generation settings are normalised (one `maxOutputTokens`, `stop` always a
 * list) so adapters never re-interpret aliases.
 *
 * A frontend may attach the client's own body as a `passthrough`, for upstreams that speak the same dialect: they
 * forward it so that fields the gateway does not model still reach them unchanged.
 * Imports nothing.
 */

export interface TextContentPart {
  readonly type: 'text';
  readonly text: string;
}

/**
 * Where an image's bytes are. `url`: an `https:` URL the provider (or the gateway) fetches; a `data:` URI the frontend
 * could not split into media type and base64 also stays here, for the provider to refuse with its own message.
 * `data`: inline base64 bytes with their media type (`image/png`) as the client wrote it; read it through
 * `canonicalImageType`.
 */
export type ImageSource =
  | { readonly type: 'url'; readonly url: string }
  | { readonly type: 'data'; readonly mediaType: string; readonly data: string };

const notCanonical = /[A-Z\s]/;

/**
 * An image media type as routing and translators compare it: lower case, trimmed, and `image/jpg` (which clients
 * send, and which some clouds refuse) as its registered name `image/jpeg`. Returns the argument itself when it is
 * already canonical.
 */
export function canonicalImageType(mediaType: string): string {
  const lower = notCanonical.test(mediaType) ? mediaType.trim().toLowerCase() : mediaType;
  return lower === 'image/jpg' ? 'image/jpeg' : lower;
}

export type ImageDetail = 'auto' | 'low' | 'high';

export interface ImageContentPart {
  readonly type: 'image';
  readonly source: ImageSource;
  /** How closely the model should look; only some providers have a setting for it. */
  readonly detail?: ImageDetail;
}

export type UserContentPart = TextContentPart | ImageContentPart;

/** A function call the assistant made earlier in the conversation. */
export interface AssistantToolCall {
  readonly id: string;
  readonly name: string;
  /** The arguments as the model wrote them: JSON text, possibly empty. */
  readonly arguments: string;
}

export interface SystemMessage {
  /** `developer` is the newer name some models give system instructions; translators without it treat both alike. */
  readonly role: 'system' | 'developer';
  readonly content: string | readonly TextContentPart[];
  readonly name?: string;
}

export interface UserMessage {
  readonly role: 'user';
  readonly content: string | readonly UserContentPart[];
  readonly name?: string;
}

export interface AssistantMessage {
  readonly role: 'assistant';
  /** Absent when the turn was only tool calls (or only a refusal). */
  readonly content?: string | readonly TextContentPart[];
  readonly toolCalls?: readonly AssistantToolCall[];
  readonly refusal?: string;
  readonly name?: string;
}

/** The result of one tool call, answering the call with the same `toolCallId`. */
export interface ToolMessage {
  readonly role: 'tool';
  readonly toolCallId: string;
  readonly content: string | readonly TextContentPart[];
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface FunctionTool {
  readonly type: 'function';
  readonly name: string;
  readonly description?: string;
  /** A JSON Schema object for the arguments. */
  readonly parameters?: Record<string, unknown>;
  /** The client asked the model to follow `parameters` exactly. */
  readonly strict?: boolean;
}

/** `required`: the model must call some tool; a named function: it must call that one. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly type: 'function'; readonly name: string };

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json-object' }
  | {
      readonly type: 'json-schema';
      readonly name: string;
      readonly description?: string;
      /** A JSON Schema object the reply must match. */
      readonly schema?: Record<string, unknown>;
      readonly strict?: boolean;
    };

/**
 * The client's body exactly as it sent it (parsed), gateway extensions removed. Upstreams of the same dialect forward
 * it (model replaced) instead of re-encoding the request, so fields the gateway does not model reach them unchanged.
 */
export type ChatPassthrough = OpenAIChatPassthrough | OpenAIResponsesPassthrough;

/** A chat completions body: forwarded by every OpenAI-dialect upstream to its chat completions API. */
export interface OpenAIChatPassthrough {
  readonly dialect: 'openai-chat';
  readonly body: Record<string, unknown>;
  /**
   * Some assistant turn carries only a `refusal` (no content, no tool calls), a shape OpenAI-dialect servers refuse
   * as history: set by the frontend, so the forwarded messages are walked only then.
   */
  readonly refusalOnlyTurns?: boolean;
}

/**
 * A Responses API body: forwarded only by a channel whose upstream speaks the Responses API (a `native` channel); any
 * other channel encodes the neutral request. A continued conversation is already in `input` (as Responses input
 * items) and `previous_response_id` is gone: the gateway stored it, the upstream never did.
 */
export interface OpenAIResponsesPassthrough {
  readonly dialect: 'openai-responses';
  readonly body: Record<string, unknown>;
}

export interface ChatRequest {
  /** The public model name the client asked for. */
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly stream: boolean;
  /** The client asked for a final usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  readonly maxOutputTokens: number | undefined;
  /**
   * Whether the client spelt its limit `max_completion_tokens` (true) or the older `max_tokens` (false). Still needed:
   * an OpenAI-dialect upstream gets the spelling the client chose (OpenAI's reasoning models refuse `max_tokens`, many
   * self-hosted servers know only `max_tokens`), and a server that knows only `max_tokens` gets the limit renamed.
   * Frontends without the distinction set true (the current spelling).
   */
  readonly usesMaxCompletionTokens: boolean;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly seed: number | undefined;
  readonly stop: readonly string[] | undefined;
  /** The end user the client named, for the upstream's abuse monitoring. */
  readonly user: string | undefined;
  readonly tools: readonly FunctionTool[] | undefined;
  readonly toolChoice: ToolChoice | undefined;
  readonly parallelToolCalls: boolean | undefined;
  readonly responseFormat: ResponseFormat | undefined;
  /**
   * The client asked for provider annotations (Azure's `prompt_filter_results` and `content_filter_results`) to be
   * passed on. Off by default, so clients that do not know them never see them.
   */
  readonly providerAnnotations: boolean;
  /** Set by the OpenAI chat and Responses frontends; read only by OpenAI-dialect upstreams. */
  readonly passthrough?: ChatPassthrough;
}

/**
 * A chat request with every optional setting unset: what a frontend (or a test) builds on, naming only what the client
 * asked for.
 */
export function createChatRequest(fields: Pick<ChatRequest, 'model' | 'messages'> & Partial<ChatRequest>): ChatRequest {
  return {
    stream: false,
    includeUsage: false,
    maxOutputTokens: undefined,
    usesMaxCompletionTokens: false,
    temperature: undefined,
    topP: undefined,
    seed: undefined,
    stop: undefined,
    user: undefined,
    tools: undefined,
    toolChoice: undefined,
    parallelToolCalls: undefined,
    responseFormat: undefined,
    providerAnnotations: false,
    ...fields,
  };
}
