import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import * as z from 'zod';
import { request } from 'undici';
import { countTokens, DEFAULT_USAGE } from '../core/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from './index.ts';
import { readResponsesRequest } from './responses-request.ts';
import { ResponseStore, STORED_RESPONSES_LIMIT, planResponse } from './responses.ts';

const API_KEY = 'sk-test-emulator-key-0123456789';

let emulator: RunningEmulator;
let client: OpenAI;

before(async () => {
  emulator = await startOpenAIEmulator({ apiKey: API_KEY, quiet: true });
  client = new OpenAI({ baseURL: emulator.baseUrl, apiKey: API_KEY, maxRetries: 0 });
});

after(async () => {
  await emulator.close();
});

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  strict: true,
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', minimum: 3, maximum: 10 },
    },
    required: ['city', 'unit', 'days'],
    additionalProperties: false,
  },
} as const;

const TWELVE_WORDS = 'one two three four five six seven eight nine ten eleven twelve';

function fault(spec: string) {
  return { headers: { 'x-emulator-fault': spec } };
}

async function expectRejects<T extends Error>(promise: Promise<unknown>, errorClass: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${errorClass.name}, but the call succeeded`);
}

type StreamEvent = OpenAI.Responses.ResponseStreamEvent;

async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** POSTs a raw body to /v1/responses; the SSE text or JSON text back. */
async function raw(body: unknown, headers: Record<string, string> = {}) {
  const response = await request(`${emulator.baseUrl}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** The SSE events of a raw stream: event name and parsed data. */
function sseEvents(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      assert.ok(eventLine.startsWith('event: ') && dataLine.startsWith('data: '), block);
      return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) as Record<string, unknown> };
    });
}

describe('responses: the Response object', () => {
  it('answers a string input with the chat reply, the documented usage and every required field', async () => {
    const { data, response } = await client.responses.create({ model: 'gpt-4o', input: 'Say hi' }).withResponse();
    assert.match(data.id, /^resp_[0-9a-f]{48}$/);
    assert.equal(data.object, 'response');
    assert.equal(data.status, 'completed');
    assert.equal(data.model, 'gpt-4o');
    assert.ok(Math.abs(data.created_at - Date.now() / 1000) < 60);
    assert.equal(data.completed_at, data.created_at);
    assert.equal(data.error, null);
    assert.equal(data.incomplete_details, null);
    assert.equal(data.instructions, null);
    assert.deepEqual(data.tools, []);
    assert.equal(data.tool_choice, 'auto');
    assert.equal(data.parallel_tool_calls, true);
    assert.deepEqual(data.metadata, {});
    assert.equal(data.temperature, 1);
    assert.equal(data.top_p, 1);
    assert.equal((data as { store?: boolean }).store, true);
    assert.equal(data.previous_response_id, null);
    assert.deepEqual(data.text, { format: { type: 'text' }, verbosity: 'medium' });
    assert.deepEqual(data.reasoning, { effort: null, summary: null });
    const text = 'Hello! You said: "Say hi". This is a deterministic reply from the gpt-4o emulator.';
    assert.equal(data.output.length, 1);
    const message = data.output[0] as OpenAI.Responses.ResponseOutputMessage;
    assert.match(message.id, /^msg_[0-9a-f]{50}$/);
    assert.deepEqual(
      { ...message, id: '' },
      { id: '', type: 'message', status: 'completed', content: [{ type: 'output_text', annotations: [], logprobs: [], text }], role: 'assistant' },
    );
    assert.equal(data.output_text, text);
    // 3 per message + 2 tokens ("Say", " hi") + 3 for the reply, as chat counts it.
    assert.deepEqual(data.usage, {
      input_tokens: 8,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: countTokens(text),
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 8 + countTokens(text),
    });
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
    assert.equal(response.headers.get('content-type'), 'application/json');
  });

  it('agrees with chat completions on a message list: text, images, instructions and input tokens', async () => {
    const image = 'data:image/png;base64,aGVsbG8=';
    const [response, completion] = await Promise.all([
      client.responses.create({
        model: 'gpt-4.1',
        instructions: 'Be brief',
        input: [
          { role: 'user', content: 'an earlier question' },
          // An assistant turn as a client passes it back: output_text parts, no id or status.
          { role: 'assistant', content: [{ type: 'output_text', text: 'an earlier answer', annotations: [] }] } as never,
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'first part' },
              { type: 'input_text', text: 'second part' },
              { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
              { type: 'input_image', image_url: image, detail: 'low' },
            ],
          },
        ],
      }),
      client.chat.completions.create({
        model: 'gpt-4.1',
        messages: [
          { role: 'system', content: 'Be brief' },
          { role: 'user', content: 'an earlier question' },
          { role: 'assistant', content: 'an earlier answer' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'first part' },
              { type: 'text', text: 'second part' },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
              { type: 'image_url', image_url: { url: image } },
            ],
          },
        ],
      }),
    ]);
    assert.equal(
      response.output_text,
      'Hello! You said: "first part second part". I saw 2 images (1 inline, 1 by URL). This is a deterministic reply from the gpt-4.1 emulator.',
    );
    assert.equal(response.output_text, completion.choices[0].message.content);
    assert.equal(response.usage?.input_tokens, completion.usage?.prompt_tokens);
    assert.equal(response.usage?.output_tokens, completion.usage?.completion_tokens);
    assert.equal(response.instructions, 'Be brief');
  });

  it('is deterministic: the same input gives the same output, another input another; ids differ', async () => {
    const ask = (input: string) => client.responses.create({ model: 'gpt-4o', input });
    const [first, second, other] = await Promise.all([ask('one two three'), ask('one two three'), ask('four')]);
    assert.equal(first.output_text, second.output_text);
    assert.notEqual(first.output_text, other.output_text);
    assert.notEqual(first.id, second.id);
    assert.notEqual(first.output[0].id, second.output[0].id);
  });

  it('echoes the parameters it was given', async () => {
    const response = await client.responses.create({
      model: 'gpt-4o',
      input: 'echo',
      temperature: 0.5,
      top_p: 0.25,
      metadata: { team: 'search' },
      store: false,
      user: 'user-1',
      service_tier: 'flex',
      tools: [weatherTool],
      tool_choice: 'none',
      parallel_tool_calls: false,
      truncation: 'auto',
      text: { verbosity: 'low' },
    });
    assert.equal(response.temperature, 0.5);
    assert.equal(response.top_p, 0.25);
    assert.deepEqual(response.metadata, { team: 'search' });
    assert.equal((response as { store?: boolean }).store, false);
    assert.equal(response.user, 'user-1');
    assert.equal(response.service_tier, 'flex');
    assert.deepEqual(response.tools, [weatherTool]);
    assert.equal(response.tool_choice, 'none');
    assert.equal(response.parallel_tool_calls, false);
    assert.equal(response.truncation, 'auto');
    assert.deepEqual(response.text, { format: { type: 'text' }, verbosity: 'low' });
    assert.equal(response.output[0].type, 'message', 'tool_choice none answers text');
  });
});

