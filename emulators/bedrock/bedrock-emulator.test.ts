import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BedrockRuntimeClient,
  BedrockRuntimeServiceException,
  ConverseCommand,
  ConverseStreamCommand,
  InternalServerException,
  ModelStreamErrorException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
  type BedrockRuntimeClientConfig,
  type ConverseCommandInput,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import OpenAI from 'openai';
import { request } from 'undici';
import { countTokens, instanceFromSchema } from '../core/index.ts';
import { codec, eventKind } from './event-stream.ts';
import { GUARDRAIL_BLOCKED_MESSAGE, startBedrockEmulator, type RunningBedrockEmulator } from './index.ts';

const ACCESS_KEY = 'AKIDEXAMPLE';
const SECRET = 'emulator-secret';
const SESSION = { accessKeyId: 'ASIATEMPORARY', secretAccessKey: 'temporary-secret', sessionToken: 'session-token-1' };
const API_KEY = 'ABSKZW11bGF0b3Ita2V5';
const MODEL = 'openai.gpt-oss-120b-1:0';

let emulator: RunningBedrockEmulator;

before(async () => {
  emulator = await startBedrockEmulator({
    quiet: true,
    credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET }, SESSION],
    apiKeys: [API_KEY],
    models: {
      [MODEL]: {},
      'openai.gpt-oss-20b-1:0': {},
      'us.anthropic.claude-3-5-sonnet-20241022-v2:0': {},
      'rpm-limited.model-v1:0': { rpm: 2 },
      'small-context.model-v1:0': { contextWindow: 20 },
    },
  });
});

after(async () => {
  await emulator.close();
});

function client(config: Partial<BedrockRuntimeClientConfig> = {}, faultSpec?: string): BedrockRuntimeClient {
  const bedrock = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
    ...config,
  });
  if (faultSpec !== undefined) {
    bedrock.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-emulator-fault'] = faultSpec;
        return next(args);
      },
      { step: 'build', name: 'emulatorFault' },
    );
  }
  return bedrock;
}

function user(text: string) {
  return { role: 'user' as const, content: [{ text }] };
}

function converse(input: Partial<ConverseCommandInput>, bedrock = client()) {
  return bedrock.send(new ConverseCommand({ modelId: MODEL, messages: [user('Say hi')], ...input } as ConverseCommandInput));
}

async function converseStream(input: Partial<ConverseCommandInput>, bedrock = client()): Promise<ConverseStreamOutput[]> {
  const response = await bedrock.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user('Say hi')], ...input } as ConverseCommandInput));
  const events: ConverseStreamOutput[] = [];
  for await (const event of response.stream ?? []) events.push(event);
  return events;
}

function streamedText(events: ConverseStreamOutput[]): string {
  return events.map((event) => event.contentBlockDelta?.delta?.text ?? '').join('');
}

async function rejects<T extends Error>(promise: Promise<unknown>, check: (error: T) => void): Promise<T> {
  try {
    await promise;
  } catch (error) {
    check(error as T);
    return error as T;
  }
  assert.fail('expected the call to fail, but it succeeded');
}

function awsName(name: string, status: number, message?: RegExp) {
  return (error: BedrockRuntimeServiceException) => {
    assert.ok(error instanceof BedrockRuntimeServiceException, `expected a service exception, got ${String(error)}`);
    assert.equal(error.name, name);
    assert.equal(error.$metadata.httpStatusCode, status);
    if (message !== undefined) assert.match(error.message, message);
  };
}

/** A raw POST with a Bedrock API key (bearer): what the SDK cannot send (bad bodies, raw frames). */
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await request(emulator.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, bytes, text: bytes.toString('utf8') };
}

const converseAt = (model: string, stream = false) => `/model/${encodeURIComponent(model)}/${stream ? 'converse-stream' : 'converse'}`;

const HELLO = `Hello! You said: "Say hi". This is a deterministic reply from the ${MODEL} emulator.`;

const weatherTool = {
  toolSpec: {
    name: 'get_weather',
    description: 'Current weather',
    inputSchema: {
      json: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['city', 'unit'],
      },
    },
  },
};

