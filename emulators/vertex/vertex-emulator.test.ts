import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, FunctionCallingConfigMode, GoogleGenAI, Type, type GenerateContentResponse, type GoogleGenAIOptions } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import OpenAI from 'openai';
import { request } from 'undici';
import { countTokens, instanceFromSchema } from '../core/index.ts';
import { createTestServiceAccount, mintTestToken, startVertexEmulator, type RunningVertexEmulator } from './index.ts';

const PROJECT = 'interchange-demo';
/**
 * @google/genai bundles google-auth-library 10 while the project depends on 11: the OAuth2Client works at run time
 * (the SDK only calls getRequestHeaders), but the two copies' types differ, hence the cast.
 */
type GenAIAuthClient = NonNullable<NonNullable<GoogleGenAIOptions['googleAuthOptions']>['authClient']>;
const ACCEPTED_TOKEN = 'opaque-test-token';
const account = createTestServiceAccount();
let emulator: RunningVertexEmulator;
let token: string;

before(async () => {
  emulator = await startVertexEmulator({
    quiet: true,
    publicKey: account.publicKey,
    acceptToken: (candidate) => candidate === ACCEPTED_TOKEN,
    models: {
      'gemini-2.0-flash-001': {},
      'gemini-2.5-flash': {},
      'gemini-2.5-pro': {},
      'gemini-limited': { rpm: 2 },
      'gemini-small': { contextWindow: 20 },
      'openai/gpt-oss-120b-maas': {},
      'meta/llama-limited-maas': { rpm: 1 },
    },
  });
  token = await mintTestToken(account.privateKey, { email: account.email });
});

after(async () => {
  await emulator.close();
});

function genai(bearer = token, location = 'us-central1', project = PROJECT): GoogleGenAI {
  const authClient = new OAuth2Client();
  // The client believes its token is fresh; the emulator decides.
  authClient.setCredentials({ access_token: bearer, expiry_date: Date.now() + 3_600_000 });
  return new GoogleGenAI({ vertexai: true, project, location, httpOptions: { baseUrl: emulator.url }, googleAuthOptions: { authClient: authClient as unknown as GenAIAuthClient } });
}

