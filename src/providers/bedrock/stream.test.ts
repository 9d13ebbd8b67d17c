import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../spec/index.ts';
import type { StreamSink } from '../adapter.ts';
import { encodeFrame, encodeFrames, fixtureBytes, fixtureFrames, fixtureNames, type FixtureFrame } from './__fixtures__/event-stream-fixtures.ts';
import { ConverseStreamDecoder } from './stream.ts';

const identity = { provider: 'bedrock-test', model: 'anthropic.claude-sonnet-4-5' };

function collect(): { sink: StreamSink; parts: StreamPart[] } {
  const parts: StreamPart[] = [];
  return { parts, sink: { write: (part) => (parts.push(part), true), onDrain: () => {} } };
}

/** Feeds the bytes in pieces of `size` (1 = every byte boundary). */
function decode(bytes: Buffer, size: number, requestId?: string) {
  const { sink, parts } = collect();
  const decoder = new ConverseStreamDecoder(sink, identity, requestId);
  for (let offset = 0; offset < bytes.length; offset += size) decoder.push(bytes.subarray(offset, offset + size));
  return { parts, error: decoder.end(), decoder };
}

function text(parts: StreamPart[], type: 'text-delta' | 'reasoning-delta' = 'text-delta'): string {
  return parts.map((part) => (part.type === type ? part.delta : '')).join('');
}

