import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../spec/index.ts';
import { DeltaTemplate, plainDeltaField } from './delta-template.ts';
import { OpenAIStreamDecoder, type StreamMemo } from './stream.ts';

/** OpenAI's key order, with the usage placeholder and obfuscation padding a stream with include_usage carries. */
function openaiChunk(delta: string, obfuscation = 'abc'): string {
  return (
    `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini","service_tier":"default",` +
    `"system_fingerprint":"fp_1","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":null}],"usage":null,` +
    `"obfuscation":${JSON.stringify(obfuscation)}}`
  );
}

const filterResults =
  '{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},' +
  '"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}';

/** Azure's (alphabetical) key order, with per-choice content filter results. */
function azureChunk(delta: string): string {
  return (
    `{"choices":[{"content_filter_results":${filterResults},"delta":${delta},"finish_reason":null,"index":0,` +
    `"logprobs":null}],"created":1731000000,"id":"chatcmpl-2","model":"gpt-4o-mini-2024-07-18",` +
    `"object":"chat.completion.chunk","system_fingerprint":"fp_2"}`
  );
}

function learn(text: string): DeltaTemplate | undefined {
  return DeltaTemplate.learn(text);
}

describe('DeltaTemplate', () => {
  for (const [name, make] of [
    ['OpenAI', openaiChunk],
    ['Azure', azureChunk],
  ] as const) {
    it(`matches ${name} content chunks that differ only in their text`, () => {
      const template = learn(make('{"content":"Hello"}'));
      assert.ok(template);
      assert.equal(template.field, 'content');
      for (const value of ['', ' world', 'Grüße 🌍', 'say "hi"\n\tnow \\ \u2028', '</script>', '\u0001']) {
        assert.equal(template.match(make(`{"content":${JSON.stringify(value)}}`)), value, JSON.stringify(value));
      }
    });

    it(`does not match ${name} chunks that mean something else`, () => {
      const template = learn(make('{"content":"Hello"}'));
      assert.ok(template);
      for (const other of [
        make('{"content":"a","role":"assistant"}'),
        make('{"reasoning_content":"a"}'),
        make('{"content":null}'),
        make('{"content":"a"} '),
        make('{"content":"a","content":"b"}'),
        make('{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}'),
        make('{"content":"a"}').replace('"finish_reason":null', '"finish_reason":"stop"'),
        make('{"content":"a"}').replace('"created":1731000000', '"created":1731000000.5'),
        make('{"content":"a"}').replace('"created":1731000000', '"created":"1731000000"'),
        make('{"content":"a"}').replace('"created":1731000000', '"created":01731000000'),
        make('{"content":"a"}').replace(/}$/, ',"usage":{"prompt_tokens":1}}'),
      ]) {
        assert.equal(template.match(other), undefined, other);
      }
    });

    it(`leaves ${name} chunks with invalid literals to the full parser`, () => {
      const template = learn(make('{"content":"Hello"}'));
      assert.ok(template);
      for (const broken of [
        make('{"content":"tab\tinside"}'),
        make('{"content":"bad \\x escape"}'),
        make('{"content":"unterminated}'),
        make('{"content":"a"}').slice(0, -1),
      ]) {
        assert.throws(() => JSON.parse(broken));
        assert.equal(template.match(broken), undefined, broken);
      }
    });
  }

  it('lets id and created change between streams, and fixes them for one stream', () => {
    const general = learn(azureChunk('{"content":"a"}'));
    assert.ok(general?.general);
    const other = azureChunk('{"content":"b"}').replace('"id":"chatcmpl-2"', '"id":"chatcmpl-9"').replace('"created":1731000000', '"created":1731009999');
    assert.equal(general.match(other), 'b');
    const stream = general.forStream(other);
    assert.ok(stream);
    assert.equal(stream.general, false);
    assert.equal(stream.match(other.replace('"content":"b"', '"content":"c"')), 'c');
    assert.equal(stream.match(azureChunk('{"content":"c"}')), undefined);
    assert.equal(general.forStream(azureChunk('{"content":"a","role":"assistant"}')), undefined);
  });

  it('lets the obfuscation padding change from chunk to chunk', () => {
    const template = learn(openaiChunk('{"content":"a"}', 'xyz'))?.forStream(openaiChunk('{"content":"a"}', 'xyz'));
    assert.ok(template);
    assert.equal(template.match(openaiChunk('{"content":"b"}', 'Q')), 'b');
    assert.equal(template.match(openaiChunk('{"content":"c"}', 'with \\"escape')), 'c');
    assert.equal(template.match(openaiChunk('{"content":"d"}').replace('"obfuscation":"abc"', '"obfuscation":7')), undefined);
  });

  it('learns reasoning deltas and reports their field', () => {
    const template = learn(openaiChunk('{"reasoning_content":"think"}'));
    assert.equal(template?.field, 'reasoning_content');
    assert.equal(template?.match(openaiChunk('{"reasoning_content":"more"}')), 'more');
    assert.equal(template?.match(openaiChunk('{"content":"more"}')), undefined);
  });

  it('learns nothing from chunks that are not one plain delta, or whose text is ambiguous', () => {
    for (const text of [
      openaiChunk('{"role":"assistant","content":""}'),
      openaiChunk('{"content":"a"}').replace('"finish_reason":null', '"finish_reason":"stop"'),
      openaiChunk('{"content":"a"}').replace('"usage":null', '"usage":{"total_tokens":1}'),
      openaiChunk('{"content":"a"}').replace('"choices":[{', '"choices":[{"index":1,"delta":{"content":"x"}},{'),
      // Whitespace after the key: the marker is not found.
      openaiChunk('{"content": "a"}'),
      // The marker twice: the one that is not choices[0].delta must not become the slot.
      openaiChunk('{"content":"a"}').replace('"service_tier":"default"', '"x":{"delta":{"content":"a"}}'),
      // A nested decoy whose slot looks like the delta but is not the one JSON.parse keeps.
      openaiChunk('{"content":"a","content":"b"}'),
    ]) {
      assert.equal(learn(text), undefined, text);
    }
    assert.equal(plainDeltaField({ choices: [{ delta: { content: 'a' } }], error: { message: 'x' } }), undefined);
  });
});

