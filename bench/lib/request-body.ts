// The request every scenario sends: a realistic small chat request (system + user message, about 300 bytes).
// max_tokens 32 makes a stream of roughly 30 content chunks.

export const MODEL = 'gpt-4o-mini';

const base = {
  model: MODEL,
  messages: [
    {
      role: 'system',
      content: 'You are a concise support assistant for an online bookshop. Answer in plain English, in two sentences at most.',
    },
    {
      role: 'user',
      content: 'I ordered a paperback last Tuesday and tracking still says "label created". Is that normal, and when should it arrive?',
    },
  ],
  max_tokens: 32,
  temperature: 0.2,
};

export const NON_STREAMING_BODY = JSON.stringify(base);

export const STREAMING_BODY = JSON.stringify({ ...base, stream: true, stream_options: { include_usage: true } });

export const REQUEST_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  authorization: 'Bearer sk-bench-local',
  'user-agent': 'interchange-bench',
};

export const CHAT_PATH = '/v1/chat/completions';

// --upstream azure-openai / both: the same conversation, sent to the Azure OpenAI emulator.

/** The gateway's model name for its azure-openai channel (one gateway process serves both upstreams). */
export const AZURE_MODEL = 'gpt-4o-mini-azure';
/** The Azure emulator's deployment behind it (serves gpt-4o-mini). */
export const AZURE_DEPLOYMENT = 'gpt-4o-mini';
export const AZURE_API_VERSION = '2024-10-21';
export const AZURE_API_KEY = 'bench-azure-key';

/** What the gateway's azure-openai channel (api: deployments) sends, so direct-azure sends the same. */
export const AZURE_CHAT_PATH = `/openai/deployments/${AZURE_DEPLOYMENT}/chat/completions?api-version=${AZURE_API_VERSION}`;

export const AZURE_REQUEST_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'api-key': AZURE_API_KEY,
  'user-agent': 'interchange-bench',
};

/** Through the gateway: only the model differs (it selects the azure-openai channel). */
export const AZURE_GATEWAY_NON_STREAMING_BODY = JSON.stringify({ ...base, model: AZURE_MODEL });
export const AZURE_GATEWAY_STREAMING_BODY = JSON.stringify({
  ...base,
  model: AZURE_MODEL,
  stream: true,
  stream_options: { include_usage: true },
});

// --upstream vertex / all: the same conversation through the gateway's vertex channel (api: gemini), and straight to
// the Vertex emulator in Gemini's own format.

/**
 * The gateway's model name for its vertex channel, and the Gemini model behind it (one of the emulator's defaults).
 * Flash-Lite, not Flash: gemini-2.5-flash thinks by default (the emulator, like Vertex, spends 64 hidden thinking
 * tokens first), so with this request's max_tokens 32 it would answer with no text at all; Flash-Lite thinks only
 * when asked, so the same request gets the same 32-token reply as from the OpenAI emulator (the emulators share one
 * reply generator) and only the model name differs.
 */
export const VERTEX_MODEL = 'gemini-2.5-flash-lite';
export const VERTEX_PROJECT = 'bench-project';
export const VERTEX_LOCATION = 'us-central1';
/** The access token the Vertex emulator accepts and the gateway obtains (through google-auth-library, see google-credentials.ts). */
export const VERTEX_TOKEN = 'bench-vertex-token';

const VERTEX_MODEL_PATH = `/v1/projects/${VERTEX_PROJECT}/locations/${VERTEX_LOCATION}/publishers/google/models/${VERTEX_MODEL}`;
/** What the gateway's vertex channel calls, so direct-vertex calls the same. */
export const VERTEX_GENERATE_PATH = `${VERTEX_MODEL_PATH}:generateContent`;
export const VERTEX_STREAM_PATH = `${VERTEX_MODEL_PATH}:streamGenerateContent?alt=sse`;

/**
 * The Gemini request the gateway's vertex channel makes of the OpenAI one above (system message → systemInstruction,
 * max_tokens → generationConfig.maxOutputTokens, temperature kept); streaming is the same body on the stream path.
 */
export const VERTEX_DIRECT_BODY = JSON.stringify({
  contents: [{ role: 'user', parts: [{ text: base.messages[1].content }] }],
  systemInstruction: { parts: [{ text: base.messages[0].content }] },
  generationConfig: { maxOutputTokens: base.max_tokens, temperature: base.temperature },
});