describe('Converse', () => {
  it('answers text with usage, end_turn and latency, through the official SDK', async () => {
    const response = await converse({});
    assert.deepEqual(response.output?.message, { role: 'assistant', content: [{ text: HELLO }] });
    assert.equal(response.stopReason, 'end_turn');
    // 3 per message + 2 ("Say", " hi") + 3 priming = 8; the reply is 18 tokens.
    assert.deepEqual(response.usage, { inputTokens: 8, outputTokens: 18, totalTokens: 26 });
    assert.equal(typeof response.metrics?.latencyMs, 'number');
    assert.match(response.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
    const last = emulator.received.at(-1);
    assert.equal(last?.path, '/model/openai.gpt-oss-120b-1%3A0/converse');
    assert.match(String(last?.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
  });

  it('serves inference profiles and foundation-model ARNs, naming the model in the reply', async () => {
    const profile = await converse({ modelId: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0' });
    assert.match(profile.output?.message?.content?.[0]?.text ?? '', /from the us\.anthropic\.claude-3-5-sonnet-20241022-v2:0 emulator/);
    const arn = await converse({ modelId: `arn:aws:bedrock:us-east-1::foundation-model/${MODEL}` });
    assert.equal(arn.output?.message?.content?.[0]?.text, HELLO);
  });

  it('cuts at maxTokens (max_tokens) and before a stop sequence (stop_sequence)', async () => {
    const limited = await converse({ inferenceConfig: { maxTokens: 3 } });
    assert.equal(limited.output?.message?.content?.[0]?.text, 'Hello! You said:');
    assert.equal(limited.stopReason, 'max_tokens');
    assert.equal(limited.usage?.outputTokens, 3);
    const stopped = await converse({ inferenceConfig: { stopSequences: ['said'] } });
    assert.equal(stopped.output?.message?.content?.[0]?.text, 'Hello! You ');
    assert.equal(stopped.stopReason, 'stop_sequence');
    // "Hello!", " You", " " (trailing whitespace is a token of its own).
    assert.equal(stopped.usage?.outputTokens, 3);
  });

  it('stops at the context window (model_context_window_exceeded) and refuses a prompt over it', async () => {
    const near = await converse({ modelId: 'small-context.model-v1:0' });
    assert.equal(near.stopReason, 'model_context_window_exceeded');
    assert.equal(near.usage?.inputTokens, 8);
    assert.equal(near.usage?.outputTokens, 12);
    assert.equal(near.output?.message?.content?.[0]?.text, 'Hello! You said: "Say hi". This is a deterministic reply from');
    const long = 'word '.repeat(40).trim();
    await rejects(converse({ modelId: 'small-context.model-v1:0', messages: [user(long)] }), (error: ValidationException) => {
      assert.ok(error instanceof ValidationException);
      assert.equal(error.message, 'Input is too long for requested model.');
    });
  });

  it('ends with guardrail_intervened or content_filtered on the documented markers', async () => {
    const guarded = await converse({ messages: [user('Say hi [bedrock-stop-reason: guardrail_intervened]')] });
    assert.equal(guarded.stopReason, 'guardrail_intervened');
    assert.deepEqual(guarded.output?.message?.content, [{ text: GUARDRAIL_BLOCKED_MESSAGE }]);
    assert.equal(guarded.usage?.outputTokens, 0);
    const filtered = await converse({ messages: [user('Say hi [bedrock-stop-reason: content_filtered]')] });
    assert.equal(filtered.stopReason, 'content_filtered');
    const full = 'Hello! You said: "Say hi [bedrock-stop-reason: content_filtered]". This is a deterministic reply from the openai.gpt-oss-120b-1:0 emulator.';
    const text = filtered.output?.message?.content?.[0]?.text ?? '';
    assert.ok(full.startsWith(text) && text.length > 0 && text.length < full.length, text);
    await rejects(converse({ messages: [user('[bedrock-stop-reason: guardrail]')] }), awsName('ValidationException', 400, /must be one of guardrail_intervened/));
  });

  it('accepts images as bytes and counts them', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const response = await converse({
      messages: [{ role: 'user', content: [{ text: 'What is this?' }, { image: { format: 'png', source: { bytes: png } } }] }],
    });
    assert.equal(
      response.output?.message?.content?.[0]?.text,
      `Hello! You said: "What is this?". I saw 1 image (1 inline, 0 by URL). This is a deterministic reply from the ${MODEL} emulator.`,
    );
    // 3 + 3 ("What", " is", " this?") + 85 + 3.
    assert.equal(response.usage?.inputTokens, 94);
    const sent = emulator.received.at(-1)?.body as { messages: [{ content: [unknown, { image: { source: { bytes: string } } }] }] };
    assert.equal(sent.messages[0].content[1].image.source.bytes, png.toString('base64'));
  });

  it('answers with JSON matching outputConfig.textFormat (structured output)', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 18 } }, required: ['name', 'age'] };
    const response = await converse({
      outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'person' } } } },
    });
    const text = response.output?.message?.content?.[0]?.text ?? '';
    assert.deepEqual(JSON.parse(text), instanceFromSchema(schema, 'person'));
    assert.deepEqual(JSON.parse(text), { name: 'example name', age: 18 });
    await rejects(
      converse({ outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: '{not json' } } } } }),
      awsName('ValidationException', 400, /not valid JSON/),
    );
  });

  it('echoes serviceTier and performanceConfig', async () => {
    const response = await converse({ serviceTier: { type: 'flex' }, performanceConfig: { latency: 'optimized' } });
    assert.deepEqual(response.serviceTier, { type: 'flex' });
    assert.deepEqual(response.performanceConfig, { latency: 'optimized' });
  });
});

