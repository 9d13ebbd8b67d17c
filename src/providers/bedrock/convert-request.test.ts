import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import { createChatRequest, type ChatMessage, type ChatRequest } from '../../spec/index.ts';
import { collectImageUrls } from '../http/image-urls.ts';
import { convertToConverseRequest, type ConverseRequestBody, type ImageBytes } from './convert-request.ts';

function chatRequest(overrides: Partial<ChatRequest> & { messages: ChatMessage[] }): ChatRequest {
  return createChatRequest({ model: 'claude', ...overrides });
}

const none = new Map<string, ImageBytes>();
const convert = (overrides: Partial<ChatRequest> & { messages: ChatMessage[] }, images = none): ConverseRequestBody =>
  convertToConverseRequest(chatRequest(overrides), images);

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a GatewayError');
}

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  strict: true,
};
const call = (id: string, name: string, args: string) => ({ id, name, arguments: args });
const pngBase64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('convertToConverseRequest: messages', () => {
  const cases: Array<[string, ChatMessage[], Pick<ConverseRequestBody, 'messages' | 'system'>]> = [
    ['a user string', [{ role: 'user', content: 'Hi' }], { messages: [{ role: 'user', content: [{ text: 'Hi' }] }], system: undefined }],
    [
      'system and developer messages, wherever they appear, in order',
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }, { type: 'text', text: '' }] },
      ],
      { messages: [{ role: 'user', content: [{ text: 'Hi' }] }], system: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] },
    ],
    [
      'consecutive user messages merged into one turn',
      [
        { role: 'user', content: 'One' },
        { role: 'user', content: [{ type: 'text', text: 'Two' }] },
      ],
      { messages: [{ role: 'user', content: [{ text: 'One' }, { text: 'Two' }] }], system: undefined },
    ],
    [
      'empty text skipped, an emptied message dropped and its neighbours merged',
      [
        { role: 'user', content: 'A' },
        { role: 'assistant', content: '' },
        { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'B' }] },
      ],
      { messages: [{ role: 'user', content: [{ text: 'A' }, { text: 'B' }] }], system: undefined },
    ],
    [
      'assistant text and tool calls as text then toolUse blocks',
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: 'Checking.', toolCalls: [call('call_1', 'get_weather', '{"city":"Paris"}'), call('call_2', 'get_time', '')] },
      ],
      {
        messages: [
          { role: 'user', content: [{ text: 'Weather?' }] },
          {
            role: 'assistant',
            content: [
              { text: 'Checking.' },
              { toolUse: { toolUseId: 'call_1', name: 'get_weather', input: { city: 'Paris' } } },
              { toolUse: { toolUseId: 'call_2', name: 'get_time', input: {} } },
            ],
          },
        ],
        system: undefined,
      },
    ],
    [
      'tool results merged into one user turn with the user message after them, results first',
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', toolCalls: [call('call_1', 'get_weather', '{}'), call('call_2', 'get_weather', '{}')] },
        { role: 'tool', toolCallId: 'call_1', content: '{"temp": 21}' },
        { role: 'tool', toolCallId: 'call_2', content: [{ type: 'text', text: 'rain' }] },
        { role: 'user', content: 'Thanks' },
      ],
      {
        messages: [
          { role: 'user', content: [{ text: 'Weather?' }] },
          {
            role: 'assistant',
            content: [
              { toolUse: { toolUseId: 'call_1', name: 'get_weather', input: {} } },
              { toolUse: { toolUseId: 'call_2', name: 'get_weather', input: {} } },
            ],
          },
          {
            role: 'user',
            content: [
              { toolResult: { toolUseId: 'call_1', content: [{ text: '{"temp": 21}' }] } },
              { toolResult: { toolUseId: 'call_2', content: [{ text: 'rain' }] } },
              { text: 'Thanks' },
            ],
          },
        ],
        system: undefined,
      },
    ],
    [
      'a tool result after a user message still goes first in the merged turn',
      [
        { role: 'user', content: 'Go' },
        { role: 'assistant', toolCalls: [call('call_1', 'run', '{}')] },
        { role: 'user', content: 'Also this' },
        { role: 'tool', toolCallId: 'call_1', content: 'done' },
      ],
      {
        messages: [
          { role: 'user', content: [{ text: 'Go' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 'call_1', name: 'run', input: {} } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 'call_1', content: [{ text: 'done' }] } }, { text: 'Also this' }] },
        ],
        system: undefined,
      },
    ],
    [
      'an empty tool result as an empty content list',
      [
        { role: 'user', content: 'Go' },
        { role: 'assistant', toolCalls: [call('call_1', 'run', '{}')] },
        { role: 'tool', toolCallId: 'call_1', content: '' },
      ],
      {
        messages: [
          { role: 'user', content: [{ text: 'Go' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 'call_1', name: 'run', input: {} } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 'call_1', content: [] } }] },
        ],
        system: undefined,
      },
    ],
    [
      'consecutive assistant messages merged',
      [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'assistant', content: [{ type: 'text', text: 'again' }] },
      ],
      {
        messages: [
          { role: 'user', content: [{ text: 'Hi' }] },
          { role: 'assistant', content: [{ text: 'Hello' }, { text: 'again' }] },
        ],
        system: undefined,
      },
    ],
    [
      'an assistant refusal kept as its text when it has no content',
      [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', refusal: 'I cannot help with that.' },
      ],
      {
        messages: [
          { role: 'user', content: [{ text: 'Hi' }] },
          { role: 'assistant', content: [{ text: 'I cannot help with that.' }] },
        ],
        system: undefined,
      },
    ],
  ];
  for (const [name, messages, expected] of cases) {
    it(name, () => {
      const body = convert({ messages });
      assert.deepEqual(body.messages, expected.messages);
      assert.deepEqual(body.system, expected.system);
    });
  }

  it('rewrites tool-call ids outside Bedrock\'s alphabet the same way in toolUse and toolResult', () => {
    const id = 'functions.get_weather:0';
    const long = `call_${'x'.repeat(80)}`;
    const body = convert({
      messages: [
        { role: 'user', content: 'Go' },
        { role: 'assistant', toolCalls: [call(id, 'get_weather', '{}'), call(long, 'get_weather', '{}')] },
        { role: 'tool', toolCallId: id, content: 'a' },
        { role: 'tool', toolCallId: long, content: 'b' },
      ],
      tools: [weatherTool],
    });
    const uses = body.messages[1].content.map((block) => ('toolUse' in block ? block.toolUse.toolUseId : ''));
    const results = body.messages[2].content.map((block) => ('toolResult' in block ? block.toolResult.toolUseId : ''));
    assert.deepEqual(uses, results);
    for (const rewritten of uses) assert.match(rewritten, /^[a-zA-Z0-9_-]{1,64}$/);
    assert.match(uses[0], /^functions_get_weather_0_[0-9a-f]{8}$/);
    assert.notEqual(uses[0], uses[1]);
  });

  const refusals: Array<[string, ChatMessage[], string, RegExp]> = [
    ['a conversation that starts with the assistant', [{ role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Hi' }], 'messages', /start with a user message/],
    ['a conversation of system messages only', [{ role: 'system', content: 'Be brief.' }], 'messages', /at least one user message/],
    [
      'unparseable tool-call arguments',
      [
        { role: 'user', content: 'Go' },
        { role: 'assistant', toolCalls: [call('call_1', 'run', '{"a":')] },
      ],
      'messages[1].tool_calls[0].function.arguments',
      /not valid JSON/,
    ],
    [
      'tool-call arguments that are not an object',
      [
        { role: 'user', content: 'Go' },
        { role: 'assistant', toolCalls: [call('call_1', 'run', '[1,2]')] },
      ],
      'messages[1].tool_calls[0].function.arguments',
      /must be a JSON object/,
    ],
  ];
  for (const [name, messages, param, message] of refusals) {
    it(`refuses ${name}`, () => {
      const error = refusal(() => convert({ messages }));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, param);
      assert.match(error.message, message);
    });
  }
});