function modelPath(model: string, method = 'generateContent', version = 'v1', location = 'us-central1', project = PROJECT): string {
  return `/${version}/projects/${project}/locations/${location}/publishers/google/models/${model}:${method}`;
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await request(emulator.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

function userText(text: string) {
  return { contents: [{ role: 'user', parts: [{ text }] }] };
}

async function expectApiError(promise: Promise<unknown>, status: number): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assert.equal(error.status, status);
    const parsed = JSON.parse(error.message) as unknown;
    return (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown>;
  }
  assert.fail('expected the call to fail');
}

async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
  const chunks: GenerateContentResponse[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const SAY_HI = 'Hello! You said: "Say hi". This is a deterministic reply from the gemini-2.0-flash-001 emulator.';

describe('generateContent with the official SDK', () => {
  it('answers text with usage, on the v1beta1 path, with the bearer token', async () => {
    const response = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi' });
    assert.equal(response.text, SAY_HI);
    assert.equal(response.candidates?.[0].finishReason, 'STOP');
    assert.equal(response.modelVersion, 'gemini-2.0-flash-001');
    assert.match(response.responseId ?? '', /^[A-Za-z0-9]{23}$/);
    assert.deepEqual(response.usageMetadata, {
      promptTokenCount: 8,
      candidatesTokenCount: 18,
      totalTokenCount: 26,
      trafficType: 'ON_DEMAND',
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }],
      candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 18 }],
    });
    const last = emulator.received.at(-1);
    assert.equal(last?.path, modelPath('gemini-2.0-flash-001', 'generateContent', 'v1beta1'));
    assert.equal(last?.headers.authorization, `Bearer ${token}`);
  });

  it('counts thinking tokens for thinking models and honours thinkingBudget', async () => {
    const pro = await genai().models.generateContent({ model: 'gemini-2.5-pro', contents: 'Say hi' });
    assert.equal(pro.usageMetadata?.thoughtsTokenCount, 64);
    assert.equal(pro.usageMetadata?.candidatesTokenCount, 17);
    assert.equal(pro.usageMetadata?.totalTokenCount, 8 + 17 + 64);
    const flashOff = await genai().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Say hi',
      config: { thinkingConfig: { thinkingBudget: 0 } },
    });
    assert.equal(flashOff.usageMetadata?.thoughtsTokenCount, undefined);
    const small = await genai().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Say hi',
      config: { thinkingConfig: { thinkingBudget: 10, includeThoughts: true } },
    });
    assert.equal(small.usageMetadata?.thoughtsTokenCount, 10);
    const parts = small.candidates?.[0].content?.parts ?? [];
    assert.equal(parts[0].thought, true);
    assert.equal(small.text, 'Hello! You said: "Say hi". This is a deterministic reply from the gemini-2.5-flash emulator.');
    const refused = await expectApiError(
      genai().models.generateContent({ model: 'gemini-2.5-pro', contents: 'Say hi', config: { thinkingConfig: { thinkingBudget: 0 } } }),
      400,
    );
    assert.equal((refused.error as { message: string }).message, 'Budget 0 is invalid. This model only works in thinking mode.');
  });

  it('cuts at maxOutputTokens (thinking first) and at stop sequences', async () => {
    const cut = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi', config: { maxOutputTokens: 3 } });
    assert.equal(cut.text, 'Hello! You said:');
    assert.equal(cut.candidates?.[0].finishReason, 'MAX_TOKENS');
    assert.equal(cut.usageMetadata?.candidatesTokenCount, 3);
    const thoughtOnly = await genai().models.generateContent({ model: 'gemini-2.5-pro', contents: 'Say hi', config: { maxOutputTokens: 50 } });
    assert.equal(thoughtOnly.candidates?.[0].finishReason, 'MAX_TOKENS');
    assert.equal(thoughtOnly.candidates?.[0].content?.parts, undefined);
    assert.equal(thoughtOnly.usageMetadata?.candidatesTokenCount, undefined);
    assert.equal(thoughtOnly.usageMetadata?.thoughtsTokenCount, 50);
    const stopped = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi', config: { stopSequences: ['This'] } });
    assert.equal(stopped.text, 'Hello! You said: "Say hi". ');
    assert.equal(stopped.candidates?.[0].finishReason, 'STOP');
  });

  it('reports implicit-cache tokens for long prompts and several candidates', async () => {
    const long = 'word '.repeat(1100);
    const cached = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: long });
    const prompt = cached.usageMetadata?.promptTokenCount ?? 0;
    assert.equal(prompt, 3 + countTokens(long) + 3);
    assert.equal(cached.usageMetadata?.cachedContentTokenCount, Math.floor(prompt / 128) * 128);
    const two = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi', config: { candidateCount: 2 } });
    assert.equal(two.candidates?.length, 2);
    assert.equal(two.candidates?.[1].index, 1);
    assert.equal(two.usageMetadata?.candidatesTokenCount, 36);
  });

  it('counts images and the system instruction, and mentions images in the reply', async () => {
    const response = await genai().models.generateContent({
      model: 'gemini-2.0-flash-001',
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Describe these' },
            { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
            { fileData: { mimeType: 'image/jpeg', fileUri: 'gs://bucket/cat.jpg' } },
          ],
        },
      ],
      config: { systemInstruction: 'Be brief' },
    });
    assert.equal(
      response.text,
      'Hello! You said: "Describe these". I saw 2 images (1 inline, 1 by URL). This is a deterministic reply from the gemini-2.0-flash-001 emulator.',
    );
    // 3 (content) + 2 (text) + 2 × 85 (images) + 3 + 2 (system instruction) + 3 (reply).
    assert.equal(response.usageMetadata?.promptTokenCount, 183);
    assert.deepEqual(response.usageMetadata?.promptTokensDetails, [
      { modality: 'TEXT', tokenCount: 13 },
      { modality: 'IMAGE', tokenCount: 170 },
    ]);
  });

  it('makes function calls from declarations and answers the function responses', async () => {
    const tools = [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: {
              type: Type.OBJECT,
              properties: { city: { type: Type.STRING }, days: { type: Type.INTEGER, minimum: 2 } },
              required: ['city'],
            },
          },
          { name: 'get_time', parametersJsonSchema: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } } } },
        ],
      },
    ];
    const question = 'What does get_weather say for Paris?';
    const first = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: question, config: { tools } });
    assert.equal(first.candidates?.[0].finishReason, 'STOP');
    assert.deepEqual(first.functionCalls, [{ name: 'get_weather', args: { city: 'example city', days: 2 } }]);
    assert.equal(first.usageMetadata?.candidatesTokenCount, 1 + countTokens('{"city":"example city","days":2}'));

    const forced = await genai().models.generateContent({
      model: 'gemini-2.0-flash-001',
      contents: 'Say hi',
      config: { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_time'] } } },
    });
    assert.deepEqual(forced.functionCalls, [{ name: 'get_time', args: { zone: 'UTC' } }]);
    const none = await genai().models.generateContent({
      model: 'gemini-2.0-flash-001',
      contents: question,
      config: { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } },
    });
    assert.equal(none.functionCalls, undefined);

    const second = await genai().models.generateContent({
      model: 'gemini-2.0-flash-001',
      contents: [
        { role: 'user', parts: [{ text: question }] },
        { role: 'model', parts: [{ functionCall: first.functionCalls?.[0] }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny and warm' } } }] },
      ],
      config: { tools },
    });
    assert.equal(
      second.text,
      'Hello! The tools returned: get_weather: "sunny and warm". This is a deterministic reply from the gemini-2.0-flash-001 emulator.',
    );
  });

  it('gives thinking models a thought signature on function calls', async () => {
    const response = await genai().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'call lookup now',
      config: { tools: [{ functionDeclarations: [{ name: 'lookup' }] }] },
    });
    const part = response.candidates?.[0].content?.parts?.[0];
    assert.deepEqual(part?.functionCall, { name: 'lookup', args: {} });
    assert.match(part?.thoughtSignature ?? '', /^[A-Za-z0-9+/]+=*$/);
  });

  it('returns structured output for responseJsonSchema and responseSchema', async () => {
    const jsonSchema = {
      type: 'object',
      properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' }, minItems: 2 }, score: { type: 'number', maximum: 1 } },
      required: ['name', 'tags', 'score'],
    };
    const viaJsonSchema = await genai().models.generateContent({
      model: 'gemini-2.0-flash-001',
      contents: 'Describe a cat',
      config: { responseMimeType: 'application/json', responseJsonSchema: jsonSchema },
    });
    assert.deepEqual(JSON.parse(viaJsonSchema.text ?? ''), instanceFromSchema(jsonSchema, 'response'));
    const viaSchema = await genai().models.generateContent({
      model: 'gemini-2.0-flash-001',
      contents: 'Describe a cat',
      config: {
        responseMimeType: 'application/json',
        responseSchema: { type: Type.OBJECT, properties: { legs: { type: Type.INTEGER }, color: { type: Type.STRING, enum: ['black', 'white'] } } },
      },
    });
    assert.deepEqual(JSON.parse(viaSchema.text ?? ''), { legs: 1, color: 'black' });
    const plainJson = await genai().models.generateContent({
      model: 'gemini-2.0-flash-001',
      contents: 'Say hi',
      config: { responseMimeType: 'application/json' },
    });
    assert.deepEqual(JSON.parse(plainJson.text ?? ''), { reply: SAY_HI });
    const enumText = await genai().models.generateContent({
      model: 'gemini-2.0-flash-001',
      contents: 'Pick one',
      config: { responseMimeType: 'text/x.enum', responseSchema: { type: Type.STRING, enum: ['positive', 'negative'] } },
    });
    assert.equal(enumText.text, 'positive');
  });
});

