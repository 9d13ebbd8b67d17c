import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import { createChatRequest, type ChatMessage, type ChatRequest } from '../../spec/index.ts';
import { collectImageUrls } from '../http/image-urls.ts';
import { convertToGeminiRequest, skippedThoughtSignature, type GeminiImage, type GeminiRequestBody } from './convert-request.ts';

function chatRequest(overrides: Partial<ChatRequest> & { messages: ChatMessage[] }): ChatRequest {
  return createChatRequest({ model: 'gemini', ...overrides });
}

const none = new Map<string, GeminiImage>();
const convert = (overrides: Partial<ChatRequest> & { messages: ChatMessage[] }, images = none): GeminiRequestBody =>
  convertToGeminiRequest(chatRequest(overrides), images);

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
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
};
const timeTool = { type: 'function' as const, name: 'get_time', parameters: { type: 'object', properties: {} } };
const call = (id: string, name: string, args: string) => ({ id, name, arguments: args });
const functionCall = (name: string, args: Record<string, unknown>) => ({ functionCall: { name, args }, thoughtSignature: skippedThoughtSignature });
const functionResponse = (name: string, output: string) => ({ functionResponse: { name, response: { output } } });
const pngBase64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('convertToGeminiRequest: messages', () => {
  const cases: Array<[string, ChatMessage[], Pick<GeminiRequestBody, 'contents' | 'systemInstruction'>]> = [
    ['a user string', [{ role: 'user', content: 'Hi' }], { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], systemInstruction: undefined }],
    [
      'system and developer messages, wherever they appear, joined in order into one systemInstruction',
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }, { type: 'text', text: '' }] },
      ],
      { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], systemInstruction: { parts: [{ text: 'Be brief.\n\nAnswer in French.' }] } },
    ],
    [
      'assistant → model; roles alternate',
      [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: [{ type: 'text', text: 'How are you?' }] },
      ],
      {
        contents: [
          { role: 'user', parts: [{ text: 'Hi' }] },
          { role: 'model', parts: [{ text: 'Hello!' }] },
          { role: 'user', parts: [{ text: 'How are you?' }] },
        ],
        systemInstruction: undefined,
      },
    ],
    [
      'consecutive messages of one role merged into one turn',
      [
        { role: 'user', content: 'One' },
        { role: 'user', content: 'Two' },
        { role: 'assistant', content: 'A' },
        { role: 'assistant', content: [{ type: 'text', text: 'B' }] },
      ],
      {
        contents: [
          { role: 'user', parts: [{ text: 'One' }, { text: 'Two' }] },
          { role: 'model', parts: [{ text: 'A' }, { text: 'B' }] },
        ],
        systemInstruction: undefined,
      },
    ],
    [
      'empty text skipped, a message left empty dropped and its neighbours merged',
      [
        { role: 'user', content: 'One' },
        { role: 'assistant', content: '' },
        { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'Two' }] },
      ],
      { contents: [{ role: 'user', parts: [{ text: 'One' }, { text: 'Two' }] }], systemInstruction: undefined },
    ],
    [
      'an assistant refusal kept as its text',
      [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', refusal: 'I cannot help with that.' },
        { role: 'user', content: 'Why?' },
      ],
      {
        contents: [
          { role: 'user', parts: [{ text: 'Hi' }] },
          { role: 'model', parts: [{ text: 'I cannot help with that.' }] },
          { role: 'user', parts: [{ text: 'Why?' }] },
        ],
        systemInstruction: undefined,
      },
    ],
    [
      'tool calls → functionCall parts (with the skip signature), tool results → functionResponse by name',
      [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: 'Checking.', toolCalls: [call('call_1', 'get_weather', '{"city":"Paris"}')] },
        { role: 'tool', toolCallId: 'call_1', content: '{"temp":18}' },
      ],
      {
        contents: [
          { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
          { role: 'model', parts: [{ text: 'Checking.' }, functionCall('get_weather', { city: 'Paris' })] },
          { role: 'user', parts: [functionResponse('get_weather', '{"temp":18}')] },
        ],
        systemInstruction: undefined,
      },
    ],
    [
      'parallel tool results merged into one user turn, in the order of their calls, before the user text that follows',
      [
        { role: 'user', content: 'Weather and time?' },
        { role: 'assistant', toolCalls: [call('a', 'get_weather', '{"city":"Paris"}'), call('b', 'get_time', '')] },
        { role: 'tool', toolCallId: 'b', content: [{ type: 'text', text: '12:00' }] },
        { role: 'tool', toolCallId: 'a', content: 'Sunny' },
        { role: 'user', content: 'Thanks' },
      ],
      {
        contents: [
          { role: 'user', parts: [{ text: 'Weather and time?' }] },
          { role: 'model', parts: [functionCall('get_weather', { city: 'Paris' }), functionCall('get_time', {})] },
          { role: 'user', parts: [functionResponse('get_weather', 'Sunny'), functionResponse('get_time', '12:00'), { text: 'Thanks' }] },
        ],
        systemInstruction: undefined,
      },
    ],
    [
      'an empty tool result is an empty output',
      [
        { role: 'user', content: 'Go' },
        { role: 'assistant', toolCalls: [call('x', 'get_time', '{}')] },
        { role: 'tool', toolCallId: 'x', content: '' },
      ],
      {
        contents: [
          { role: 'user', parts: [{ text: 'Go' }] },
          { role: 'model', parts: [functionCall('get_time', {})] },
          { role: 'user', parts: [functionResponse('get_time', '')] },
        ],
        systemInstruction: undefined,
      },
    ],
    [
      'an id reused in a later turn names that turn’s call',
      [
        { role: 'user', content: 'Go' },
        { role: 'assistant', toolCalls: [call('same', 'get_time', '{}')] },
        { role: 'tool', toolCallId: 'same', content: '1' },
        { role: 'assistant', toolCalls: [call('same', 'get_weather', '{"city":"Oslo"}')] },
        { role: 'tool', toolCallId: 'same', content: '2' },
      ],
      {
        contents: [
          { role: 'user', parts: [{ text: 'Go' }] },
          { role: 'model', parts: [functionCall('get_time', {})] },
          { role: 'user', parts: [functionResponse('get_time', '1')] },
          { role: 'model', parts: [functionCall('get_weather', { city: 'Oslo' })] },
          { role: 'user', parts: [functionResponse('get_weather', '2')] },
        ],
        systemInstruction: undefined,
      },
    ],
  ];
  for (const [name, messages, expected] of cases) {
    it(name, () => {
      const body = convert({ messages });
      assert.deepEqual(body.contents, expected.contents);
      assert.deepEqual(body.systemInstruction, expected.systemInstruction);
    });
  }

  it('refuses a conversation of system messages only', () => {
    const error = refusal(() => convert({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: '' }] }));
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.param, 'messages');
  });

  it('refuses a tool result whose id no assistant message declared', () => {
    const error = refusal(() =>
      convert({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', toolCalls: [call('known', 'get_time', '{}')] },
          { role: 'tool', toolCallId: 'unknown', content: 'x' },
        ],
      }),
    );
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.param, 'messages[2].tool_call_id');
  });

  it('refuses tool-call arguments that are not a JSON object, naming the param', () => {
    for (const [argumentsText, pattern] of [
      ['{not json', /not valid JSON/],
      ['[1,2]', /must be a JSON object/],
      ['"text"', /must be a JSON object/],
      ['null', /must be a JSON object/],
    ] as const) {
      const error = refusal(() => convert({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', toolCalls: [call('c', 'f', argumentsText)] }] }));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'messages[1].tool_calls[0].function.arguments');
      assert.match(error.message, pattern);
    }
  });

  it('refuses an unknown role', () => {
    const error = refusal(() => convert({ messages: [{ role: 'function', content: 'x' } as unknown as ChatMessage] }));
    assert.equal(error.param, 'messages[0].role');
  });
});

describe('convertToGeminiRequest: images', () => {
  it('a data URI becomes inlineData with the base64 passed through', () => {
    const body = convert({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'url', url: `data:image/png;base64,${pngBase64}` }, detail: 'high' }] }],
    });
    assert.deepEqual(body.contents[0].parts, [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: pngBase64 } }]);
  });

  it('inline image data becomes inlineData with the base64 passed through and the type normalised', () => {
    const body = convert({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'data', mediaType: 'Image/PNG', data: pngBase64 } }] }] });
    assert.deepEqual(body.contents[0].parts, [{ inlineData: { mimeType: 'image/png', data: pngBase64 } }]);
  });

  it('sends image/jpg as image/jpeg, inline data and data URIs alike', () => {
    const body = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'data', mediaType: 'image/jpg', data: pngBase64 } },
            { type: 'image', source: { type: 'url', url: `data:IMAGE/JPG;base64,${pngBase64}` } },
          ],
        },
      ],
    });
    assert.deepEqual(body.contents[0].parts, [{ inlineData: { mimeType: 'image/jpeg', data: pngBase64 } }, { inlineData: { mimeType: 'image/jpeg', data: pngBase64 } }]);
  });

  it("takes exactly Gemini's image types", () => {
    for (const mediaType of ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']) {
      const body = convert({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'data', mediaType, data: pngBase64 } }] }] });
      assert.deepEqual(body.contents[0].parts, [{ inlineData: { mimeType: mediaType, data: pngBase64 } }]);
    }
  });

  it('refuses a fetched image of a type Gemini does not take, naming the type', () => {
    const url = 'https://example.com/cat.gif';
    const error = refusal(() => convert({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url } }] }] }, new Map([[url, { mimeType: 'image/gif', data: 'R0lGODlh' }]])));
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.param, 'messages[0].content[0].image_url.url');
    assert.match(error.message, /image of type image\/gif; Gemini on Vertex AI takes image\/png, image\/jpeg, image\/webp, image\/heic, image\/heif/);
  });

  const refusedInline: Array<[string, string, string, RegExp]> = [
    ['a type that is not an image', 'text/plain', 'aGk=', /an image_url must carry an image/],
    ['an image type Gemini does not take', 'image/gif', 'R0lGODlh', /image of type image\/gif/],
    ['a BMP', 'image/bmp', 'Qk0=', /image of type image\/bmp/],
    ['invalid base64', 'image/png', '@@@@', /valid base64/],
    ['empty data', 'image/png', '', /valid base64/],
  ];
  for (const [name, mediaType, data, message] of refusedInline) {
    it(`refuses inline data with ${name}, naming the param`, () => {
      const error = refusal(() => convert({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image', source: { type: 'data', mediaType, data } }] }] }));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'messages[0].content[1].image_url.url');
      assert.match(error.message, message);
    });
  }

  it('an https URL uses the fetched image', () => {
    const url = 'https://example.com/cat.webp';
    const body = convert(
      { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url } }] }] },
      new Map([[url, { mimeType: 'image/webp', data: 'UklGRg==' }]]),
    );
    assert.deepEqual(body.contents[0].parts, [{ inlineData: { mimeType: 'image/webp', data: 'UklGRg==' } }]);
  });

  it('an https URL that was not fetched is a gateway bug, not the client’s', () => {
    const error = refusal(() => convert({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] }] }));
    assert.equal(error.code, 'internal_error');
  });

  const refused: Array<[string, string, RegExp]> = [
    ['another scheme', 'http://example.com/a.png', /http: image URLs are not supported/],
    ['a gs: URL', 'gs://bucket/a.png', /gs: image URLs are not supported/],
    ['a data URI that is not an image', 'data:text/plain;base64,aGk=', /an image_url must carry an image/],
    ['a data URI without base64', 'data:image/png,rawbytes', /must be a base64 data URI/],
    ['a data URI with broken base64', 'data:image/png;base64,@@@', /valid base64/],
    ['an empty data URI', 'data:image/png;base64,', /valid base64/],
    ['not a data URI at all', 'data:', /not a valid data URI/],
  ];
  for (const [name, url, pattern] of refused) {
    it(`refuses ${name}, naming the param`, () => {
      const error = refusal(() => convert({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image', source: { type: 'url', url } }] }] }));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'messages[0].content[1].image_url.url');
      assert.match(error.message, pattern);
    });
  }

  it('collectImageUrls lists each https URL once, in order, and refuses other schemes before any fetch', () => {
    const request = chatRequest({
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://a.example/1.png' } }, { type: 'image', source: { type: 'url', url: `data:image/png;base64,${pngBase64}` } }] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://b.example/2.png' } }, { type: 'image', source: { type: 'url', url: 'https://a.example/1.png' } }] },
      ],
    });
    assert.deepEqual(collectImageUrls(request), ['https://a.example/1.png', 'https://b.example/2.png']);
    assert.deepEqual(collectImageUrls(chatRequest({ messages: [{ role: 'user', content: 'text only' }] })), []);
    const error = refusal(() => collectImageUrls(chatRequest({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'file:///etc/passwd' } }] }] })));
    assert.equal(error.param, 'messages[0].content[0].image_url.url');
  });
});

