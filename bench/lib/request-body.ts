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