describe('streamGenerateContent', () => {
  it('streams the same text and usage as generateContent, usage complete on the last chunk only', async () => {
    const whole = await genai().models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hi to everybody here' });
    const chunks = await collect(await genai().models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Say hi to everybody here' }));
    assert.ok(chunks.length > 2);
    assert.equal(chunks.map((chunk) => chunk.text ?? '').join(''), whole.text);
    for (const chunk of chunks.slice(0, -1)) {
      assert.deepEqual(chunk.usageMetadata, { trafficType: 'ON_DEMAND' });
      assert.equal(chunk.candidates?.[0].finishReason, undefined);
    }
    const last = chunks.at(-1) as GenerateContentResponse;
    assert.equal(last.candidates?.[0].finishReason, 'STOP');
    assert.deepEqual(last.usageMetadata, whole.usageMetadata);
    assert.equal(new Set(chunks.map((chunk) => chunk.responseId)).size, 1);
    assert.match(emulator.received.at(-1)?.path ?? '', /:streamGenerateContent\?alt=sse$/);
  });

  it('frames SSE as Vertex does: CRLF, compact JSON, no [DONE]', async () => {
    const response = await post(modelPath('gemini-2.0-flash-001', 'streamGenerateContent?alt=sse'), userText('Say hi'));
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'text/event-stream');
    const events = response.text.split('\r\n\r\n');
    assert.equal(events.at(-1), '');
    assert.ok(!response.text.includes('[DONE]'));
    assert.ok(events[0].startsWith('data: {"candidates": [{"content": {"role": "model","parts": [{"text": "Hello! You said: \\"Say"}]}}],"usageMetadata": {"trafficType": "ON_DEMAND"},"modelVersion": "gemini-2.0-flash-001","createTime": "'));
    const text = events
      .slice(0, -1)
      .map((event) => (JSON.parse(event.slice(6)) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0].content.parts[0].text)
      .join('');
    assert.equal(text, SAY_HI);
  });

  it('answers a JSON array without alt=sse', async () => {
    const response = await post(modelPath('gemini-2.0-flash-001', 'streamGenerateContent'), userText('Say hi'));
    assert.equal(response.status, 200);
    const chunks = JSON.parse(response.text) as { candidates: { content: { parts: { text: string }[] } }[] }[];
    assert.equal(chunks.map((chunk) => chunk.candidates[0].content.parts[0].text).join(''), SAY_HI);
  });

  it('sends function calls whole in the final chunk', async () => {
    const chunks = await collect(
      await genai().models.generateContentStream({
        model: 'gemini-2.0-flash-001',
        contents: 'use get_weather',
        config: { tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }] }] },
      }),
    );
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0].functionCalls, [{ name: 'get_weather', args: { city: 'example city' } }]);
    assert.equal(chunks[0].candidates?.[0].finishReason, 'STOP');
  });
});