export const VERTEX_REQUEST_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  authorization: `Bearer ${VERTEX_TOKEN}`,
  'user-agent': 'interchange-bench',
};

/** Through the gateway: only the model differs (it selects the vertex channel). */
export const VERTEX_GATEWAY_NON_STREAMING_BODY = JSON.stringify({ ...base, model: VERTEX_MODEL });
export const VERTEX_GATEWAY_STREAMING_BODY = JSON.stringify({
  ...base,
  model: VERTEX_MODEL,
  stream: true,
  stream_options: { include_usage: true },
});

/**
 * What a response looks like: OpenAI chat completions (a stream has `"content":"x…"` deltas and ends with
 * `data: [DONE]`), or Gemini's generateContent (`"text":"x…"` parts; a stream ends with an event that has a
 * `finishReason` and no [DONE]).
 */
export type ResponseFormat = 'openai' | 'gemini';

/** Everything the load generator and the smoke test need to send a target its request. */
export type TargetRequest = {
  path: string;
  /** The streaming request's path when it differs from `path` (Gemini: `:streamGenerateContent?alt=sse`). */
  streamingPath?: string;
  headers: Record<string, string>;
  nonStreamingBody: string;
  streamingBody: string;
  /** Default `openai`. */
  format?: ResponseFormat;
};

export const OPENAI_REQUEST: TargetRequest = {
  path: CHAT_PATH,
  headers: REQUEST_HEADERS,
  nonStreamingBody: NON_STREAMING_BODY,
  streamingBody: STREAMING_BODY,
};

/** Straight to the Azure emulator, or through the floor proxy in front of it (which adds nothing). */
export const AZURE_DIRECT_REQUEST: TargetRequest = {
  path: AZURE_CHAT_PATH,
  headers: AZURE_REQUEST_HEADERS,
  nonStreamingBody: NON_STREAMING_BODY,
  streamingBody: STREAMING_BODY,
};

export const AZURE_GATEWAY_REQUEST: TargetRequest = {
  path: CHAT_PATH,
  headers: REQUEST_HEADERS,
  nonStreamingBody: AZURE_GATEWAY_NON_STREAMING_BODY,
  streamingBody: AZURE_GATEWAY_STREAMING_BODY,
};

/** Straight to the Vertex emulator: Gemini's API, with the bearer token the gateway's Google credentials produce. */
export const VERTEX_DIRECT_REQUEST: TargetRequest = {
  path: VERTEX_GENERATE_PATH,
  streamingPath: VERTEX_STREAM_PATH,
  headers: VERTEX_REQUEST_HEADERS,
  nonStreamingBody: VERTEX_DIRECT_BODY,
  streamingBody: VERTEX_DIRECT_BODY,
  format: 'gemini',
};

export const VERTEX_GATEWAY_REQUEST: TargetRequest = {
  path: CHAT_PATH,
  headers: REQUEST_HEADERS,
  nonStreamingBody: VERTEX_GATEWAY_NON_STREAMING_BODY,
  streamingBody: VERTEX_GATEWAY_STREAMING_BODY,
};

// --routing: the same conversation through the gateway's routed model (route primary-first over three channels on
// three providers, all pointing at the same OpenAI emulator). Only the model name differs from OPENAI_REQUEST.

/** The gateway's routed model (see ROUTED_PROVIDERS); 7 bytes longer than gpt-4o-mini. */
export const ROUTED_MODEL = 'gpt-4o-mini-routed';
/** The three providers of the routed model's channels, the primary first; each sends model gpt-4o-mini. */
export const ROUTED_PROVIDERS = ['emulator-a', 'emulator-b', 'emulator-c'] as const;
export const ROUTED_PRIMARY = ROUTED_PROVIDERS[0];
/** The primary channel's reserved capacity: far above any rate here, so the capacity window is kept but never full. */
export const ROUTED_PRIMARY_RPM = 100_000_000;

export const ROUTED_GATEWAY_REQUEST: TargetRequest = {
  path: CHAT_PATH,
  headers: REQUEST_HEADERS,
  nonStreamingBody: JSON.stringify({ ...base, model: ROUTED_MODEL }),
  streamingBody: JSON.stringify({ ...base, model: ROUTED_MODEL, stream: true, stream_options: { include_usage: true } }),
};