describe('convertToGeminiRequest: tools', () => {
  const messages: ChatMessage[] = [{ role: 'user', content: 'Hi' }];

  it('declares every tool, its schema converted, strict not forwarded, a parameterless tool without parameters', () => {
    const body = convert({ messages, tools: [weatherTool, timeTool] });
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } },
          { name: 'get_time' },
        ],
      },
    ]);
    assert.equal(body.toolConfig, undefined);
  });

  it('sends a schema the OpenAPI subset cannot express as parametersJsonSchema', () => {
    const parameters = { type: 'object', properties: { filter: { type: 'object', additionalProperties: { type: 'string' } } } };
    const body = convert({ messages, tools: [{ type: 'function', name: 'search', parameters }] });
    assert.deepEqual(body.tools?.[0].functionDeclarations[0], { name: 'search', parametersJsonSchema: parameters });
  });

  const choices: Array<[string, ChatRequest['toolChoice'], GeminiRequestBody['toolConfig']]> = [
    ['auto', 'auto', { functionCallingConfig: { mode: 'AUTO' } }],
    ['required', 'required', { functionCallingConfig: { mode: 'ANY' } }],
    ['none', 'none', { functionCallingConfig: { mode: 'NONE' } }],
    ['a named function', { type: 'function', name: 'get_time' }, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } }],
  ];
  for (const [name, toolChoice, toolConfig] of choices) {
    it(`tool_choice ${name}`, () => {
      const body = convert({ messages, tools: [weatherTool, timeTool], toolChoice });
      assert.deepEqual(body.toolConfig, toolConfig);
      assert.equal(body.tools?.[0].functionDeclarations.length, 2);
    });
  }

  it('ignores tool_choice without tools', () => {
    const body = convert({ messages, tools: [], toolChoice: 'required' });
    assert.equal(body.tools, undefined);
    assert.equal(body.toolConfig, undefined);
  });
});