describe('the usage marker', () => {
  it('reports the cached and thinking tokens it names, thoughts beside the candidates, streamed and not', async () => {
    const contents = 'Count these [emulator-usage: cached=6, reasoning=11]';
    const whole = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents });
    const usage = whole.usageMetadata!;
    assert.equal(usage.cachedContentTokenCount, 6);
    assert.equal(usage.thoughtsTokenCount, 11);
    assert.equal(usage.candidatesTokenCount, countTokens(whole.text ?? ''));
    assert.equal(usage.totalTokenCount, usage.promptTokenCount! + usage.candidatesTokenCount! + 11);
    const chunks = await collect(await genai().models.generateContentStream({ model: 'gemini-2.0-flash-001', contents }));
    assert.deepEqual(chunks.at(-1)!.usageMetadata, usage);
    for (const chunk of chunks.slice(0, -1)) assert.deepEqual(chunk.usageMetadata, { trafficType: 'ON_DEMAND' });
  });

  it('repeat: every chunk carries the counts so far, growing to the final usage', async () => {
    const contents = 'Count these words here and there [emulator-usage: cached=6, reasoning=11, repeat]';
    const whole = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents });
    const chunks = await collect(await genai().models.generateContentStream({ model: 'gemini-2.0-flash-001', contents }));
    assert.ok(chunks.length > 2);
    const candidates = chunks.map((chunk) => chunk.usageMetadata?.candidatesTokenCount);
    for (let index = 1; index < candidates.length; index++) assert.ok(candidates[index]! >= candidates[index - 1]!);
    for (const chunk of chunks) {
      assert.equal(chunk.usageMetadata?.thoughtsTokenCount, 11);
      assert.equal(chunk.usageMetadata?.cachedContentTokenCount, 6);
    }
    assert.deepEqual(chunks.at(-1)!.usageMetadata, whole.usageMetadata);
  });

  it('none: no usageMetadata, streamed or not', async () => {
    const whole = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Count [emulator-usage: none]' });
    assert.equal(whole.usageMetadata, undefined);
    assert.equal(whole.candidates?.[0].finishReason, 'STOP');
    const chunks = await collect(await genai().models.generateContentStream({ model: 'gemini-2.0-flash-001', contents: 'Count [emulator-usage: none]' }));
    for (const chunk of chunks) assert.equal(chunk.usageMetadata, undefined);
  });

  it('a marker that does not parse is INVALID_ARGUMENT naming the problem', async () => {
    const error = await expectApiError(genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: '[emulator-usage: sometimes]' }), 400);
    assert.match(String((error.error as { message: string }).message), /unknown item 'sometimes'/);
  });
});