describe('responses: streaming', () => {
  it('sends the documented events in order, sequence numbers from 0, deltas rebuilding the text', async () => {
    const request = { model: 'gpt-4o', input: 'Stream this please' } as const;
    const whole = await client.responses.create(request);
    const events = await collect(await client.responses.create({ ...request, stream: true }));
    const text = whole.output_text;
    const tokens = countTokens(text);
    assert.deepEqual(
      events.map((event) => event.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...Array<string>(tokens).fill('response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.deepEqual(
      events.map((event) => event.sequence_number),
      events.map((_, index) => index),
    );
    const [created, inProgress] = events as [OpenAI.Responses.ResponseCreatedEvent, OpenAI.Responses.ResponseInProgressEvent];
    assert.equal(created.response.status, 'in_progress');
    assert.deepEqual(created.response.output, []);
    assert.equal(created.response.usage, null);
    assert.equal(inProgress.response.id, created.response.id);
    const added = events[2] as OpenAI.Responses.ResponseOutputItemAddedEvent;
    assert.equal(added.output_index, 0);
    assert.deepEqual({ ...added.item, id: '' }, { id: '', type: 'message', status: 'in_progress', content: [], role: 'assistant' });
    const itemId = added.item.id;
    const deltas = events.filter((event) => event.type === 'response.output_text.delta');
    for (const delta of deltas) {
      assert.equal(delta.item_id, itemId);
      assert.equal(delta.output_index, 0);
      assert.equal(delta.content_index, 0);
      assert.deepEqual(delta.logprobs, []);
      assert.ok(typeof (delta as { obfuscation?: unknown }).obfuscation === 'string', 'obfuscation by default');
    }
    assert.equal(deltas.map((delta) => delta.delta).join(''), text);
    const done = events.at(-4) as OpenAI.Responses.ResponseTextDoneEvent;
    assert.equal(done.text, text);
    const partDone = events.at(-3) as OpenAI.Responses.ResponseContentPartDoneEvent;
    assert.deepEqual(partDone.part, { type: 'output_text', annotations: [], logprobs: [], text });
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    assert.equal(completed.response.id, created.response.id);
    assert.equal(completed.response.status, 'completed');
    assert.deepEqual(completed.response.usage, whole.usage);
    assert.deepEqual((events.at(-2) as OpenAI.Responses.ResponseOutputItemDoneEvent).item, completed.response.output[0]);
  });

  it('the SDK stream helper assembles the same response; the wire has event lines and no [DONE]', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o', input: 'helper', stream_options: { include_obfuscation: false } });
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') assert.equal('obfuscation' in event, false);
    }
    const final = await stream.finalResponse();
    assert.equal(final.output_text, 'Hello! You said: "helper". This is a deterministic reply from the gpt-4o emulator.');
    assert.equal(types.at(-1), 'response.completed');
    const wire = await raw({ model: 'gpt-4o', input: 'helper', stream: true });
    assert.equal(wire.status, 200);
    assert.equal(wire.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(wire.text.includes('[DONE]'), false);
    const events = sseEvents(wire.text);
    for (const { event, data } of events) assert.equal(data.type, event);
    assert.equal(events.at(-1)?.event, 'response.completed');
  });

  it('streams a reasoning item first on reasoning models, then the message at output_index 1', async () => {
    const events = await collect(await client.responses.create({ model: 'o4-mini', input: 'Think', stream: true }));
    const added = events.filter((event) => event.type === 'response.output_item.added');
    assert.deepEqual(
      added.map((event) => [event.output_index, event.item.type]),
      [
        [0, 'reasoning'],
        [1, 'message'],
      ],
    );
    assert.deepEqual({ ...added[0].item, id: '' }, { id: '', type: 'reasoning', summary: [] });
    assert.equal(events[3].type, 'response.output_item.done');
    for (const event of events) if (event.type === 'response.output_text.delta') assert.equal(event.output_index, 1);
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    assert.equal(completed.response.usage?.output_tokens_details.reasoning_tokens, 64);
  });
});

describe('responses: reasoning models', () => {
  it('bill hidden reasoning tokens by reasoning.effort (64 by default) behind a reasoning item', async () => {
    const defaulted = await client.responses.create({ model: 'o4-mini', input: 'Think' });
    assert.deepEqual(defaulted.reasoning, { effort: 'medium', summary: null });
    assert.equal(defaulted.output[0].type, 'reasoning');
    assert.match(defaulted.output[0].id ?? '', /^rs_[0-9a-f]{50}$/);
    const visible = countTokens(defaulted.output_text);
    assert.equal(defaulted.usage?.output_tokens_details.reasoning_tokens, 64);
    assert.equal(defaulted.usage?.output_tokens, visible + 64);
    const low = await client.responses.create({ model: 'gpt-5', input: 'Think', reasoning: { effort: 'low', summary: 'auto' } });
    assert.deepEqual(low.reasoning, { effort: 'low', summary: 'auto' });
    assert.equal(low.usage?.output_tokens_details.reasoning_tokens, 16);
    const minimal = await client.responses.create({ model: 'gpt-5', input: 'Think', reasoning: { effort: 'minimal' } });
    assert.equal(minimal.usage?.output_tokens_details.reasoning_tokens, 0);
    assert.deepEqual(
      minimal.output.map((item) => item.type),
      ['message'],
      'no reasoning tokens, no reasoning item',
    );
  });

  it('refuse reasoning.effort on other models, and a temperature other than 1 on reasoning models', async () => {
    const effort = await expectRejects(
      client.responses.create({ model: 'gpt-4o', input: 'x', reasoning: { effort: 'low' } }),
      OpenAI.BadRequestError,
    );
    assert.equal(effort.param, 'reasoning.effort');
    assert.equal(effort.code, 'unsupported_parameter');
    const temperature = await expectRejects(
      client.responses.create({ model: 'o4-mini', input: 'x', temperature: 0.5 }),
      OpenAI.BadRequestError,
    );
    assert.equal(temperature.code, 'unsupported_value');
  });
});

describe('responses: max_output_tokens', () => {
  it('is at least 16: 15 is refused, 16 accepted', async () => {
    const error = await expectRejects(
      client.responses.create({ model: 'gpt-4o', input: 'x', max_output_tokens: 15 }),
      OpenAI.BadRequestError,
    );
    assert.equal(error.param, 'max_output_tokens');
    assert.equal(error.code, 'integer_below_min_value');
    const accepted = await client.responses.create({ model: 'gpt-4o', input: 'x', max_output_tokens: 16 });
    assert.equal(accepted.max_output_tokens, 16);
  });

  it('cuts the text one token under its length (status incomplete), not at its length; streamed the same', async () => {
    const whole = await client.responses.create({ model: 'gpt-4o', input: TWELVE_WORDS });
    const length = whole.usage?.output_tokens ?? 0;
    assert.ok(length - 1 >= 16, `the reply has ${length} tokens`);
    const exact = await client.responses.create({ model: 'gpt-4o', input: TWELVE_WORDS, max_output_tokens: length });
    assert.equal(exact.status, 'completed');
    assert.equal(exact.incomplete_details, null);
    assert.equal(exact.output_text, whole.output_text);
    const cut = await client.responses.create({ model: 'gpt-4o', input: TWELVE_WORDS, max_output_tokens: length - 1 });
    assert.equal(cut.status, 'incomplete');
    assert.deepEqual(cut.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(cut.completed_at, null);
    assert.equal(cut.usage?.output_tokens, length - 1);
    assert.equal(countTokens(cut.output_text), length - 1);
    assert.ok(whole.output_text.startsWith(cut.output_text) && cut.output_text !== whole.output_text);
    assert.equal((cut.output[0] as OpenAI.Responses.ResponseOutputMessage).status, 'incomplete');
    const events = await collect(
      await client.responses.create({ model: 'gpt-4o', input: TWELVE_WORDS, max_output_tokens: length - 1, stream: true }),
    );
    const last = events.at(-1) as OpenAI.Responses.ResponseIncompleteEvent;
    assert.equal(last.type, 'response.incomplete');
    assert.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(
      events.filter((event) => event.type === 'response.output_text.delta').length,
      length - 1,
    );
  });

  it('spends the budget on reasoning first: a reasoning model can end with no message at all', async () => {
    const response = await client.responses.create({ model: 'o4-mini', input: 'Think', max_output_tokens: 16 });
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(
      response.output.map((item) => item.type),
      ['reasoning'],
    );
    assert.equal(response.output_text, '');
    assert.equal(response.usage?.output_tokens, 16);
    assert.equal(response.usage?.output_tokens_details.reasoning_tokens, 16);
  });
});

describe('responses: function tools', () => {
  it('calls the tool the last user message names, with schema-valid arguments', async () => {
    const response = await client.responses.create({ model: 'gpt-4o', input: 'Use get_weather please', tools: [weatherTool] });
    assert.equal(response.output.length, 1);
    const call = response.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    assert.equal(call.type, 'function_call');
    assert.match(call.id ?? '', /^fc_[0-9a-f]{50}$/);
    assert.match(call.call_id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(call.name, 'get_weather');
    assert.equal(call.status, 'completed');
    const args = JSON.parse(call.arguments) as { city: string; unit: string; days: number };
    assert.equal(typeof args.city, 'string');
    assert.ok(['celsius', 'fahrenheit'].includes(args.unit));
    assert.ok(args.days >= 3 && args.days <= 10);
    assert.equal(response.output_text, '');
    const again = await client.responses.create({ model: 'gpt-4o', input: 'Use get_weather please', tools: [weatherTool] });
    assert.equal((again.output[0] as OpenAI.Responses.ResponseFunctionToolCall).call_id, call.call_id, 'deterministic call id');
    const forced = await client.responses.create({
      model: 'gpt-4o',
      input: 'no tool named here',
      tools: [weatherTool],
      tool_choice: { type: 'function', name: 'get_weather' },
    });
    assert.equal(forced.output[0].type, 'function_call');
    const auto = await client.responses.create({ model: 'gpt-4o', input: 'no tool named here', tools: [weatherTool] });
    assert.equal(auto.output[0].type, 'message');
  });

  it('streams a call: item added with empty arguments, argument deltas, done with name and arguments', async () => {
    const request = { model: 'gpt-4o', input: 'Use get_weather please', tools: [weatherTool] };
    const whole = await client.responses.create(request);
    const events = await collect(await client.responses.create({ ...request, stream: true }));
    const deltas = events.filter((event) => event.type === 'response.function_call_arguments.delta');
    assert.deepEqual(
      events.map((event) => event.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        ...deltas.map(() => 'response.function_call_arguments.delta'),
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    const call = whole.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    const added = events[2] as OpenAI.Responses.ResponseOutputItemAddedEvent;
    assert.deepEqual({ ...added.item, id: '' }, { id: '', type: 'function_call', status: 'in_progress', arguments: '', call_id: call.call_id, name: 'get_weather' });
    assert.equal(deltas.map((delta) => delta.delta).join(''), call.arguments);
    for (const delta of deltas) assert.equal(delta.item_id, added.item.id);
    const done = events.at(-3) as OpenAI.Responses.ResponseFunctionCallArgumentsDoneEvent;
    // `name` is in OpenAI's OpenAPI description of the event, not in the SDK's type.
    assert.equal((done as { name?: string }).name, 'get_weather');
    assert.equal(done.arguments, call.arguments);
    assert.equal(done.item_id, added.item.id);
  });

  it('round trip: function_call_output after previous_response_id, or with the call in the input, ends in text', async () => {
    const first = await client.responses.create({ model: 'gpt-4o', input: 'What does get_weather say?', tools: [weatherTool] });
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    const expected = 'Hello! The tools returned: get_weather: "sunny and 21 degrees". This is a deterministic reply from the gpt-4o emulator.';
    const chained = await client.responses.create({
      model: 'gpt-4o',
      previous_response_id: first.id,
      tools: [weatherTool],
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny and 21 degrees' }],
    });
    assert.equal(chained.output_text, expected);
    assert.equal(chained.previous_response_id, first.id);
    const stateless = await client.responses.create({
      model: 'gpt-4o',
      store: false,
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'What does get_weather say?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: [{ type: 'input_text', text: 'sunny and 21 degrees' }] },
      ],
    });
    assert.equal(stateless.output_text, expected);
  });

  it('refuses an output for no call, and a call left without its output', async () => {
    const orphan = await expectRejects(
      client.responses.create({ model: 'gpt-4o', input: [{ type: 'function_call_output', call_id: 'call_nothing', output: 'x' }] }),
      OpenAI.BadRequestError,
    );
    assert.equal(orphan.message, '400 No tool call found for function call output with call_id call_nothing.');
    const first = await client.responses.create({ model: 'gpt-4o', input: 'Use get_weather', tools: [weatherTool] });
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    const unanswered = await expectRejects(
      client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'never mind' }),
      OpenAI.BadRequestError,
    );
    assert.equal(unanswered.message, `400 No tool output found for function call ${call.call_id}.`);
    assert.equal(unanswered.param, 'input');
    const inline = await expectRejects(
      client.responses.create({
        model: 'gpt-4o',
        input: [{ type: 'function_call', call_id: 'call_x', name: 'f', arguments: '{}' }],
      }),
      OpenAI.BadRequestError,
    );
    assert.equal(inline.message, '400 No tool output found for function call call_x.');
  });
});

describe('responses: structured output', () => {
  it('json_schema: the SDK parses an instance of the schema (zodTextFormat)', async () => {
    const Weather = z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']), days: z.number().int() });
    const response = await client.responses.parse({
      model: 'gpt-4o',
      input: 'Weather as JSON',
      text: { format: zodTextFormat(Weather, 'weather') },
    });
    assert.deepEqual(response.output_parsed, { city: 'example city', unit: 'celsius', days: 1 });
    assert.equal(response.text?.format?.type, 'json_schema');
    assert.equal((response.text?.format as { name?: string }).name, 'weather');
  });

  it('json_object needs the word json in the input', async () => {
    const object = await client.responses.create({ model: 'gpt-4o', input: 'Reply in JSON', text: { format: { type: 'json_object' } } });
    assert.deepEqual(JSON.parse(object.output_text), {
      reply: 'Hello! You said: "Reply in JSON". This is a deterministic reply from the gpt-4o emulator.',
    });
    const error = await expectRejects(
      client.responses.create({ model: 'gpt-4o', input: 'no mention', text: { format: { type: 'json_object' } } }),
      OpenAI.BadRequestError,
    );
    assert.match(error.message, /must contain the word 'json'/);
  });
});

describe('responses: stored responses and previous_response_id', () => {
  it('continues a stored response: the new input is quoted, the earlier turn counts as input tokens', async () => {
    const first = await client.responses.create({ model: 'gpt-4o', input: 'My name is Ada' });
    const second = await client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'What is my name?' });
    assert.equal(second.output_text, 'Hello! You said: "What is my name?". This is a deterministic reply from the gpt-4o emulator.');
    assert.equal(second.previous_response_id, first.id);
    const own = 3 + 3 + countTokens('What is my name?');
    assert.equal(second.usage?.input_tokens, (first.usage?.input_tokens ?? 0) + (first.usage?.output_tokens ?? 0) + own);
    const missing = await expectRejects(
      client.responses.create({ model: 'gpt-4o', previous_response_id: 'resp_unknown', input: 'x' }),
      OpenAI.BadRequestError,
    );
    assert.equal(missing.message, "400 Previous response with id 'resp_unknown' not found.");
    assert.equal(missing.code, 'previous_response_not_found');
    assert.equal(missing.param, 'previous_response_id');
  });

  it('GET returns what was created, DELETE removes it; store: false keeps nothing', async () => {
    const created = await client.responses.create({ model: 'gpt-4o', input: 'keep me', metadata: { k: 'v' } });
    assert.deepEqual(await client.responses.retrieve(created.id), created);
    const streamed = await client.responses.stream({ model: 'gpt-4o', input: 'keep me too' }).finalResponse();
    assert.equal((await client.responses.retrieve(streamed.id)).output_text, streamed.output_text);
    await client.responses.delete(created.id);
    const gone = await expectRejects(client.responses.retrieve(created.id), OpenAI.NotFoundError);
    assert.equal(gone.message, `404 Response with id '${created.id}' not found.`);
    await expectRejects(client.responses.delete(created.id), OpenAI.NotFoundError);
    const unstored = await client.responses.create({ model: 'gpt-4o', input: 'forget me', store: false });
    await expectRejects(client.responses.retrieve(unstored.id), OpenAI.NotFoundError);
    await expectRejects(
      client.responses.create({ model: 'gpt-4o', previous_response_id: unstored.id, input: 'x' }),
      OpenAI.BadRequestError,
    );
  });

  it('a GET as a stream is refused; other methods get 405; sub-paths are unknown URLs', async () => {
    const created = await client.responses.create({ model: 'gpt-4o', input: 'x' });
    const headers = { authorization: `Bearer ${API_KEY}` };
    const asStream = await request(`${emulator.baseUrl}/responses/${created.id}?stream=true`, { headers });
    assert.equal(asStream.statusCode, 400);
    assert.equal(((await asStream.body.json()) as { error: { param: string } }).error.param, 'stream');
    const put = await request(`${emulator.baseUrl}/responses/${created.id}`, { method: 'PUT', headers });
    assert.equal(put.statusCode, 405);
    await put.body.dump();
    const listing = await request(`${emulator.baseUrl}/responses/${created.id}/input_items`, { headers });
    assert.equal(listing.statusCode, 404);
    await listing.body.dump();
    const get = await request(`${emulator.baseUrl}/responses`, { headers });
    assert.equal(get.statusCode, 405);
    await get.body.dump();
  });

  it('a store keeps its last responses up to its limit: at the limit all, one more evicts the oldest', () => {
    assert.equal(STORED_RESPONSES_LIMIT, 1000);
    const store = new ResponseStore(3);
    const input = readResponsesRequest({ model: 'gpt-4o', input: 'x' }, store.conversation);
    assert.ok('chat' in input);
    const conversation = { lastUserText: 'x', callNames: new Map(), pendingCalls: [], tokens: 1, imagesInline: 0, imagesRemote: 0 };
    for (const id of ['a', 'b', 'c']) store.put(id, `{"id":"${id}"}`, conversation);
    assert.deepEqual(['a', 'b', 'c'].map((id) => store.json(id)), ['{"id":"a"}', '{"id":"b"}', '{"id":"c"}']);
    store.put('d', '{"id":"d"}', conversation);
    assert.equal(store.json('a'), undefined);
    assert.equal(store.conversation('a'), undefined);
    assert.equal(store.json('d'), '{"id":"d"}');
    assert.equal(planResponse(input, DEFAULT_USAGE).content, 'Hello! You said: "x". This is a deterministic reply from the gpt-4o emulator.');
  });
});