describe('tools', () => {
  it('runs a tool round trip: toolUse, then toolResult, then text', async () => {
    const first = await converse({
      messages: [user('What is the weather in Paris? Use get_weather.')],
      toolConfig: { tools: [weatherTool] },
    });
    assert.equal(first.stopReason, 'tool_use');
    const content = first.output?.message?.content ?? [];
    assert.equal(content.length, 1);
    const use = content[0].toolUse;
    assert.ok(use !== undefined);
    assert.match(use.toolUseId ?? '', /^tooluse_[A-Za-z0-9]{22}$/);
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'example city', unit: 'celsius' });
    // 1 per call + the tokens of the input's JSON text.
    assert.equal(first.usage?.outputTokens, 1 + countTokens(JSON.stringify(use.input)));

    const second = await converse({
      messages: [
        user('What is the weather in Paris? Use get_weather.'),
        { role: 'assistant', content: [{ toolUse: use }] },
        { role: 'user', content: [{ toolResult: { toolUseId: use.toolUseId, content: [{ json: { temperature: 21 } }], status: 'success' } }] },
      ],
      toolConfig: { tools: [weatherTool] },
    });
    assert.equal(second.stopReason, 'end_turn');
    assert.equal(
      second.output?.message?.content?.[0]?.text,
      `Hello! The tools returned: get_weather: "{"temperature":21}". This is a deterministic reply from the ${MODEL} emulator.`,
    );
  });

  it('honours toolChoice any and tool', async () => {
    const forced = await converse({ toolConfig: { tools: [weatherTool], toolChoice: { any: {} } } });
    assert.equal(forced.output?.message?.content?.[0]?.toolUse?.name, 'get_weather');
    const named = await converse({ toolConfig: { tools: [weatherTool], toolChoice: { tool: { name: 'get_weather' } } } });
    assert.equal(named.stopReason, 'tool_use');
    const auto = await converse({ toolConfig: { tools: [weatherTool], toolChoice: { auto: {} } } });
    assert.equal(auto.stopReason, 'end_turn');
    await rejects(
      converse({ toolConfig: { tools: [weatherTool], toolChoice: { tool: { name: 'nope' } } } }),
      awsName('ValidationException', 400, /nope/),
    );
  });

  it('streams tool input as partial JSON deltas that add up to the non-streamed input', async () => {
    const input = { messages: [user('Weather please, get_weather')], toolConfig: { tools: [weatherTool] } };
    const whole = await converse(input);
    const events = await converseStream(input);
    const start = events.find((event) => event.contentBlockStart !== undefined)?.contentBlockStart;
    assert.equal(start?.contentBlockIndex, 0);
    assert.equal(start?.start?.toolUse?.name, 'get_weather');
    assert.equal(start?.start?.toolUse?.toolUseId, whole.output?.message?.content?.[0]?.toolUse?.toolUseId);
    const pieces = events.flatMap((event) => (event.contentBlockDelta?.delta?.toolUse?.input !== undefined ? [event.contentBlockDelta.delta.toolUse.input] : []));
    assert.ok(pieces.length > 1);
    assert.deepEqual(JSON.parse(pieces.join('')), whole.output?.message?.content?.[0]?.toolUse?.input);
    assert.equal(events.find((event) => event.messageStop)?.messageStop?.stopReason, 'tool_use');
    assert.deepEqual(events.at(-1)?.metadata?.usage, whole.usage);
  });
});