describe('authentication and access', () => {
  it('refuses an expired token with 401 UNAUTHENTICATED', async () => {
    const expired = await mintTestToken(account.privateKey, { email: account.email, lifetimeSeconds: -60 });
    const body = await expectApiError(genai(expired).models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi' }), 401);
    const error = body.error as { status: string; details: { reason: string }[] };
    assert.equal(error.status, 'UNAUTHENTICATED');
    assert.equal(error.details[0].reason, 'ACCESS_TOKEN_EXPIRED');
  });

  it('refuses tokens signed by another key, for another audience, or living over an hour', async () => {
    const stranger = createTestServiceAccount();
    for (const bad of [
      await mintTestToken(stranger.privateKey, { email: stranger.email }),
      await mintTestToken(account.privateKey, { email: account.email, audience: 'https://example.com/' }),
      await mintTestToken(account.privateKey, { email: account.email, lifetimeSeconds: 7200 }),
      'not-a-jwt',
    ]) {
      const response = await post(modelPath('gemini-2.0-flash-001'), userText('Say hi'), { authorization: `Bearer ${bad}` });
      assert.equal(response.status, 401, bad);
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="https://accounts.google.com/"');
      assert.match(response.text, /ACCESS_TOKEN_TYPE_UNSUPPORTED/);
    }
  });

  it('accepts regional audiences, acceptToken tokens, and says when credentials are missing', async () => {
    const regional = await mintTestToken(account.privateKey, { email: account.email, audience: 'https://europe-west4-aiplatform.googleapis.com/' });
    assert.equal((await post(modelPath('gemini-2.0-flash-001'), userText('Say hi'), { authorization: `Bearer ${regional}` })).status, 200);
    assert.equal((await post(modelPath('gemini-2.0-flash-001'), userText('Say hi'), { authorization: `Bearer ${ACCEPTED_TOKEN}` })).status, 200);
    const missing = await request(emulator.url + modelPath('gemini-2.0-flash-001'), { method: 'POST', body: JSON.stringify(userText('Say hi')) });
    assert.equal(missing.statusCode, 401);
    assert.match(await missing.body.text(), /Request is missing required authentication credential[\s\S]*CREDENTIALS_MISSING/);
  });

  it('answers 403 for another project, 400 for an unknown location, 404 for an unknown model', async () => {
    const otherProject = await expectApiError(
      genai(token, 'us-central1', 'someone-else').models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi' }),
      403,
    );
    assert.equal(
      (otherProject.error as { message: string }).message,
      "Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/projects/someone-else/locations/us-central1/publishers/google/models/gemini-2.0-flash-001' (or it may not exist).",
    );
    await expectApiError(genai(token, 'mars-north1').models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi' }), 400);
    for (const location of ['global', 'europe-west4', 'us', 'eu']) {
      const ok = await genai(token, location).models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi' });
      assert.equal(ok.text, SAY_HI);
    }
    const missing = await expectApiError(genai().models.generateContent({ model: 'gemini-9-ultra', contents: 'Say hi' }), 404);
    assert.match((missing.error as { message: string }).message, /^Publisher Model `projects\/interchange-demo\/locations\/us-central1\/publishers\/google\/models\/gemini-9-ultra` was not found/);
    const page = await post('/v1/projects/interchange-demo/locations/us-central1/publishers/google/models/gemini-2.0-flash-001:predictMagic', {});
    assert.equal(page.status, 404);
    assert.match(page.text, /<title>Error 404 \(Not Found\)!!1<\/title>/);
  });
});

describe('quotas and context windows', () => {
  it('answers 429 RESOURCE_EXHAUSTED once the RPM quota is used up, on both methods', async () => {
    emulator.resetQuotas();
    await genai().models.generateContent({ model: 'gemini-limited', contents: 'one' });
    await genai().models.generateContent({ model: 'gemini-limited', contents: 'two' });
    const body = await expectApiError(genai().models.generateContent({ model: 'gemini-limited', contents: 'three' }), 429);
    assert.deepEqual(body, {
      error: {
        code: 429,
        message:
          'Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model with base model: gemini-limited. Please submit a quota increase request. https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai.',
        status: 'RESOURCE_EXHAUSTED',
      },
    });
    const streamed = await post(modelPath('gemini-limited', 'streamGenerateContent?alt=sse'), userText('four'));
    assert.equal(streamed.status, 429);
    assert.ok(streamed.text.startsWith('[{\n  "error": {\n    "code": 429,'));
    emulator.resetQuotas();
    assert.equal((await genai().models.generateContent({ model: 'gemini-limited', contents: 'five' })).candidates?.[0].finishReason, 'STOP');
  });

  it('refuses prompts over the context window with Vertex message', async () => {
    const response = await post(modelPath('gemini-small'), userText('one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen'));
    assert.equal(response.status, 400);
    assert.equal(
      (JSON.parse(response.text) as { error: { message: string } }).error.message,
      'The input token count (21) exceeds the maximum number of tokens allowed (20).',
    );
  });
});

describe('safety blocks', () => {
  it('blocks the prompt: promptFeedback and no candidates', async () => {
    const response = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Tell me [vertex-block: prompt]' });
    assert.equal(response.candidates, undefined);
    assert.equal(response.promptFeedback?.blockReason, 'SAFETY');
    assert.ok(response.promptFeedback?.safetyRatings?.some((rating) => rating.blocked === true && rating.category === 'HARM_CATEGORY_DANGEROUS_CONTENT'));
    assert.equal(response.usageMetadata?.candidatesTokenCount, undefined);
    assert.equal(response.usageMetadata?.totalTokenCount, response.usageMetadata?.promptTokenCount);
    const prohibited = await collect(
      await genai().models.generateContentStream({ model: 'gemini-2.0-flash-001', contents: '[vertex-block: prompt, PROHIBITED_CONTENT]' }),
    );
    assert.equal(prohibited.length, 1);
    assert.equal(prohibited[0].promptFeedback?.blockReason, 'PROHIBITED_CONTENT');
  });

  it('stops the candidate with finishReason SAFETY: no content, or half the text when streamed', async () => {
    const blocked = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi [vertex-block: response]' });
    const candidate = blocked.candidates?.[0];
    assert.equal(candidate?.finishReason, 'SAFETY');
    assert.equal(candidate?.content, undefined);
    assert.ok(candidate?.safetyRatings?.some((rating) => rating.blocked === true));
    const chunks = await collect(await genai().models.generateContentStream({ model: 'gemini-2.0-flash-001', contents: 'Say hi [vertex-block: response]' }));
    const streamedText = chunks.map((chunk) => chunk.text ?? '').join('');
    assert.ok(streamedText.length > 0 && SAY_HI.includes(streamedText.slice(0, 10)));
    assert.equal(chunks.at(-1)?.candidates?.[0].finishReason, 'SAFETY');
    assert.equal(chunks.at(-1)?.usageMetadata?.candidatesTokenCount, countTokens(streamedText));
    assert.equal(blocked.usageMetadata?.candidatesTokenCount, countTokens(streamedText));
    const spii = await genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'x [vertex-block: response, SPII]' });
    assert.equal(spii.candidates?.[0].finishReason, 'SPII');
    const typo = await post(modelPath('gemini-2.0-flash-001'), userText('[vertex-block: answer]'));
    assert.equal(typo.status, 400);
  });
});