describe('responses: the usage marker', () => {
  const marked = (spec: string) => ({ model: 'gpt-4o', input: `Count these [emulator-usage: ${spec}]` });

  it('reports cached, cache-write and reasoning tokens as named, streamed and not', async () => {
    const whole = await client.responses.create(marked('cached=40, cache-write=7, reasoning=12'));
    const visible = countTokens(whole.output_text);
    assert.deepEqual(whole.usage?.input_tokens_details, { cached_tokens: 40, cache_write_tokens: 7 });
    assert.equal(whole.usage?.output_tokens_details.reasoning_tokens, 12);
    assert.equal(whole.usage?.output_tokens, visible + 12);
    const final = await client.responses.stream(marked('cached=40, cache-write=7, reasoning=12')).finalResponse();
    assert.deepEqual(final.usage, whole.usage);
  });

  it('repeat: the lifecycle events carry the usage so far; none: no usage anywhere', async () => {
    const events = await collect(await client.responses.create({ ...marked('cached=8, repeat'), stream: true }));
    const created = events[0] as OpenAI.Responses.ResponseCreatedEvent;
    assert.equal(created.response.usage?.output_tokens, 0);
    assert.equal(created.response.usage?.input_tokens_details.cached_tokens, 8);
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    assert.ok((completed.response.usage?.output_tokens ?? 0) > 0);
    const none = await client.responses.create(marked('none'));
    assert.equal('usage' in none, false);
    const wire = await raw({ ...marked('none'), stream: true });
    for (const { data } of sseEvents(wire.text)) {
      const response = data.response as Record<string, unknown> | undefined;
      if (response !== undefined) assert.equal('usage' in response, false);
    }
  });
});