describe('ConverseStream', () => {
  it('streams the same text and usage as Converse, one token per delta, then messageStop and metadata', async () => {
    const events = await converseStream({});
    assert.deepEqual(events[0], { messageStart: { role: 'assistant' } });
    assert.equal(streamedText(events), HELLO);
    const deltas = events.filter((event) => event.contentBlockDelta !== undefined);
    assert.equal(deltas.length, 18);
    const kinds = events.map((event) => Object.keys(event)[0]);
    assert.deepEqual(kinds.slice(-3), ['contentBlockStop', 'messageStop', 'metadata']);
    assert.equal(events.at(-2)?.messageStop?.stopReason, 'end_turn');
    assert.deepEqual(events.at(-1)?.metadata?.usage, { inputTokens: 8, outputTokens: 18, totalTokens: 26 });
    const limited = await converseStream({ inferenceConfig: { maxTokens: 3 } });
    assert.equal(streamedText(limited), 'Hello! You said:');
    assert.equal(limited.find((event) => event.messageStop)?.messageStop?.stopReason, 'max_tokens');
  });

  it('sends event-stream frames as EventStreamCodec encodes them, with the p padding', async () => {
    const response = await post(converseAt(MODEL, true), { messages: [user('Say hi')] });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/vnd.amazon.eventstream');
    let offset = 0;
    const types: string[] = [];
    while (offset < response.bytes.length) {
      const length = response.bytes.readUInt32BE(offset);
      const frame = response.bytes.subarray(offset, offset + length);
      const message = codec.decode(frame);
      assert.deepEqual(Buffer.from(codec.encode(message)), frame);
      assert.equal(message.headers[':message-type']?.value, 'event');
      assert.equal(message.headers[':content-type']?.value, 'application/json');
      types.push(String(message.headers[':event-type']?.value));
      const payload = JSON.parse(Buffer.from(message.body).toString('utf8'));
      assert.match(payload.p, /^abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$|^[a-zA-Z0-9]+$/);
      assert.ok('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.startsWith(payload.p));
      offset += length;
    }
    assert.equal(types[0], 'messageStart');
    assert.deepEqual(types.slice(-3), ['contentBlockStop', 'messageStop', 'metadata']);
    // The fast encoder agrees with the codec on its own.
    const frame = eventKind('messageStop').frame('{"p":"abc","stopReason":"end_turn"}');
    const encoded = codec.encode({
      headers: {
        ':event-type': { type: 'string', value: 'messageStop' },
        ':content-type': { type: 'string', value: 'application/json' },
        ':message-type': { type: 'string', value: 'event' },
      },
      body: Buffer.from('{"p":"abc","stopReason":"end_turn"}'),
    });
    assert.deepEqual(frame, Buffer.from(encoded));
  });
});

describe('authentication', () => {
  it('refuses a wrong secret with InvalidSignatureException', async () => {
    await rejects(
      converse({}, client({ credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'wrong-secret' } })),
      awsName('InvalidSignatureException', 403, /^The request signature we calculated does not match the signature you provided/),
    );
  });

  it('verifies requests signed outside the SDK, and refuses a body changed after signing', async () => {
    const signer = new SignatureV4({
      service: 'bedrock',
      region: 'us-east-1',
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      sha256: Hash.bind(null, 'sha256') as unknown as ConstructorParameters<typeof SignatureV4>[0]['sha256'],
    });
    const url = new URL(emulator.url);
    const path = converseAt(`arn:aws:bedrock:us-east-1::foundation-model/${MODEL}`);
    const body = JSON.stringify({ messages: [user('Say hi')] });
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path,
        headers: { host: url.host, 'content-type': 'application/json' },
        body,
      }),
    );
    const headers = signed.headers as Record<string, string>;
    assert.ok(headers['x-amz-content-sha256'] !== undefined);
    const accepted = await request(emulator.url + path, { method: 'POST', headers, body });
    assert.equal(accepted.statusCode, 200);
    assert.equal(((await accepted.body.json()) as { output: { message: { content: [{ text: string }] } } }).output.message.content[0].text, HELLO);
    const tampered = await request(emulator.url + path, { method: 'POST', headers, body: body.replace('Say hi', 'Say ho') });
    assert.equal(tampered.statusCode, 403);
    assert.equal(tampered.headers['x-amzn-errortype'], 'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/');
    await tampered.body.dump();
    const { 'x-amz-content-sha256': _, ...withoutHash } = headers;
    const unhashed = await request(emulator.url + path, { method: 'POST', headers: withoutHash, body: body.replace('Say hi', 'Say ho') });
    assert.equal(unhashed.statusCode, 403);
    await unhashed.body.dump();
  });

  it('refuses an unknown access key with UnrecognizedClientException', async () => {
    await rejects(
      converse({}, client({ credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: SECRET } })),
      awsName('UnrecognizedClientException', 403, /^The security token included in the request is invalid\.$/),
    );
  });

  it('refuses a signing date more than 5 minutes off', async () => {
    await rejects(
      converse({}, client({ systemClockOffset: -10 * 60 * 1000 })),
      awsName('InvalidSignatureException', 403, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/),
    );
    await rejects(converse({}, client({ systemClockOffset: 10 * 60 * 1000 })), awsName('InvalidSignatureException', 403, /^Signature not yet current/));
  });

  it('refuses a signature scoped to another region', async () => {
    await rejects(
      converse({}, client({ region: 'eu-west-1' })),
      awsName('InvalidSignatureException', 403, /^Credential should be scoped to a valid region\. $/),
    );
  });

  it('accepts a session-token credential and refuses it without the right token', async () => {
    const response = await converse({}, client({ credentials: SESSION }));
    assert.equal(response.output?.message?.content?.[0]?.text, HELLO);
    assert.equal(emulator.received.at(-1)?.headers['x-amz-security-token'], SESSION.sessionToken);
    await rejects(
      converse({}, client({ credentials: { ...SESSION, sessionToken: 'stale-token' } })),
      awsName('UnrecognizedClientException', 403),
    );
    await rejects(
      converse({}, client({ credentials: { accessKeyId: SESSION.accessKeyId, secretAccessKey: SESSION.secretAccessKey } })),
      awsName('UnrecognizedClientException', 403),
    );
  });

  it('accepts a Bedrock API key as a bearer token, from the SDK and raw', async () => {
    const bearer = client({ token: { token: API_KEY }, authSchemePreference: ['httpBearerAuth'] });
    const response = await converse({}, bearer);
    assert.equal(response.output?.message?.content?.[0]?.text, HELLO);
    assert.equal(emulator.received.at(-1)?.headers.authorization, `Bearer ${API_KEY}`);
    const raw = await post(converseAt(MODEL), { messages: [user('Say hi')] });
    assert.equal(raw.status, 200);
    assert.equal(JSON.parse(raw.text).output.message.content[0].text, HELLO);
  });

  it('answers missing or bad credentials like AWS', async () => {
    const missing = await request(emulator.url + converseAt(MODEL), { method: 'POST', body: '{}' });
    assert.equal(missing.statusCode, 403);
    assert.equal(missing.headers['x-amzn-errortype'], 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/');
    assert.deepEqual(await missing.body.json(), { Message: 'Authorization header is missing' });
    const badKey = await post(converseAt(MODEL), {}, { authorization: 'Bearer ABSKnot-a-real-key' });
    assert.equal(badKey.status, 403);
    assert.deepEqual(JSON.parse(badKey.text), { Message: 'Authentication failed: Please make sure your API Key is valid.' });
    const badFormat = await post(converseAt(MODEL), {}, { authorization: 'Bearer sk-openai-style' });
    assert.deepEqual(JSON.parse(badFormat.text), { Message: 'Invalid API Key format: Must start with pre-defined prefix' });
    const incomplete = await post(converseAt(MODEL), {}, { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/bedrock/aws4_request' });
    assert.equal(incomplete.status, 400);
    assert.equal(incomplete.headers['x-amzn-errortype'], 'IncompleteSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/');
    assert.match(JSON.parse(incomplete.text).message, /requires 'Signature' parameter/);
  });
});

describe('validation', () => {
  const VALIDATION_TYPE = 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/';

  it('refuses roles that do not alternate, and a conversation that starts with the assistant', async () => {
    await rejects(converse({ messages: [user('a'), user('b')] }), (error: ValidationException) => {
      assert.ok(error instanceof ValidationException);
      assert.equal(
        error.message,
        'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
      );
      assert.equal(error.$metadata.httpStatusCode, 400);
    });
    await rejects(
      converse({ messages: [{ role: 'assistant', content: [{ text: 'hi' }] }, user('b')] }),
      awsName('ValidationException', 400, /^A conversation must start with a user message\./),
    );
  });

  it('refuses a content block with two members, with the x-amzn-errortype AWS sends', async () => {
    const response = await post(converseAt(MODEL), {
      messages: [{ role: 'user', content: [{ text: 'hi', image: { format: 'png', source: { bytes: 'aGk=' } } }] }],
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers['x-amzn-errortype'], VALIDATION_TYPE);
    assert.match(response.headers['x-amzn-requestid'] as string, /^[0-9a-f-]{36}$/);
    assert.deepEqual(JSON.parse(response.text), {
      message:
        "1 validation error detected: Value at 'messages.1.member.content.1.member' failed to satisfy constraint: Member must have exactly one member set, got 2",
    });
  });

  it('checks ranges, blank text, empty content and tool rules', async () => {
    const cases: Array<[Partial<ConverseCommandInput>, RegExp]> = [
      [{ inferenceConfig: { maxTokens: 0 } }, /Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1/],
      [{ inferenceConfig: { temperature: 1.5 } }, /Value '1.5' at 'inferenceConfig.temperature' .*less than or equal to 1/],
      [{ inferenceConfig: { stopSequences: ['a', 'b', 'c', 'd', 'e'] } }, /'inferenceConfig.stopSequences' .*length less than or equal to 4/],
      [{ messages: [user('   ')] }, /^The text field in the ContentBlock object at messages.0.content.0 is blank/],
      [{ messages: [{ role: 'user', content: [] }] }, /^The content field in the Message object at messages.0 is empty/],
      [{ toolConfig: { tools: [] } }, /'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1/],
      [
        { messages: [user('a'), { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: {} } }] }, user('b')] },
        /^The toolConfig field must be defined when using toolUse and toolResult content blocks\.$/,
      ],
      [
        {
          messages: [user('a'), { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: {} } }] }, user('b')],
          toolConfig: { tools: [weatherTool] },
        },
        /^Expected toolResult blocks at messages.2.content for the following Ids: t1$/,
      ],
      [
        {
          messages: [user('a'), { role: 'assistant', content: [{ text: 'ok' }] }, { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'x' }] } }] }],
          toolConfig: { tools: [weatherTool] },
        },
        /^The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of previous turn\.$/,
      ],
      [
        {
          messages: [user('a'), { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: '{"city":"x"}' } }] }],
          toolConfig: { tools: [weatherTool] },
        },
        /^The input field of the toolUse block at messages.1.content.0 must be a JSON object, not a string\.$/,
      ],
      [
        { toolConfig: { tools: [{ toolSpec: { name: 'bad name', inputSchema: { json: {} } } }] } },
        /'toolConfig.tools.1.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      ],
    ];
    for (const [input, message] of cases) {
      await rejects(converse(input), awsName('ValidationException', 400, message));
    }
  });

  it('refuses an unknown model with "The provided model identifier is invalid."', async () => {
    await rejects(converse({ modelId: 'openai.gpt-oss-999b-1:0' }), awsName('ValidationException', 400, /^The provided model identifier is invalid\.$/));
  });

  it('passes additionalModelRequestFields through and ignores unknown members', async () => {
    const response = await post(converseAt(MODEL), {
      messages: [user('Say hi')],
      additionalModelRequestFields: { reasoning_effort: 'low' },
      somethingNew: true,
    });
    assert.equal(response.status, 200);
    assert.deepEqual((emulator.received.at(-1)?.body as { additionalModelRequestFields: unknown }).additionalModelRequestFields, {
      reasoning_effort: 'low',
    });
  });
});