describe('request validation', () => {
  async function invalid(body: unknown, pattern: RegExp, model = 'gemini-2.0-flash-001'): Promise<void> {
    const response = await post(modelPath(model), body);
    assert.equal(response.status, 400, response.text);
    const error = (JSON.parse(response.text) as { error: { status: string; message: string } }).error;
    assert.equal(error.status, 'INVALID_ARGUMENT');
    assert.match(error.message, pattern);
  }

  it('rejects unknown fields and wrong types in Google proto-JSON words', async () => {
    const response = await post(modelPath('gemini-2.0-flash-001'), { ...userText('hi'), generationConfig: { maxOutputTokens: 'many', topK: 3 }, extra: 1 });
    assert.equal(response.status, 400);
    const error = (JSON.parse(response.text) as { error: { message: string; details: { fieldViolations: unknown[] }[] } }).error;
    assert.equal(
      error.message,
      "Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), \"many\"\nInvalid JSON payload received. Unknown name \"extra\": Cannot find field.",
    );
    assert.equal(error.details[0].fieldViolations.length, 2);
    await invalid(
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { a: { type: 'STRING', $ref: '#/x' } } } }] }] },
      /^Invalid JSON payload received\. Unknown name "\$ref" at 'tools\[0\]\.function_declarations\[0\]\.parameters\.properties\[0\]\.value': Cannot find field\.$/,
    );
    await invalid({ contents: [{ role: 'user', parts: { text: 'hi' } }] }, /Invalid value at 'contents\[0\]\.parts'/);
    await invalid({ ...userText('hi'), toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } }, /Invalid value at 'tool_config\.function_calling_config\.mode' \(type\.googleapis\.com\/google\.cloud\.aiplatform\.v1\.FunctionCallingConfig\.Mode\), "SOMETIMES"/);
    await invalid({ contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: 'not base64!' } }] }] }, /Base64 decoding failed/);
    // snake_case names are accepted like camelCase ones.
    assert.equal((await post(modelPath('gemini-2.0-flash-001'), { ...userText('hi'), generation_config: { max_output_tokens: 2 } })).status, 200);
  });

  it('enforces roles, one data field per part, and non-empty contents', async () => {
    await invalid({ contents: [{ role: 'assistant', parts: [{ text: 'hi' }] }] }, /^Please use a valid role: user, model\.$/);
    await invalid(
      { contents: [{ role: 'user', parts: [{ text: 'hi', inlineData: { mimeType: 'image/png', data: 'AAAA' } }] }] },
      /oneof field 'data' is already set\. Cannot set 'inlineData'/,
    );
    await invalid({ contents: [] }, /at least one contents field/);
    // Gemini's image types only: image/jpg and GIF are refused, by name.
    for (const mimeType of ['image/jpg', 'image/gif']) {
      await invalid({ contents: [{ role: 'user', parts: [{ inlineData: { mimeType, data: 'AAAA' } }] }] }, new RegExp(`mimeType parameter with value ${mimeType}, which is not supported`));
      await invalid({ contents: [{ role: 'user', parts: [{ fileData: { mimeType, fileUri: 'gs://bucket/a' } }] }] }, /which is not supported/);
    }
    for (const mimeType of ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif', 'application/pdf']) {
      assert.equal((await post(modelPath('gemini-2.0-flash-001'), { contents: [{ role: 'user', parts: [{ text: 'see' }, { inlineData: { mimeType, data: 'AAAA' } }] }] })).status, 200, mimeType);
    }
    await invalid({ contents: [{ role: 'user', parts: [] }] }, /at least one parts field/);
    await invalid({ contents: [{ role: 'user', parts: [{ thought: true }] }] }, /must have a text parameter/);
    await invalid({ contents: [{ role: 'user', parts: [{ text: '' }] }] }, /empty text parameter/);
    await invalid('{"contents": [', /Invalid JSON payload received/);
  });

  it('checks that function responses answer the function call turn', async () => {
    const tools = [{ functionDeclarations: [{ name: 'f' }, { name: 'g' }] }];
    await invalid(
      { contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: { ok: true } } }] }], tools },
      /^Please ensure that function response turn comes immediately after a function call turn\.$/,
    );
    await invalid(
      {
        contents: [
          { role: 'user', parts: [{ text: 'call f and g' }] },
          { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }, { functionCall: { name: 'g', args: {} } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'f', response: { ok: true } } }] },
        ],
        tools,
      },
      /^Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn\.$/,
    );
    await invalid(
      { contents: [{ role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] }], tools },
      /^Please ensure that function call turn comes immediately after a user turn or after a function response turn\.$/,
    );
    await invalid({ ...userText('hi'), tools: [{ functionDeclarations: [{ name: '1bad name' }] }] }, /^Invalid function name\./);
  });

  it('checks generation-config ranges', async () => {
    await invalid({ ...userText('hi'), generationConfig: { temperature: 3 } }, /temperature value of 3 but the supported range is from 0 \(inclusive\) to 2\.0001 \(exclusive\)/);
    await invalid({ ...userText('hi'), generationConfig: { maxOutputTokens: 9000 } }, /maxOutputTokens value of 9000 but the supported range is from 1 \(inclusive\) to 8193 \(exclusive\)/);
    await invalid({ ...userText('hi'), generationConfig: { responseMimeType: 'text/html' } }, /response_mime_type/);
    await invalid({ ...userText('hi'), generationConfig: { responseJsonSchema: { type: 'object' } } }, /requires response_mime_type/);
  });

  it('serves the v1 path as well as v1beta1', async () => {
    for (const version of ['v1', 'v1beta1']) {
      const response = await post(modelPath('gemini-2.0-flash-001', 'generateContent', version), userText('Say hi'));
      assert.equal(response.status, 200);
      assert.ok(response.text.startsWith('{\n  "candidates": [\n    {\n      "content": {\n        "role": "model",'));
      const compact = await post(modelPath('gemini-2.0-flash-001', 'generateContent?prettyPrint=false', version), userText('Say hi'));
      assert.ok(compact.text.startsWith('{"candidates":[{"content":{"role":"model","parts":[{"text":'));
    }
  });
});