describe('convertToConverseRequest: images', () => {
  const image = (url: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'url', url }, detail: 'high' }] });
  const inline = (mediaType: string, data: string): ChatMessage => ({
    role: 'user',
    content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'data', mediaType, data } }],
  });

  const formats: Array<[string, string]> = [
    ['image/png', 'png'],
    ['image/jpeg', 'jpeg'],
    ['image/jpg', 'jpeg'],
    ['IMAGE/GIF', 'gif'],
    ['image/webp', 'webp'],
  ];
  for (const [mimeType, format] of formats) {
    it(`takes a ${mimeType} data URI as a ${format} image, base64 passed through`, () => {
      const body = convert({ messages: [image(`data:${mimeType};base64,${pngBase64}`)] });
      assert.deepEqual(body.messages[0].content[1], { image: { format, source: { bytes: pngBase64 } } });
    });

    it(`takes inline ${mimeType} data as a ${format} image, base64 passed through`, () => {
      const body = convert({ messages: [inline(mimeType, pngBase64)] });
      assert.deepEqual(body.messages[0].content[1], { image: { format, source: { bytes: pngBase64 } } });
    });
  }

  it('takes fetched https images from the map, base64-encoded', () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const images = new Map<string, ImageBytes>([['https://example.com/cat.png', { format: 'png', bytes }]]);
    const body = convert({ messages: [image('https://example.com/cat.png')] }, images);
    assert.deepEqual(body.messages[0].content[1], { image: { format: 'png', source: { bytes: Buffer.from(bytes).toString('base64') } } });
  });

  const refused: Array<[string, string, RegExp]> = [
    ['an unsupported image type', 'data:image/svg+xml;base64,PHN2Zz4=', /image\/svg\+xml.*image\/png, image\/jpeg, image\/gif and image\/webp/],
    ['a data URI that is not base64', 'data:image/png,rawbytes', /must be a base64 data URI/],
    ['invalid base64', 'data:image/png;base64,@@@@', /valid base64/],
    ['empty image data', 'data:image/png;base64,', /valid base64/],
    ['an http URL', 'http://example.com/cat.png', /http: image URLs are not supported/],
    ['a file URL', 'file:///etc/passwd', /file: image URLs are not supported/],
  ];
  for (const [name, url, message] of refused) {
    it(`refuses ${name}, naming the param`, () => {
      const error = refusal(() => convert({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yes?' }, image(url)] }));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'messages[2].content[1].image_url.url');
      assert.match(error.message, message);
    });
  }

  const refusedInline: Array<[string, string, string, RegExp]> = [
    ['an unsupported image type', 'image/svg+xml', 'PHN2Zz4=', /image\/svg\+xml.*image\/png, image\/jpeg, image\/gif and image\/webp/],
    ['invalid base64', 'image/png', '@@@@', /valid base64/],
    ['empty image data', 'image/png', '', /valid base64/],
  ];
  for (const [name, mediaType, data, message] of refusedInline) {
    it(`refuses inline data with ${name}, naming the param`, () => {
      const error = refusal(() => convert({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yes?' }, inline(mediaType, data)] }));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'messages[2].content[1].image_url.url');
      assert.match(error.message, message);
    });
  }

  it('reports an https image missing from the map as a gateway bug', () => {
    assert.equal(refusal(() => convert({ messages: [image('https://example.com/cat.png')] })).code, 'internal_error');
  });

  it('collects each https URL once, in order, and skips data URIs', () => {
    const request = chatRequest({
      messages: [
        image('https://example.com/b.png'),
        { role: 'assistant', content: 'ok' },
        image(`data:image/png;base64,${pngBase64}`),
        inline('image/png', pngBase64),
        image('https://example.com/a.png'),
        image('HTTPS://example.com/b.png'),
        image('https://example.com/b.png'),
      ],
    });
    assert.deepEqual(collectImageUrls(request), ['https://example.com/b.png', 'https://example.com/a.png', 'HTTPS://example.com/b.png']);
    assert.deepEqual(collectImageUrls(chatRequest({ messages: [{ role: 'user', content: 'Hi' }] })), []);
  });

  it('refuses non-https image URLs before anything is fetched', () => {
    const error = refusal(() => collectImageUrls(chatRequest({ messages: [image('https://example.com/a.png'), image('ftp://example.com/a.png')] })));
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.param, 'messages[1].content[1].image_url.url');
  });
});

describe('convertToConverseRequest: tools', () => {
  const history: ChatMessage[] = [
    { role: 'user', content: 'Weather?' },
    { role: 'assistant', toolCalls: [call('call_1', 'get_weather', '{"city":"Paris"}')] },
    { role: 'tool', toolCallId: 'call_1', content: 'sunny' },
  ];
  const weatherSpec = {
    toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } } },
  };
  const cases: Array<[string, Partial<ChatRequest>, ChatMessage[], ConverseRequestBody['toolConfig']]> = [
    ['no tools, no tool history: no toolConfig', {}, [{ role: 'user', content: 'Hi' }], undefined],
    ['tools without a choice (strict not forwarded)', { tools: [weatherTool] }, [{ role: 'user', content: 'Hi' }], { tools: [weatherSpec] }],
    ['auto', { tools: [weatherTool], toolChoice: 'auto' }, [{ role: 'user', content: 'Hi' }], { tools: [weatherSpec], toolChoice: { auto: {} } }],
    ['required → any', { tools: [weatherTool], toolChoice: 'required' }, [{ role: 'user', content: 'Hi' }], { tools: [weatherSpec], toolChoice: { any: {} } }],
    [
      'a named tool',
      { tools: [weatherTool], toolChoice: { type: 'function', name: 'get_weather' } },
      [{ role: 'user', content: 'Hi' }],
      { tools: [weatherSpec], toolChoice: { tool: { name: 'get_weather' } } },
    ],
    ['none drops the tools and the toolConfig', { tools: [weatherTool], toolChoice: 'none' }, [{ role: 'user', content: 'Hi' }], undefined],
    ['none with tool blocks in the conversation keeps the tools without a choice', { tools: [weatherTool], toolChoice: 'none' }, history, { tools: [weatherSpec] }],
    [
      'tool blocks in the conversation but no tools: minimal specs for the names used',
      {},
      history,
      { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object', properties: {} } } } }] },
    ],
    [
      'a tool without description or parameters',
      { tools: [{ type: 'function', name: 'ping' }] },
      [{ role: 'user', content: 'Hi' }],
      { tools: [{ toolSpec: { name: 'ping', inputSchema: { json: { type: 'object', properties: {} } } } }] },
    ],
  ];
  for (const [name, overrides, messages, expected] of cases) {
    it(name, () => {
      assert.deepEqual(convert({ ...overrides, messages }).toolConfig, expected);
    });
  }
});

describe('convertToConverseRequest: settings', () => {
  const messages: ChatMessage[] = [{ role: 'user', content: 'Hi' }];

  it('maps the output limit, stop sequences, temperature and top_p into inferenceConfig', () => {
    const body = convert({ messages, maxOutputTokens: 512, stop: ['END', '', '###'], temperature: 0.2, topP: 0.9 });
    assert.deepEqual(body.inferenceConfig, { maxTokens: 512, temperature: 0.2, topP: 0.9, stopSequences: ['END', '###'] });
  });

  it('sends no inferenceConfig when nothing is set, and keeps a temperature of 0', () => {
    assert.equal(convert({ messages, stop: [''] }).inferenceConfig, undefined);
    assert.deepEqual(convert({ messages, temperature: 0 }).inferenceConfig, { temperature: 0 });
  });

  it('drops seed, user, parallel_tool_calls and unknown fields', () => {
    const body = convert({
      messages,
      seed: 7,
      user: 'u-1',
      parallelToolCalls: false,
      passthrough: { dialect: 'openai-chat', body: { seed: 7, logit_bias: {}, metadata: { a: 1 } } },
    });
    assert.deepEqual(Object.keys(body), ['messages']);
  });

  it('maps json_schema to outputConfig with the schema as a JSON string', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const body = convert({
      messages,
      responseFormat: { type: 'json-schema', name: 'answer', description: 'An answer', schema, strict: true },
    });
    assert.deepEqual(body.outputConfig, {
      textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'answer', description: 'An answer' } } },
    });
    assert.equal(body.system, undefined);
  });

  it('asks for JSON in a system block for json_object, after the client\'s own', () => {
    const body = convert({ messages: [{ role: 'system', content: 'Be brief.' }, ...messages], responseFormat: { type: 'json-object' } });
    assert.equal(body.outputConfig, undefined);
    assert.deepEqual(body.system, [{ text: 'Be brief.' }, { text: 'Respond with a single valid JSON object and nothing else.' }]);
  });

  it('ignores response_format text', () => {
    const body = convert({ messages, responseFormat: { type: 'text' } });
    assert.equal(body.outputConfig, undefined);
    assert.equal(body.system, undefined);
  });

  it('produces a body that survives JSON serialisation unchanged', () => {
    const body = convert({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'data', mediaType: 'image/png', data: pngBase64 } }] }], tools: [weatherTool] });
    assert.deepEqual(JSON.parse(JSON.stringify(body)), body);
  });
});