describe('prompt caching', () => {
  it('writes a prefix ending at a cachePoint the first time and reads it afterwards', async () => {
    emulator.resetPromptCache();
    const system = [{ text: 'rule '.repeat(1100).trim() }, { cachePoint: { type: 'default' as const } }];
    const first = await converse({ system });
    // The prefix is the system prompt: 3 + 1100 tokens.
    assert.deepEqual(first.usage, { inputTokens: 8, outputTokens: 18, totalTokens: 1129, cacheReadInputTokens: 0, cacheWriteInputTokens: 1103 });
    const second = await converse({ system });
    assert.deepEqual(second.usage, { inputTokens: 8, outputTokens: 18, totalTokens: 1129, cacheReadInputTokens: 1103, cacheWriteInputTokens: 0 });
    const other = await converse({ system: [{ text: 'other '.repeat(1100).trim() }, { cachePoint: { type: 'default' } }] });
    assert.equal(other.usage?.cacheWriteInputTokens, 1103);
    const short = await converse({ system: [{ text: 'short' }, { cachePoint: { type: 'default' } }] });
    assert.equal(short.usage?.cacheReadInputTokens, 0);
    assert.equal(short.usage?.cacheWriteInputTokens, 0);
  });
});

describe('the usage marker', () => {
  const text = `Count these ${'words '.repeat(80)}[emulator-usage: cached=40, cache-write=20, reasoning=6]`;
  // One message: 3 for it, 3 for the reply, and its text.
  const promptTokens = 6 + countTokens(text);

  it('reports the cache reads, cache writes and reasoning it names, carved out of inputTokens, streamed and not', async () => {
    const whole = await converse({ messages: [user(text)] });
    const visible = countTokens(whole.output?.message?.content?.[0]?.text ?? '');
    assert.deepEqual(whole.usage, {
      cacheReadInputTokens: 40,
      cacheWriteInputTokens: 20,
      inputTokens: promptTokens - 60,
      outputTokens: visible + 6,
      totalTokens: promptTokens + visible + 6,
    });
    const events = await converseStream({ messages: [user(text)] });
    const metadata = events.filter((event) => event.metadata !== undefined);
    assert.equal(metadata.length, 1);
    assert.deepEqual(metadata[0].metadata?.usage, whole.usage);
  });

  it('repeat sends the metadata event twice; none sends no usage at all', async () => {
    const repeated = await converseStream({ messages: [user('Count [emulator-usage: cached=5, repeat]')] });
    const metadata = repeated.filter((event) => event.metadata !== undefined);
    assert.equal(metadata.length, 2);
    assert.deepEqual(metadata[1].metadata?.usage, metadata[0].metadata?.usage);
    assert.equal(metadata[0].metadata?.usage?.cacheReadInputTokens, 5);
    const omitted = await converseStream({ messages: [user('Count [emulator-usage: none]')] });
    assert.equal(omitted.filter((event) => event.metadata !== undefined).length, 0);
    assert.ok(omitted.some((event) => event.messageStop !== undefined));
    const whole = await converse({ messages: [user('Count [emulator-usage: none]')] });
    assert.equal(whole.usage, undefined);
    assert.equal(whole.stopReason, 'end_turn');
  });

  it('a marker that does not parse is a ValidationException naming the problem', async () => {
    await rejects(converse({ messages: [user('[emulator-usage: cached]')] }), awsName('ValidationException', 400, /cached needs a token count/));
  });
});