describe('faults', () => {
  it('answers injected statuses with google.rpc bodies', async () => {
    const unavailable = await post(modelPath('gemini-2.0-flash-001'), userText('Say hi'), { 'x-emulator-fault': 'status=503' });
    assert.equal(unavailable.status, 503);
    assert.deepEqual(JSON.parse(unavailable.text), { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } });
    const exhausted = await expectApiError(genai().models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'Say hi [emulator-fault@vertex: status=429]' }), 429);
    assert.equal((exhausted.error as { status: string }).status, 'RESOURCE_EXHAUSTED');
    assert.match((exhausted.error as { message: string }).message, /^Resource exhausted\. Please try again later\./);
    const internal = await post(modelPath('gemini-2.0-flash-001', 'streamGenerateContent?alt=sse'), userText('Say hi'), { 'x-emulator-fault': 'status=500' });
    assert.equal(internal.status, 500);
    assert.deepEqual(JSON.parse(internal.text), [{ error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } }]);
  });

  it('sends an in-stream error event with error-after, which the SDK raises', async () => {
    const raw = await post(modelPath('gemini-2.0-flash-001', 'streamGenerateContent?alt=sse'), userText('Say hi'), { 'x-emulator-fault': 'error-after=2, code=UNAVAILABLE' });
    const events = raw.text.split('\r\n\r\n');
    assert.equal(events[2], 'data: {"error": {"code": 503,"message": "The service is currently unavailable.","status": "UNAVAILABLE"}}');
    const chunks: string[] = [];
    const status = await (async () => {
      try {
        for await (const chunk of await genai().models.generateContentStream({ model: 'gemini-2.0-flash-001', contents: 'Say hi [emulator-fault: error-after=1]' })) {
          chunks.push(chunk.text ?? '');
        }
      } catch (error) {
        assert.ok(error instanceof ApiError);
        return error.status;
      }
      return 0;
    })();
    assert.equal(status, 500);
    assert.equal(chunks.length, 1);
  });

  it('cuts and corrupts streams', async () => {
    await assert.rejects(async () => {
      await collect(await genai().models.generateContentStream({ model: 'gemini-2.0-flash-001', contents: 'Say hi [emulator-fault: malformed]' }));
    });
    const cut = await post(modelPath('gemini-2.0-flash-001', 'streamGenerateContent?alt=sse'), userText('Say hi'), { 'x-emulator-fault': 'cut-after=2' }).catch(
      (error: unknown) => error,
    );
    assert.ok(cut instanceof Error);
  });
});