describe('responses: validation', () => {
  it('names the parameter it refuses, like OpenAI', async () => {
    const hello = { model: 'gpt-4o', input: 'hello' };
    const cases: Array<[Record<string, unknown>, string, string | null]> = [
      [{ input: 'x' }, 'model', 'missing_required_parameter'],
      [{ model: 'gpt-4o' }, 'input', 'missing_required_parameter'],
      [{ model: 'gpt-4o', input: 42 }, 'input', 'invalid_type'],
      [{ model: 'gpt-4o', input: [] }, 'input', 'empty_array'],
      [{ model: 'gpt-4o', input: [{ type: 'web_search_call' }] }, 'input[0].type', 'invalid_value'],
      [{ model: 'gpt-4o', input: [{ role: 'robot', content: 'x' }] }, 'input[0].role', 'invalid_value'],
      [{ model: 'gpt-4o', input: [{ role: 'user' }] }, 'input[0].content', 'missing_required_parameter'],
      [{ model: 'gpt-4o', input: [{ role: 'user', content: [{ type: 'output_text', text: 'x' }] }] }, 'input[0].content[0].type', 'invalid_value'],
      [
        { model: 'gpt-4o', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'data:text/plain;base64,eA==' }] }] },
        'input[0].content[0].image_url',
        'invalid_value',
      ],
      [{ model: 'gpt-4o', input: [{ type: 'function_call_output', output: 'x' }] }, 'input[0].call_id', 'missing_required_parameter'],
      [{ ...hello, tools: [{ type: 'function', function: { name: 'chat_shaped' } }] }, 'tools[0].name', 'missing_required_parameter'],
      [{ ...hello, tools: [{ type: 'function', name: 'bad name' }] }, 'tools[0].name', 'invalid_value'],
      [{ ...hello, tools: [{ type: 'mcp_everything' }] }, 'tools[0].type', 'invalid_value'],
      [{ ...hello, tools: [weatherTool], tool_choice: { type: 'function', name: 'other' } }, 'tool_choice', null],
      [{ ...hello, temperature: 2.5 }, 'temperature', 'decimal_above_max_value'],
      [{ ...hello, top_p: -0.1 }, 'top_p', 'decimal_below_min_value'],
      [{ ...hello, max_output_tokens: 'many' }, 'max_output_tokens', 'invalid_type'],
      [{ ...hello, stream: 'yes' }, 'stream', 'invalid_type'],
      [{ ...hello, stream_options: { include_obfuscation: false } }, 'stream_options', 'invalid_value'],
      [{ ...hello, text: { format: { type: 'xml' } } }, 'text.format.type', 'invalid_value'],
      [{ ...hello, text: { format: { type: 'json_schema', schema: {} } } }, 'text.format.name', 'missing_required_parameter'],
      [{ ...hello, text: { format: { type: 'json_schema', name: 'x' } } }, 'text.format.schema', 'missing_required_parameter'],
      [{ ...hello, reasoning: { summary: 'long' } }, 'reasoning.summary', 'invalid_value'],
      [{ ...hello, previous_response_id: 7 }, 'previous_response_id', 'invalid_type'],
      [{ ...hello, background: true }, 'background', 'unsupported_value'],
      [{ ...hello, conversation: 'conv_1' }, 'conversation', 'unsupported_value'],
      [{ ...hello, model: 'text-embedding-3-small' }, 'model', 'unsupported_model'],
    ];
    for (const [body, param, code] of cases) {
      const error = await expectRejects(client.responses.create(body as never), OpenAI.BadRequestError);
      assert.equal(error.status, 400);
      assert.equal(error.param, param, JSON.stringify(body));
      assert.equal(error.code, code, JSON.stringify(body));
      assert.equal(error.type, 'invalid_request_error');
    }
  });

  it("accepts OpenAI's hosted tools (web_search, file_search…) and echoes them; a question that says search gets a web_search_call item", async () => {
    const response = await client.responses.create({ model: 'gpt-4o', input: 'hello', tools: [{ type: 'web_search' }, weatherTool] } as any);
    assert.equal(response.status, 'completed');
    assert.deepEqual((response.tools as Array<{ type: string }>).map((tool) => tool.type), ['web_search', 'function']);
    assert.deepEqual(response.output.map((item) => item.type), ['message'], 'no search asked for');
    const searched = await client.responses.create({ model: 'gpt-4o', input: 'Search the news', tools: [{ type: 'web_search' }] } as any);
    assert.deepEqual(searched.output.map((item) => item.type), ['web_search_call', 'message']);
    assert.deepEqual((searched.output[0] as any).action, { type: 'search', query: 'Search the news' });
    const stream = await client.responses.create({ model: 'gpt-4o', input: 'Search the news', tools: [{ type: 'web_search' }], stream: true } as any);
    const types: string[] = [];
    for await (const event of stream as any) types.push(event.type);
    assert.deepEqual(types.slice(2, 7), ['response.output_item.added', 'response.web_search_call.in_progress', 'response.web_search_call.searching', 'response.web_search_call.completed', 'response.output_item.done']);
    assert.equal(types.at(-1), 'response.completed');
  });

  it('metadata: at most 16 pairs, keys of 64 characters, values of 512 (each accepted at its limit)', async () => {
    const pairs = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`key${index}`, 'v']));
    const limits: Array<[Record<string, string>, boolean, string]> = [
      [pairs(16), true, 'metadata'],
      [pairs(17), false, 'metadata'],
      [{ ['k'.repeat(64)]: 'v' }, true, 'metadata'],
      [{ ['k'.repeat(65)]: 'v' }, false, 'metadata'],
      [{ key: 'v'.repeat(512) }, true, 'metadata.key'],
      [{ key: 'v'.repeat(513) }, false, 'metadata.key'],
    ];
    for (const [metadata, accepted, param] of limits) {
      const attempt = client.responses.create({ model: 'gpt-4o', input: 'x', metadata, store: false });
      if (accepted) {
        assert.deepEqual((await attempt).metadata, metadata);
      } else {
        const error = await expectRejects(attempt, OpenAI.BadRequestError);
        assert.equal(error.param, param);
      }
    }
  });

  it('unknown model → 404 model_not_found; invalid JSON → 400', async () => {
    const error = await expectRejects(client.responses.create({ model: 'gpt-9', input: 'x' }), OpenAI.NotFoundError);
    assert.equal(error.code, 'model_not_found');
    const invalid = await request(`${emulator.baseUrl}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: '{"model":',
    });
    assert.equal(invalid.statusCode, 400);
    assert.match(((await invalid.body.json()) as { error: { message: string } }).error.message, /could not parse the JSON body/);
  });
});

describe('responses: faults', () => {
  const hello = { model: 'gpt-4o', input: 'hello' };

  it('status=429 → RateLimitError with retry-after; 500 and 503 → InternalServerError; reset → APIConnectionError', async () => {
    const limited = await expectRejects(client.responses.create(hello, fault('status=429, retry-after=3')), OpenAI.RateLimitError);
    assert.equal(limited.status, 429);
    assert.equal(limited.code, 'rate_limit_exceeded');
    assert.equal(limited.headers?.get('retry-after'), '3');
    assert.match(limited.message, /Rate limit reached for gpt-4o/);
    const server = await expectRejects(client.responses.create(hello, fault('status=500')), OpenAI.InternalServerError);
    assert.equal(server.status, 500);
    const overloaded = await expectRejects(client.responses.create(hello, fault('status=503')), OpenAI.InternalServerError);
    assert.match(overloaded.message, /overloaded/);
    await expectRejects(client.responses.create(hello, fault('reset')), OpenAI.APIConnectionError);
  });

  it('a marker in the input injects a fault', async () => {
    await expectRejects(
      client.responses.create({ model: 'gpt-4o', input: 'please fail [emulator-fault: status=429]' }),
      OpenAI.RateLimitError,
    );
  });

  it('cut-after=n: a stream ends after n events with no terminal event', async () => {
    const stream = await client.responses.create({ ...hello, stream: true }, fault('cut-after=3'));
    const events: StreamEvent[] = [];
    try {
      for await (const event of stream) events.push(event);
    } catch {
      // The connection ends mid-stream.
    }
    assert.deepEqual(
      events.map((event) => event.type),
      ['response.created', 'response.in_progress', 'response.output_item.added'],
    );
    await assert.rejects(client.responses.create(hello, fault('cut-after=10')), /terminated/);
  });

  it('error-after=n: n events, then the error event and response.failed; the SDK raises APIError', async () => {
    const stream = await client.responses.create({ ...hello, stream: true }, fault('error-after=4'));
    const events: StreamEvent[] = [];
    const error = await expectRejects(
      (async () => {
        for await (const event of stream) events.push(event);
      })(),
      OpenAI.APIError,
    );
    assert.equal(events.length, 4);
    assert.match(error.message, /The server had an error while processing your request/);
    const wire = sseEvents((await raw({ ...hello, stream: true }, { 'x-emulator-fault': 'error-after=4' })).text);
    assert.deepEqual(
      wire.slice(4).map(({ event, data }) => [event, data.sequence_number]),
      [
        ['error', 4],
        ['response.failed', 5],
      ],
    );
    assert.equal(wire[4].data.code, 'server_error');
    const failed = wire[5].data.response as { status: string; error: { code: string } };
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.code, 'server_error');
  });

  it('malformed: the SDK fails on the invalid event; delay-chunks spaces the events', async () => {
    const stream = await client.responses.create({ ...hello, stream: true }, fault('malformed'));
    await assert.rejects(collect(stream), /JSON/);
    const spaced = await client.responses.create({ ...hello, stream: true }, fault('delay-chunks=10'));
    const arrivals: number[] = [];
    for await (const event of spaced) {
      void event;
      arrivals.push(performance.now());
    }
    assert.ok(arrivals.at(-1)! - arrivals[0] >= 10 * (arrivals.length - 1) - 5);
  });

  it('keeps no request open once everything is answered', async () => {
    await client.responses.create(hello);
    assert.equal(emulator.stats.open, 0);
  });
});