const event = (type: string, payload: unknown): FixtureFrame => ({
  headers: { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
  payload,
});
const exception = (type: string, payload: unknown): FixtureFrame => ({
  headers: { ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' },
  payload,
});

describe('ConverseStreamDecoder', () => {
  for (const size of [1, 5, 64, 1_000_000]) {
    it(`decodes text, finish and usage with ${size}-byte reads`, () => {
      const { parts, error } = decode(fixtureBytes('text'), size, 'req-1');
      assert.equal(error, undefined);
      assert.deepEqual(
        parts.map((part) => part.type),
        ['start', 'text-delta', 'text-delta', 'text-delta', 'finish', 'usage'],
      );
      const start = parts[0];
      assert.equal(start.type, 'start');
      if (start.type === 'start') {
        assert.equal(start.id, 'chatcmpl-req-1');
        assert.equal(start.model, identity.model);
        assert.ok(Math.abs(start.created - Date.now() / 1000) < 5);
      }
      assert.equal(text(parts), 'Grüße, world 🌍');
      assert.deepEqual(parts[4], { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } });
      const usage = parts[5];
      assert.equal(usage.type, 'usage');
      if (usage.type === 'usage') {
        assert.deepEqual(usage.usage.inputTokens, { total: 1292, noCache: 12, cacheRead: 1024, cacheWrite: 256 });
        assert.deepEqual(usage.usage.outputTokens, { total: 4, text: 4, reasoning: 0 });
      }
    });
  }

  it('leaves the id to the frontend when no request id is given', () => {
    const { parts } = decode(fixtureBytes('text'), 100);
    assert.equal(parts[0].type === 'start' && parts[0].id, '');
  });

  it('numbers tool calls 0, 1… in order of appearance, id and name on the first delta only', () => {
    const { parts, error } = decode(fixtureBytes('tool-use'), 17);
    assert.equal(error, undefined);
    assert.equal(text(parts), 'Let me check both.');
    assert.deepEqual(
      parts.filter((part) => part.type === 'tool-call-delta'),
      [
        { type: 'tool-call-delta', index: 0, id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', argumentsDelta: '' },
        { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '{"city": ' },
        { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '"Paris"}' },
        { type: 'tool-call-delta', index: 1, id: 'tooluse_Qw3rTy9UiOp0AsDfGhJkLz', name: 'get_time', argumentsDelta: '' },
        { type: 'tool-call-delta', index: 1, id: undefined, name: undefined, argumentsDelta: '{"zone": "CET"}' },
      ],
    );
    assert.deepEqual(parts.at(-2), { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' } });
    assert.equal(parts.at(-1)?.type, 'usage');
  });

  it('passes reasoning text on as reasoning deltas and drops the signature', () => {
    const { parts, error } = decode(fixtureBytes('reasoning'), 33);
    assert.equal(error, undefined);
    assert.equal(text(parts, 'reasoning-delta'), 'The user wants a short answer.');
    assert.equal(text(parts), 'Yes');
    assert.deepEqual(
      parts.map((part) => part.type),
      ['start', 'reasoning-delta', 'reasoning-delta', 'text-delta', 'finish', 'usage'],
    );
    assert.deepEqual(parts.at(-2), { type: 'finish', finishReason: { unified: 'length', raw: 'max_tokens' } });
  });

  it('turns a throttlingException before any content into a retryable upstream_rate_limited, with nothing written', () => {
    const { parts, error, decoder } = decode(fixtureBytes('throttling-exception'), 7);
    assert.equal(parts.length, 0);
    assert.equal(decoder.started, false);
    assert.equal(error?.code, 'upstream_rate_limited');
    assert.equal(error?.isRetryable, true);
    assert.match(error?.message ?? '', /Too many tokens/);
  });

  it('writes no start for messageStart alone, so an exception right after it can still fall back', () => {
    const bytes = encodeFrames([event('messageStart', { role: 'assistant' }), exception('serviceUnavailableException', { message: 'Service unavailable' })]);
    const { parts, error } = decode(bytes, 1000);
    assert.equal(parts.length, 0);
    assert.equal(error?.code, 'upstream_unavailable');
    assert.equal(error?.isRetryable, true);
  });

  it('marks an exception after content as not retryable, keeping what was written', () => {
    const { parts, error, decoder } = decode(fixtureBytes('model-stream-error'), 9);
    assert.equal(decoder.started, true);
    assert.equal(text(parts), 'Once upon');
    assert.equal(error?.code, 'upstream_error');
    assert.equal(error?.isRetryable, false);
    assert.match(error?.message ?? '', /Received error from model while streaming \(model said 529: Model overloaded\)/);
  });

  const exceptionCases: Array<[string, string, boolean]> = [
    ['throttlingException', 'upstream_rate_limited', true],
    ['serviceUnavailableException', 'upstream_unavailable', true],
    ['internalServerException', 'upstream_unavailable', true],
    ['modelStreamErrorException', 'upstream_error', true],
    ['validationException', 'upstream_invalid_request', false],
  ];
  for (const [type, code, retryable] of exceptionCases) {
    it(`maps an in-stream ${type} to ${code}`, () => {
      const { error } = decode(encodeFrames([event('messageStart', { role: 'assistant' }), exception(type, { message: 'boom' })]), 64);
      assert.equal(error?.code, code);
      assert.equal(error?.isRetryable, retryable);
      assert.equal(error?.upstream?.status, 200);
    });
  }

  it('maps an in-stream validationException about the input length to context_length_exceeded', () => {
    const { error } = decode(encodeFrame(exception('validationException', { message: 'Input is too long for requested model.' })), 64);
    assert.equal(error?.code, 'context_length_exceeded');
  });

  it('maps an unmodelled error message (:message-type error) from its headers', () => {
    const frame = encodeFrame({
      headers: { ':message-type': 'error', ':error-code': 'InternalFailure', ':error-message': 'We encountered an internal error.' },
      payload: '',
    });
    const { error } = decode(frame, 64);
    assert.equal(error?.code, 'upstream_unavailable');
    assert.equal(error?.isRetryable, true);
    assert.match(error?.message ?? '', /internal error/);
  });

  it('keeps an exception whose payload is not JSON', () => {
    const { error } = decode(encodeFrame({ ...exception('throttlingException', null), payload: 'Rate exceeded' }), 64);
    assert.equal(error?.code, 'upstream_rate_limited');
    assert.match(error?.message ?? '', /Rate exceeded/);
  });

  it('refuses a context window overflow before any content as context_length_exceeded', () => {
    const bytes = encodeFrames([event('messageStart', { role: 'assistant' }), event('messageStop', { stopReason: 'model_context_window_exceeded' })]);
    const { parts, error } = decode(bytes, 64);
    assert.equal(parts.length, 0);
    assert.equal(error?.code, 'context_length_exceeded');
    assert.equal(error?.isRetryable, false);
  });

  it('finishes with length when the context window fills after content', () => {
    const bytes = encodeFrames([
      event('messageStart', { role: 'assistant' }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'a' } }),
      event('messageStop', { stopReason: 'model_context_window_exceeded' }),
    ]);
    const { parts, error } = decode(bytes, 64);
    assert.equal(error, undefined);
    assert.deepEqual(parts.at(-1), { type: 'finish', finishReason: { unified: 'length', raw: 'model_context_window_exceeded' } });
  });

  it('numbers tool calls by appearance even when block indexes skip', () => {
    const bytes = encodeFrames([
      event('messageStart', { role: 'assistant' }),
      event('contentBlockStart', { contentBlockIndex: 3, start: { toolUse: { toolUseId: 'a', name: 'one' } } }),
      event('contentBlockStart', { contentBlockIndex: 7, start: { toolUse: { toolUseId: 'b', name: 'two' } } }),
      event('contentBlockDelta', { contentBlockIndex: 7, delta: { toolUse: { input: '{}' } } }),
      event('contentBlockDelta', { contentBlockIndex: 3, delta: { toolUse: { input: '{"x":1}' } } }),
      event('messageStop', { stopReason: 'tool_use' }),
    ]);
    const { parts, error } = decode(bytes, 64);
    assert.equal(error, undefined);
    assert.deepEqual(
      parts.filter((part) => part.type === 'tool-call-delta').map((part) => part.type === 'tool-call-delta' && [part.index, part.id ?? null, part.argumentsDelta]),
      [
        [0, 'a', ''],
        [1, 'b', ''],
        [1, null, '{}'],
        [0, null, '{"x":1}'],
      ],
    );
  });

  it('refuses tool input for a block that never started', () => {
    const bytes = encodeFrames([event('messageStart', { role: 'assistant' }), event('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{}' } } })]);
    const { error } = decode(bytes, 64);
    assert.match(error?.message ?? '', /toolUse input for content block 2 arrived without its contentBlockStart/);
  });

  it('emits usage once, after the finish, even when metadata comes first or twice', () => {
    const usage = { inputTokens: 1, outputTokens: 2, totalTokens: 3 };
    const bytes = encodeFrames([
      event('messageStart', { role: 'assistant' }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } }),
      event('metadata', { usage, metrics: { latencyMs: 1 } }),
      event('messageStop', { stopReason: 'end_turn' }),
      event('metadata', { usage: { inputTokens: 9, outputTokens: 9, totalTokens: 18 }, metrics: { latencyMs: 1 } }),
    ]);
    const { parts, error } = decode(bytes, 64);
    assert.equal(error, undefined);
    assert.deepEqual(
      parts.map((part) => part.type),
      ['start', 'text-delta', 'finish', 'usage'],
    );
    const last = parts.at(-1);
    assert.equal(last?.type === 'usage' && last.usage.outputTokens.total, 2);
  });

  it('completes without usage when the stream ends after messageStop', () => {
    const frames = fixtureFrames('text').slice(0, -1);
    const { parts, error } = decode(encodeFrames(frames), 64);
    assert.equal(error, undefined);
    assert.equal(parts.at(-1)?.type, 'finish');
  });

  it('ignores unknown event types and contentBlockStop', () => {
    const bytes = encodeFrames([
      event('messageStart', { role: 'assistant' }),
      event('someFutureEvent', { anything: true }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { citation: { title: 't' } } }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'ok' } }),
      event('contentBlockStop', { contentBlockIndex: 0 }),
      event('messageStop', { stopReason: 'end_turn' }),
    ]);
    const { parts, error } = decode(bytes, 64);
    assert.equal(error, undefined);
    assert.deepEqual(
      parts.map((part) => part.type),
      ['start', 'text-delta', 'finish'],
    );
  });

  it('reports a stream that ends before its first event', () => {
    const { parts, error } = decode(Buffer.alloc(0), 1);
    assert.equal(parts.length, 0);
    assert.match(error?.message ?? '', /bedrock-test: stream ended before its first event/);
    assert.equal(error?.isRetryable, true);
  });

  it('reports a stream that ends before messageStop', () => {
    const frames = fixtureFrames('text');
    const { parts, error } = decode(encodeFrames(frames.slice(0, 3)), 64);
    assert.ok(parts.length > 0);
    assert.match(error?.message ?? '', /stream ended before messageStop/);
  });

  it('reports a stream cut in the middle of a frame', () => {
    const bytes = fixtureBytes('text');
    const { error } = decode(bytes.subarray(0, bytes.length - 10), 64);
    assert.equal(error, undefined, 'a cut inside the metadata frame after messageStop only loses the usage');
    const early = decode(bytes.subarray(0, 70), 64);
    assert.match(early.error?.message ?? '', /stream ended in the middle of an event frame \(\d+ of \d+ bytes\)/);
  });

  it('refuses a frame whose message checksum does not match', () => {
    const bytes = Buffer.from(fixtureBytes('text'));
    bytes[40] ^= 0x01;
    const { parts, error } = decode(bytes, 64);
    assert.equal(parts.length, 0);
    assert.match(error?.message ?? '', /corrupt event frame: The message checksum/);
  });

  it('refuses a corrupt prelude at once instead of waiting for its length', () => {
    const bytes = Buffer.from(fixtureBytes('text'));
    bytes[1] ^= 0x40;
    const { sink, parts } = collect();
    const decoder = new ConverseStreamDecoder(sink, identity);
    decoder.push(bytes.subarray(0, 12));
    assert.match(decoder.error?.message ?? '', /prelude checksum mismatch/);
    assert.equal(parts.length, 0);
  });

  it('refuses a frame longer than the format allows, even with a valid prelude', () => {
    const prelude = Buffer.alloc(12);
    prelude.writeUInt32BE(32 * 1024 * 1024, 0);
    prelude.writeUInt32BE(0, 4);
    prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
    const { sink } = collect();
    const decoder = new ConverseStreamDecoder(sink, identity);
    decoder.push(prelude);
    assert.match(decoder.error?.message ?? '', /event frame of 33554432 bytes with 0 bytes of headers is out of bounds/);
  });

  it('refuses a payload that is not JSON', () => {
    const { error } = decode(encodeFrames([event('messageStart', 'not json')]), 64);
    assert.match(error?.message ?? '', /malformed event payload: not json/);
  });

  it('asks the upstream to pause when the sink is saturated, and ignores pushes after an error', () => {
    const decoder = new ConverseStreamDecoder({ write: () => false, onDrain: () => {} }, identity);
    assert.equal(decoder.push(fixtureBytes('text')), false);
    const failed = new ConverseStreamDecoder(collect().sink, identity);
    failed.push(fixtureBytes('throttling-exception'));
    assert.equal(failed.push(fixtureBytes('text')), true);
    assert.equal(failed.error?.code, 'upstream_rate_limited');
  });

  it('reports a sink that throws instead of throwing out of push', () => {
    const decoder = new ConverseStreamDecoder(
      {
        write: () => {
          throw new Error('sink broke');
        },
        onDrain: () => {},
      },
      identity,
    );
    assert.doesNotThrow(() => decoder.push(fixtureBytes('text')));
    assert.match(decoder.error?.message ?? '', /sink broke/);
  });
});

