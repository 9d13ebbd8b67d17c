// What every target is sent: one small realistic chat request (system + user message, ~360 bytes, max_tokens 32,
// about 34 SSE events when streamed), addressed the way each target expects it.

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

/**
 * OpenAI chat completions (`"content":"x…"` deltas, `data: [DONE]`), Gemini (`"text"` parts, a finishReason, no [DONE])
 * or the Responses API (`response.output_text.delta` events, ending with `response.completed`).
 */
export type ResponseFormat = 'openai' | 'gemini' | 'responses';

/** Everything the load generator and the smoke test need to send a target its request. */
export type TargetRequest = {
  path: string;
  /** The streaming request's path when it differs (Gemini's `:streamGenerateContent?alt=sse`). */
  streamingPath?: string;
  headers: Record<string, string>;
  nonStreamingBody: string;
  streamingBody: string;
  /** Default `openai`. */
  format?: ResponseFormat;
};

const CHAT_PATH = '/v1/chat/completions';
const headers = (credential: Record<string, string>): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  ...credential,
  'user-agent': 'interchange-bench',
});
const OPENAI_HEADERS = headers({ authorization: 'Bearer sk-bench-local' });

/** An OpenAI chat request for `model`, as a client sends it to the gateway (or the OpenAI emulator). */
export function openAIRequest(model: string, credential?: Record<string, string>): TargetRequest {
  return {
    path: CHAT_PATH,
    headers: credential === undefined ? OPENAI_HEADERS : headers(credential),
    nonStreamingBody: JSON.stringify({ ...base, model }),
    streamingBody: JSON.stringify({ ...base, model, stream: true, stream_options: { include_usage: true } }),
  };
}

export const OPENAI_REQUEST = openAIRequest(MODEL);

/** The same request in the Responses API's terms: the system message as instructions, the user's as input. */
export function responsesRequest(model: string): TargetRequest {
  const fields = { model, instructions: base.messages[0].content, input: base.messages[1].content, max_output_tokens: base.max_tokens, temperature: base.temperature, store: false };
  return { path: '/v1/responses', headers: OPENAI_HEADERS, nonStreamingBody: JSON.stringify(fields), streamingBody: JSON.stringify({ ...fields, stream: true }), format: 'responses' };
}
/** The admin token of `--keys`' gateway, which the harness uses to create the key it sends. */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-loopback-only';

// Azure OpenAI: the gateway's model gpt-4o-mini-azure → channel azure-openai (api: deployments) → the Azure emulator.
export const AZURE_MODEL = 'gpt-4o-mini-azure';
export const AZURE_DEPLOYMENT = 'gpt-4o-mini';
export const AZURE_API_VERSION = '2024-10-21';
export const AZURE_API_KEY = 'bench-azure-key';

/** What the gateway's azure-openai channel sends, so direct-azure and floor-azure send the same. */
export const AZURE_DIRECT_REQUEST: TargetRequest = {
  ...OPENAI_REQUEST,
  path: `/openai/deployments/${AZURE_DEPLOYMENT}/chat/completions?api-version=${AZURE_API_VERSION}`,
  headers: headers({ 'api-key': AZURE_API_KEY }),
};
export const AZURE_GATEWAY_REQUEST = openAIRequest(AZURE_MODEL);

// Vertex: the gateway's model gemini-2.5-flash-lite → channel vertex (api: gemini) → the Vertex emulator. Flash-Lite,
// not Flash: Flash thinks by default (64 hidden tokens), so with max_tokens 32 it would answer with no text at all.
export const VERTEX_MODEL = 'gemini-2.5-flash-lite';
export const VERTEX_PROJECT = 'bench-project';
export const VERTEX_LOCATION = 'us-central1';
/** The access token the Vertex emulator accepts and the gateway obtains (see google-credentials.ts). */
export const VERTEX_TOKEN = 'bench-vertex-token';
const VERTEX_MODEL_PATH = `/v1/projects/${VERTEX_PROJECT}/locations/${VERTEX_LOCATION}/publishers/google/models/${VERTEX_MODEL}`;

/** The Gemini request the gateway's vertex channel makes of OPENAI_REQUEST, so direct-vertex sends the same. */
export const VERTEX_DIRECT_BODY = JSON.stringify({
  contents: [{ role: 'user', parts: [{ text: base.messages[1].content }] }],
  systemInstruction: { parts: [{ text: base.messages[0].content }] },
  generationConfig: { maxOutputTokens: base.max_tokens, temperature: base.temperature },
});
export const VERTEX_DIRECT_REQUEST: TargetRequest = {
  path: `${VERTEX_MODEL_PATH}:generateContent`,
  streamingPath: `${VERTEX_MODEL_PATH}:streamGenerateContent?alt=sse`,
  headers: headers({ authorization: `Bearer ${VERTEX_TOKEN}` }),
  nonStreamingBody: VERTEX_DIRECT_BODY,
  streamingBody: VERTEX_DIRECT_BODY,
  format: 'gemini',
};
export const VERTEX_GATEWAY_REQUEST = openAIRequest(VERTEX_MODEL);

// --routing: model gpt-4o-mini-routed, route primary-first over three providers all at the OpenAI emulator.
export const ROUTED_MODEL = 'gpt-4o-mini-routed';
export const ROUTED_PROVIDERS = ['emulator-a', 'emulator-b', 'emulator-c'] as const;
/** The primary's reserved capacity: far above any rate here, so its window is counted on every request, never full. */
export const ROUTED_PRIMARY_RPM = 100_000_000;
export const ROUTED_GATEWAY_REQUEST = openAIRequest(ROUTED_MODEL);
