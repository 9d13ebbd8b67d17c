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

/** Everything the load generator and the smoke test need to send a target its request. */
export type TargetRequest = {
  path: string;
  headers: Record<string, string>;
  nonStreamingBody: string;
  streamingBody: string;
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