describe('convertToGeminiRequest: generation settings', () => {
  const messages: ChatMessage[] = [{ role: 'user', content: 'Hi' }];

  it('maps the limits and sampling settings', () => {
    const body = convert({ messages, maxOutputTokens: 256, temperature: 0.2, topP: 0.9, seed: 7, stop: ['END', '', 'STOP'] });
    assert.deepEqual(body.generationConfig, { maxOutputTokens: 256, temperature: 0.2, topP: 0.9, seed: 7, stopSequences: ['END', 'STOP'] });
  });

  it('sends no generationConfig when nothing is set, and drops user and unknown fields', () => {
    const body = convert({ messages, user: 'user-1', stop: [''], passthrough: { dialect: 'openai-chat', body: { presence_penalty: 1, logprobs: true, reasoning_effort: 'low' } }, parallelToolCalls: false });
    assert.deepEqual(body, { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
  });

  it('response_format json_object → application/json', () => {
    assert.deepEqual(convert({ messages, responseFormat: { type: 'json-object' } }).generationConfig, { responseMimeType: 'application/json' });
  });

  it('response_format text → nothing', () => {
    assert.equal(convert({ messages, responseFormat: { type: 'text' } }).generationConfig, undefined);
  });

  it('response_format json_schema → application/json and responseSchema in the client property order', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'], additionalProperties: false };
    const body = convert({ messages, temperature: 0, responseFormat: { type: 'json-schema', name: 'person', schema, strict: true } });
    assert.deepEqual(body.generationConfig, {
      temperature: 0,
      responseMimeType: 'application/json',
      responseSchema: { type: 'OBJECT', properties: { name: { type: 'STRING' }, age: { type: 'INTEGER' } }, required: ['name', 'age'], propertyOrdering: ['name', 'age'] },
    });
  });

  it('response_format json_schema the subset cannot express → responseJsonSchema', () => {
    const schema = { type: 'object', properties: { children: { type: 'array', items: { $ref: '#' } } } };
    const body = convert({ messages, responseFormat: { type: 'json-schema', name: 'tree', schema } });
    assert.deepEqual(body.generationConfig, { responseMimeType: 'application/json', responseJsonSchema: schema });
  });

  it('response_format json_schema without a schema → application/json only', () => {
    const body = convert({ messages, responseFormat: { type: 'json-schema', name: 'anything' } });
    assert.deepEqual(body.generationConfig, { responseMimeType: 'application/json' });
  });

  it('is plain JSON', () => {
    const body = convert({
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', toolCalls: [call('a', 'get_weather', '{"city":"Rome"}')] },
        { role: 'tool', toolCallId: 'a', content: 'ok' },
      ],
      tools: [weatherTool],
      toolChoice: 'auto',
      maxOutputTokens: 10,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(body)), body);
  });
});