describe('OpenAIStreamDecoder with delta templates', () => {
  function decode(events: string[], annotations?: { prompt: string[]; choice: string[] }, memo?: StreamMemo): { parts: StreamPart[]; error: unknown } {
    const parts: StreamPart[] = [];
    const decoder = new OpenAIStreamDecoder({ write: (part) => (parts.push(part), true), onDrain: () => {} }, { provider: 'p', model: 'm' }, annotations, memo);
    decoder.push(Buffer.from(events.map((event) => `data: ${event}\n\n`).join('')));
    return { parts, error: decoder.end() };
  }

  const azureStream = [
    azureChunk('{"content":"","refusal":null,"role":"assistant"}'),
    ...['Hel', 'lo', ', "wor', 'ld"\n', ''].map((text) => azureChunk(`{"content":${JSON.stringify(text)}}`)),
    azureChunk('{}').replace('"finish_reason":null', '"finish_reason":"stop"'),
    '[DONE]',
  ];

  it('gives the same parts as whole-chunk parsing', () => {
    const { parts, error } = decode(azureStream);
    assert.equal(error, undefined);
    assert.deepEqual(parts, [
      { type: 'start', id: 'chatcmpl-2', created: 1731000000, model: 'gpt-4o-mini-2024-07-18' },
      { type: 'text-delta', delta: 'Hel' },
      { type: 'text-delta', delta: 'lo' },
      { type: 'text-delta', delta: ', "wor' },
      { type: 'text-delta', delta: 'ld"\n' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } },
    ]);
  });

  it('still passes per-chunk annotations on when they are asked for', () => {
    const { parts } = decode(azureStream, { prompt: ['prompt_filter_results'], choice: ['content_filter_results'] });
    assert.equal(parts.filter((part) => part.type === 'annotation').length, 7);
    assert.equal(parts.filter((part) => part.type === 'text-delta').length, 4);
  });

  it('fails a malformed chunk after a learned template exactly as before', () => {
    const events = [...azureStream];
    events.splice(4, 0, azureChunk('{"content":"raw\tcontrol"}'));
    const { error } = decode(events);
    assert.match(String((error as Error).message), /malformed stream chunk/);
  });

  it('reads reasoning then content, learning a template for each', () => {
    const events = [
      openaiChunk('{"role":"assistant","content":""}'),
      ...['a', 'b', 'c'].map((text) => openaiChunk(`{"reasoning_content":"${text}"}`)),
      ...['x', 'y', 'z'].map((text) => openaiChunk(`{"content":"${text}"}`)),
      openaiChunk('{}').replace('"finish_reason":null', '"finish_reason":"stop"'),
      '[DONE]',
    ];
    const { parts } = decode(events);
    assert.deepEqual(
      parts.slice(1, 7).map((part) => (part.type === 'reasoning-delta' ? `r:${part.delta}` : part.type === 'text-delta' ? `t:${part.delta}` : part.type)),
      ['r:a', 'r:b', 'r:c', 't:x', 't:y', 't:z'],
    );
  });

  it('starts the stream from a first chunk that is already plain text, and reads the rest through a template', () => {
    const events = [...['a', 'b', 'c'].map((text) => openaiChunk(`{"content":"${text}"}`)), openaiChunk('{}').replace('"finish_reason":null', '"finish_reason":"length"'), '[DONE]'];
    const { parts, error } = decode(events);
    assert.equal(error, undefined);
    assert.deepEqual(
      parts.map((part) => part.type),
      ['start', 'text-delta', 'text-delta', 'text-delta', 'finish'],
    );
    assert.deepEqual(parts[0], { type: 'start', id: 'chatcmpl-1', created: 1731000000, model: 'gpt-4o-mini' });
  });

  const promptEvent =
    `{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":${filterResults}}]}`;

  it('skips a stream-opening event that changed nothing in the previous stream, and nothing else', () => {
    const memo: StreamMemo = {};
    const first = decode([promptEvent, ...azureStream], undefined, memo);
    assert.equal(first.error, undefined);
    assert.equal(memo.skippable, promptEvent);
    assert.ok(memo.template?.general);
    const second = decode([promptEvent, ...azureStream], undefined, memo);
    assert.deepEqual(second.parts, first.parts);
    // The next stream, with its own id and created time, is read through the shared template.
    const next = decode(azureStream.map((event) => event.replace('"id":"chatcmpl-2"', '"id":"chatcmpl-3"').replace('"created":1731000000', '"created":1731000042')), undefined, memo);
    assert.deepEqual(next.parts.slice(1), first.parts.slice(1));
    assert.deepEqual(next.parts[0], { type: 'start', id: 'chatcmpl-3', created: 1731000042, model: 'gpt-4o-mini-2024-07-18' });
    // The same text as an error event still fails the stream.
    const parts: StreamPart[] = [];
    const decoder = new OpenAIStreamDecoder({ write: (part) => (parts.push(part), true), onDrain: () => {} }, { provider: 'p', model: 'm' }, undefined, memo);
    decoder.push(Buffer.from(`event: error\ndata: ${promptEvent}\n\n`));
    assert.match(String(decoder.error?.message), /stream error event/);
    // A client that asked for annotations gets them, memo or not.
    const annotated = decode([promptEvent, ...azureStream], { prompt: ['prompt_filter_results'], choice: ['content_filter_results'] }, memo);
    assert.equal(annotated.parts.filter((part) => part.type === 'annotation' && part.scope === 'prompt').length, 1);
  });
});