/** mulberry32: a small seeded generator, so every fuzz run sees the same cases. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ConverseStreamDecoder under frame-level fuzzing', () => {
  const iterations = 250;

  /** Feeds the bytes in random pieces; checks that no part follows an error and that the stream settles. */
  function run(bytes: Buffer, next: () => number) {
    const parts: StreamPart[] = [];
    let partsAfterError = 0;
    let decoder: ConverseStreamDecoder | undefined = undefined;
    const sink: StreamSink = {
      write(part) {
        if (decoder?.error !== undefined) partsAfterError++;
        parts.push(part);
        return next() > 0.2;
      },
      onDrain: () => {},
    };
    decoder = new ConverseStreamDecoder(sink, identity);
    let offset = 0;
    while (offset < bytes.length) {
      // Mostly small pieces (frames span pushes), sometimes everything left at once (frames share a push).
      const size = next() < 0.25 ? bytes.length : 1 + Math.floor(next() * 96);
      assert.doesNotThrow(() => decoder!.push(bytes.subarray(offset, offset + size)));
      offset += size;
    }
    let error: ReturnType<ConverseStreamDecoder['end']>;
    assert.doesNotThrow(() => (error = decoder!.end()));
    assert.equal(partsAfterError, 0, 'no part may follow an error');
    const finishes = parts.filter((part) => part.type === 'finish').length;
    if (error! === undefined) {
      assert.equal(finishes, 1, 'a stream without error has exactly one finish');
      assert.equal(parts[0].type, 'start');
    } else {
      assert.ok(error.message.startsWith('bedrock-test'), error.message);
      assert.equal(decoder.error, error);
    }
    return { parts, error: error! };
  }

  for (const name of fixtureNames) {
    it(`never throws and always settles on ${name}, truncated at random points`, () => {
      const bytes = fixtureBytes(name);
      const next = random(0x5eed + name.length);
      for (let iteration = 0; iteration < iterations; iteration++) {
        run(bytes.subarray(0, Math.floor(next() * bytes.length)), next);
      }
    });

    it(`never throws and always ends in an error on ${name} with random bit flips`, () => {
      const original = fixtureBytes(name);
      const next = random(0xf11b + name.length);
      for (let iteration = 0; iteration < iterations; iteration++) {
        const bytes = Buffer.from(original);
        const flips = 1 + Math.floor(next() * 3);
        for (let flip = 0; flip < flips; flip++) {
          const position = Math.floor(next() * bytes.length);
          bytes[position] ^= 1 << Math.floor(next() * 8);
        }
        const { error } = run(bytes, next);
        // Every byte is covered by a CRC32, which catches every error of up to three bits in frames this small.
        // Flips that cancel out (the same bit twice) leave the stream intact.
        if (bytes.equals(original)) continue;
        assert.ok(error !== undefined, `iteration ${iteration}: a corrupted stream must end in an error`);
      }
    });

    it(`never throws on ${name} truncated and flipped at once`, () => {
      const original = fixtureBytes(name);
      const next = random(0xbad + name.length);
      for (let iteration = 0; iteration < iterations; iteration++) {
        const bytes = Buffer.from(original.subarray(0, 1 + Math.floor(next() * original.length)));
        bytes[Math.floor(next() * bytes.length)] ^= 1 << Math.floor(next() * 8);
        run(bytes, next);
      }
    });
  }
});