describe('OpenAI-compatible endpoint', () => {
  function openai(apiKey = token, location = 'global'): OpenAI {
    return new OpenAI({ baseURL: `${emulator.url}/v1/projects/${PROJECT}/locations/${location}/endpoints/openapi`, apiKey, maxRetries: 0 });
  }

  it('answers partner models in the OpenAI dialect with the bearer token', async () => {
    const completion = await openai().chat.completions.create({ model: 'openai/gpt-oss-120b-maas', messages: [{ role: 'user', content: 'Say hi' }] });
    assert.equal(completion.choices[0].message.content, 'Hello! You said: "Say hi". This is a deterministic reply from the openai/gpt-oss-120b-maas emulator.');
    assert.deepEqual([completion.usage?.prompt_tokens, completion.usage?.completion_tokens], [8, 18]);
    assert.equal(emulator.received.at(-1)?.path, `/v1/projects/${PROJECT}/locations/global/endpoints/openapi/chat/completions`);
    const stream = await openai(token, 'us-central1').chat.completions.create({
      model: 'google/gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Say hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello! You said: "Say hi". This is a deterministic reply from the google/gemini-2.5-flash emulator.');
  });

  it('refuses bad tokens, unknown models and exhausted quotas with Google errors', async () => {
    await assert.rejects(openai('wrong').chat.completions.create({ model: 'openai/gpt-oss-120b-maas', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError);
      return true;
    });
    await assert.rejects(openai().chat.completions.create({ model: 'openai/gpt-9', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.match(error.message, /Publisher Model `projects\/interchange-demo\/locations\/global\/publishers\/openai\/models\/gpt-9` was not found/);
      return true;
    });
    emulator.resetQuotas();
    await openai().chat.completions.create({ model: 'meta/llama-limited-maas', messages: [{ role: 'user', content: 'hi' }] });
    await assert.rejects(openai().chat.completions.create({ model: 'meta/llama-limited-maas', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      return true;
    });
    await assert.rejects(openai().chat.completions.create({ model: 'openai/gpt-oss-120b-maas', messages: [] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.code, 'empty_array');
      return true;
    });
  });
});
