import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../spec/index.ts';
import type { StreamSink } from '../adapter.ts';
import { OpenAIStreamDecoder } from './stream.ts';

const identity = { provider: 'test-provider', model: 'test-model' };

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./__fixtures__/${name}.chunks.txt`, import.meta.url));
}

function collect(): { sink: StreamSink; parts: StreamPart[] } {
  const parts: StreamPart[] = [];
  return { parts, sink: { write: (part) => (parts.push(part), true), onDrain: () => {} } };
}

/** Feeds the bytes in pieces of `size` (1 = every byte boundary, splitting multi-byte characters too). */
function decode(bytes: Buffer, size: number) {
  const { sink, parts } = collect();
  const decoder = new OpenAIStreamDecoder(sink, identity);
  for (let offset = 0; offset < bytes.length; offset += size) decoder.push(bytes.subarray(offset, offset + size));
  return { parts, error: decoder.end() };
}

function text(parts: StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

describe('OpenAIStreamDecoder', () => {
  for (const size of [1, 7, 64, 100_000]) {
    it(`decodes text, finish and usage with ${size}-byte reads`, () => {
      const { parts, error } = decode(fixture('text-with-usage'), size);
      assert.equal(error, undefined);
      assert.deepEqual(parts[0], { type: 'start', id: 'chatcmpl-A1', created: 1731000000, model: 'gpt-4o-2024-08-06' });
      assert.equal(text(parts), 'Grüße, world 🌍');
      assert.deepEqual(
        parts.map((part) => part.type),
        ['start', 'text-delta', 'text-delta', 'finish', 'usage'],
      );
      const finish = parts.find((part) => part.type === 'finish');
      assert.deepEqual(finish, { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } });
      const usage = parts.at(-1);
      assert.equal(usage?.type, 'usage');
      if (usage?.type === 'usage') {
        assert.deepEqual(usage.usage.inputTokens, { total: 12, noCache: 4, cacheRead: 8, cacheWrite: 0 });
        assert.deepEqual(usage.usage.outputTokens, { total: 4, text: 4, reasoning: 0 });
      }
    });
  }

  it('decodes parallel tool calls with ids and names on the first delta only', () => {
    const { parts, error } = decode(fixture('parallel-tool-calls'), 13);
    assert.equal(error, undefined);
    const calls = parts.filter((part) => part.type === 'tool-call-delta');
    assert.deepEqual(calls, [
      { type: 'tool-call-delta', index: 0, id: 'call_a', name: 'get_weather', argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-delta', index: 1, id: 'call_b', name: 'get_time', argumentsDelta: '{"zone":"CET"}' },
    ]);
    assert.deepEqual(parts.at(-1), { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } });
  });

  it('counts usage repeated on every chunk once, taking the last, after the finish', () => {
    const { parts, error } = decode(fixture('vllm-reasoning-repeated-usage'), 50);
    assert.equal(error, undefined);
    const usages = parts.filter((part) => part.type === 'usage');
    assert.equal(usages.length, 1);
    assert.equal(parts.at(-1)?.type, 'usage');
    if (usages[0].type === 'usage') {
      assert.equal(usages[0].usage.outputTokens.total, 3);
      assert.equal(usages[0].usage.outputTokens.reasoning, 1);
    }
    assert.deepEqual(parts[1], { type: 'reasoning-delta', delta: 'Think' });
    assert.deepEqual(parts.find((part) => part.type === 'finish'), { type: 'finish', finishReason: { unified: 'length', raw: 'length' } });
  });

  it('reports a stream that ends before its first event', () => {
    const { parts, error } = decode(Buffer.from(''), 1);
    assert.equal(parts.length, 0);
    assert.match(error?.message ?? '', /ended before its first event/);
    assert.equal(error?.isRetryable, true);
  });

  it('reports a stream cut before its finish reason', () => {
    const bytes = fixture('text-with-usage');
    const cut = bytes.subarray(0, bytes.indexOf('"finish_reason":"stop"') - 200);
    const { parts, error } = decode(cut, 32);
    assert.ok(parts.length > 0);
    assert.match(error?.message ?? '', /ended before its finish reason/);
  });

  it('stops at a malformed chunk and names it', () => {
    const { sink, parts } = collect();
    const decoder = new OpenAIStreamDecoder(sink, identity);
    decoder.push(Buffer.from('data: {"id":"x","choices":[{"delta":{"content":"a"}}]}\n\ndata: {not json\n\ndata: {"choices":[{"delta":{"content":"b"}}]}\n\n'));
    assert.match(decoder.error?.message ?? '', /test-provider: malformed stream chunk: \{not json/);
    assert.equal(text(parts), 'a');
  });

  it('turns an in-stream error object into an error', () => {
    const { sink } = collect();
    const decoder = new OpenAIStreamDecoder(sink, identity);
    decoder.push(Buffer.from('data: {"error":{"message":"overloaded","code":"server_error"}}\n\n'));
    assert.match(decoder.error?.message ?? '', /stream error: overloaded/);
  });

  it('asks the upstream to pause when the sink is saturated', () => {
    const decoder = new OpenAIStreamDecoder({ write: () => false, onDrain: () => {} }, identity);
    assert.equal(decoder.push(fixture('text-with-usage')), false);
  });
});
