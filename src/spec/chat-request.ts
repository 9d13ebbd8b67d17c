/**
 * The canonical chat request every provider adapter translates from.
 *
 * Messages and tools keep the OpenAI chat schema (the lingua franca every cloud's translator starts from), validated in
 * place by the frontend so that no copy is made on the hot path. Top-level generation settings are normalised into
 * neutral, camel-cased fields (one `maxOutputTokens`, `stop` always a list) so adapters never re-interpret aliases.
 * Imports nothing.
 */

export interface TextContentPart {
  type: 'text';
  text: string;
}

export interface ImageContentPart {
  type: 'image_url';
  image_url: {
    /** A `data:` URI with base64 bytes, or an `https:` URL the provider (or the gateway) fetches. */
    url: string;
    detail?: 'auto' | 'low' | 'high';
  };
}

export type UserContentPart = TextContentPart | ImageContentPart;

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface SystemMessage {
  role: 'system' | 'developer';
  content: string | TextContentPart[];
  name?: string;
}

export interface UserMessage {
  role: 'user';
  content: string | UserContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content?: string | TextContentPart[] | null;
  tool_calls?: ToolCall[];
  name?: string;
  refusal?: string | null;
}

export interface ToolMessage {
  role: 'tool';
  tool_call_id: string;
  content: string | TextContentPart[];
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    /** A JSON Schema object. */
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null };
    };

export interface ChatRequest {
  /** The public model name the client asked for. */
  readonly model: string;
  readonly messages: ChatMessage[];
  readonly stream: boolean;
  /** The client asked for a final usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  readonly maxOutputTokens: number | undefined;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly seed: number | undefined;
  readonly stop: string[] | undefined;
  readonly user: string | undefined;
  readonly tools: FunctionTool[] | undefined;
  readonly toolChoice: ToolChoice | undefined;
  readonly parallelToolCalls: boolean | undefined;
  readonly responseFormat: ResponseFormat | undefined;
  /**
   * The request body exactly as the client sent it (parsed). OpenAI-dialect upstreams forward it, with the model
   * replaced and gateway extensions removed, so that fields the gateway does not know still reach them.
   */
  readonly body: Record<string, unknown>;
  /** Whether the client used `max_completion_tokens` (true) or the older `max_tokens` (false) when it set a limit. */
  readonly usesMaxCompletionTokens: boolean;
  /**
   * The client asked for provider annotations (Azure's `prompt_filter_results` and `content_filter_results`) to be
   * passed on. Off by default, so clients that do not know them never see them.
   */
  readonly providerAnnotations: boolean;
}