describe('throttling', () => {
  it('refuses requests over the model RPM with ThrottlingException until resetQuotas', async () => {
    emulator.resetQuotas();
    const limited = { modelId: 'rpm-limited.model-v1:0' };
    await converse(limited);
    await converse(limited);
    await rejects(converse(limited), (error: ThrottlingException) => {
      assert.ok(error instanceof ThrottlingException);
      assert.equal(error.message, 'Too many requests, please wait before trying again.');
      assert.equal(error.$metadata.httpStatusCode, 429);
    });
    await rejects(converseStream(limited), (error) => assert.ok(error instanceof ThrottlingException));
    emulator.resetQuotas();
    await converse(limited);
  });
});

describe('faults', () => {
  it('answers injected statuses with Bedrock exceptions', async () => {
    await rejects(converse({}, client({}, 'status=500')), (error: InternalServerException) => {
      assert.ok(error instanceof InternalServerException);
      assert.equal(error.$metadata.httpStatusCode, 500);
    });
    await rejects(converse({}, client({}, 'status=503')), (error) => assert.ok(error instanceof ServiceUnavailableException));
    await rejects(converse({}, client({}, 'status=429')), (error) => assert.ok(error instanceof ThrottlingException));
    await rejects(converse({}, client({}, 'status=429, code=ModelNotReadyException')), awsName('ModelNotReadyException', 429));
    await rejects(converse({ messages: [user('Say hi [emulator-fault@bedrock: status=400]')] }), awsName('ValidationException', 400));
  });

  it('resets the connection', async () => {
    await rejects(converse({}, client({}, 'reset')), (error: Error) => {
      assert.ok(!(error instanceof BedrockRuntimeServiceException), String(error));
    });
  });

  it('cuts a stream after n frames, and sends a corrupted frame on malformed', async () => {
    await rejects(converseStream({}, client({}, 'cut-after=2')), (error: Error) => assert.ok(error instanceof Error));
    await rejects(converseStream({}, client({}, 'cut-after=0')), (error: Error) => assert.ok(error instanceof Error));
    await rejects(converseStream({}, client({}, 'malformed')), (error: Error) => assert.match(String(error), /checksum|crc/i));
    await rejects(converse({}, client({}, 'malformed')), (error: Error) => assert.ok(error instanceof Error));
  });

  it('sends in-stream exceptions that the SDK raises as their classes', async () => {
    const seen: ConverseStreamOutput[] = [];
    const bedrock = client({}, 'error-after=3, code=throttlingException');
    await rejects(
      (async () => {
        const response = await bedrock.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user('Say hi')] }));
        for await (const event of response.stream ?? []) seen.push(event);
      })(),
      (error: ThrottlingException) => {
        assert.ok(error instanceof ThrottlingException, String(error));
        assert.equal(error.message, 'Too many requests, please wait before trying again.');
      },
    );
    assert.equal(seen.length, 3);
    await rejects(converseStream({}, client({}, 'error-after=2')), (error) => assert.ok(error instanceof ModelStreamErrorException, String(error)));
    await rejects(converseStream({}, client({}, 'error-after=2, code=serviceUnavailableException')), (error) => assert.ok(error instanceof ServiceUnavailableException));
    await rejects(converseStream({}, client({}, 'error-after=2, code=nope')), awsName('ValidationException', 400, /code must be one of/));
  });
});

describe('OpenAI-compatible Chat Completions', () => {
  const openai = () => new OpenAI({ baseURL: emulator.url + '/openai/v1', apiKey: API_KEY, maxRetries: 0 });

  it('answers in the OpenAI dialect with the same reply as Converse', async () => {
    const completion = await openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Say hi' }] });
    assert.equal(completion.choices[0].message.content, HELLO);
    assert.equal(completion.usage?.prompt_tokens, 8);
    const stream = await openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Say hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, HELLO);
  });

  it('refuses an unknown model and a wrong key', async () => {
    await assert.rejects(openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      return true;
    });
    const wrong = new OpenAI({ baseURL: emulator.url + '/openai/v1', apiKey: 'ABSKwrong', maxRetries: 0 });
    await assert.rejects(wrong.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.PermissionDeniedError);
      return true;
    });
  });
});
