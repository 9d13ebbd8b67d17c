import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import type { StreamPart } from '../../spec/index.ts';
import type { StreamSink } from '../adapter.ts';
import { GeminiStreamDecoder } from './stream.ts';
import { mintToolCallId } from './tool-call-ids.ts';

const identity = { provider: 'vertex-test', model: 'gemini-2.5-flash' };
const fixtureNames = ['text', 'function-call', 'thinking', 'safety-stop', 'prompt-blocked', 'no-finish-reason', 'error-event'] as const;

function fixture(name: (typeof fixtureNames)[number]): Buffer {
  return readFileSync(new URL(`./__fixtures__/${name}.sse.txt`, import.meta.url));
}

function collect(): { sink: StreamSink; parts: StreamPart[] } {
  const parts: StreamPart[] = [];
  return { parts, sink: { write: (part) => (parts.push(part), true), onDrain: () => {} } };
}

/** Feeds the bytes in pieces of `size` (1 = every byte boundary, splitting CRLF pairs and multi-byte characters too). */
function decode(bytes: Buffer, size: number, requestId = 'req-1') {
  const { sink, parts } = collect();
  const decoder = new GeminiStreamDecoder(sink, identity, requestId);
  for (let offset = 0; offset < bytes.length; offset += size) decoder.push(bytes.subarray(offset, offset + size));
  return { parts, error: decoder.end(), decoder };
}

function text(parts: StreamPart[], type: 'text-delta' | 'reasoning-delta' = 'text-delta'): string {
  return parts.map((part) => (part.type === type ? part.delta : '')).join('');
}

const event = (value: unknown): string => `data: ${JSON.stringify(value)}\r\n\r\n`;
const chunk = (parts: unknown[] | undefined, finishReason?: string, usageMetadata?: unknown): string =>
  event({
    candidates: [{ ...(parts === undefined ? {} : { content: { role: 'model', parts } }), ...(finishReason === undefined ? {} : { finishReason }) }],
    usageMetadata: usageMetadata ?? { trafficType: 'ON_DEMAND' },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'resp-1',
  });

describe('GeminiStreamDecoder: fixtures', () => {
  for (const size of [1, 2, 7, 64, 1_000_000]) {
    it(`decodes text, finish and usage with ${size}-byte reads`, () => {
      const { parts, error, decoder } = decode(fixture('text'), size);
      assert.equal(error, undefined);
      assert.equal(decoder.started, true);
      assert.deepEqual(
        parts.map((part) => part.type),
        ['start', 'text-delta', 'text-delta', 'text-delta', 'finish', 'usage'],
      );
      assert.deepEqual(parts[0], { type: 'start', id: 'chatcmpl-req-1', created: Math.floor(Date.parse('2025-11-04T09:30:12.481516Z') / 1000), model: 'gemini-2.5-flash' });
      assert.equal(text(parts), 'Grüße, world 🌍');
      assert.deepEqual(parts[4], { type: 'finish', finishReason: { unified: 'stop', raw: 'STOP' } });
      assert.deepEqual(parts[5], {
        type: 'usage',
        usage: { inputTokens: { total: 1290, noCache: 266, cacheRead: 1024, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } },
      });
    });
  }

  it('decodes parallel function calls: one delta each with id, name and whole arguments; STOP → tool-calls', () => {
    const { parts, error } = decode(fixture('function-call'), 13);
    assert.equal(error, undefined);
    assert.equal(text(parts), 'Let me check both.');
    assert.deepEqual(
      parts.filter((part) => part.type === 'tool-call-delta'),
      [
        { type: 'tool-call-delta', index: 0, id: mintToolCallId('fc-7Zq2aYyHBu2m2PgPkpCAuQk', 0, 'get_weather'), name: 'get_weather', argumentsDelta: '{"city":"Paris","unit":"celsius"}' },
        { type: 'tool-call-delta', index: 1, id: mintToolCallId('fc-7Zq2aYyHBu2m2PgPkpCAuQk', 1, 'get_time'), name: 'get_time', argumentsDelta: '{"zone":"Europe/Paris"}' },
      ],
    );
    assert.deepEqual(parts.at(-2), { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'STOP' } });
    const usage = parts.at(-1);
    assert.equal(usage?.type, 'usage');
    if (usage?.type === 'usage') assert.deepEqual(usage.usage.outputTokens, { total: 180, text: 42, reasoning: 138 });
    const start = parts[0];
    assert.equal(start.type === 'start' && start.model, 'gemini-3-pro-preview');
  });

  it('streams the same tool-call ids as the non-streaming conversion would mint', () => {
    const first = decode(fixture('function-call'), 5).parts.filter((part) => part.type === 'tool-call-delta');
    const second = decode(fixture('function-call'), 300, 'another-request').parts.filter((part) => part.type === 'tool-call-delta');
    assert.deepEqual(first, second);
  });

  it('decodes thought parts as reasoning deltas, MAX_TOKENS as length', () => {
    const { parts, error } = decode(fixture('thinking'), 11);
    assert.equal(error, undefined);
    assert.equal(text(parts, 'reasoning-delta'), "**Counting letters**\n\nI spell out s-t-r-a-w-b-e-r-r-y. Three r's.");
    assert.equal(text(parts), "There are **3** r's in strawberry");
    assert.deepEqual(
      parts.map((part) => part.type),
      ['start', 'reasoning-delta', 'reasoning-delta', 'text-delta', 'text-delta', 'finish', 'usage'],
    );
    assert.deepEqual(parts[5], { type: 'finish', finishReason: { unified: 'length', raw: 'MAX_TOKENS' } });
    if (parts[6].type === 'usage') assert.deepEqual(parts[6].usage.outputTokens, { total: 264, text: 8, reasoning: 256 });
  });

  it('a safety stop is a finish part with content-filter', () => {
    const { parts, error } = decode(fixture('safety-stop'), 50);
    assert.equal(error, undefined);
    assert.equal(text(parts), 'Here is how you');
    assert.deepEqual(parts.at(-2), { type: 'finish', finishReason: { unified: 'content-filter', raw: 'SAFETY' } });
    assert.equal(parts.at(-1)?.type, 'usage');
  });

  it('a blocked prompt fails with content_filter before anything is written', () => {
    const { parts, error, decoder } = decode(fixture('prompt-blocked'), 20);
    assert.deepEqual(parts, []);
    assert.equal(decoder.started, false);
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'content_filter');
    assert.equal(error.status, 400);
    assert.equal(error.isRetryable, false);
    assert.equal(decoder.error, error);
  });

  it('a stream that ends without a finish reason is an error', () => {
    const { parts, error } = decode(fixture('no-finish-reason'), 9);
    assert.equal(text(parts), 'The first half of an answer');
    assert.equal(parts.some((part) => part.type === 'finish' || part.type === 'usage'), false);
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'upstream_error');
    assert.match(error.message, /ended before its finish reason/);
  });

  it('an error event after content is mapped, and not retryable once the client saw content', () => {
    const { parts, error } = decode(fixture('error-event'), 33);
    assert.equal(text(parts), 'Partial');
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'upstream_unavailable');
    assert.equal(error.isRetryable, false);
    assert.match(error.message, /The service is currently unavailable/);
  });
});

describe('GeminiStreamDecoder: rules', () => {
  it('an error event before any content stays retryable', () => {
    const { parts, error, decoder } = decode(Buffer.from(event({ error: { code: 429, message: 'Resource exhausted.', status: 'RESOURCE_EXHAUSTED' } })), 100);
    assert.deepEqual(parts, []);
    assert.equal(decoder.started, false);
    assert.equal(error?.code, 'upstream_rate_limited');
    assert.equal(error?.isRetryable, true);
  });

  it('an error wrapped in a list is read too', () => {
    const { error } = decode(Buffer.from(event([{ error: { code: 400, message: 'Bad.', status: 'INVALID_ARGUMENT' } }])), 100);
    assert.equal(error?.code, 'upstream_invalid_request');
  });

  it('keeps the last usage with counts, even from a usage-only chunk after the finish, and writes it once at the end', () => {
    const body =
      chunk([{ text: 'Hi' }], undefined, { promptTokenCount: 3, trafficType: 'ON_DEMAND' }) +
      chunk([{ text: '!' }], 'STOP', { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 }) +
      event({ usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, thoughtsTokenCount: 7, totalTokenCount: 12 } }) +
      event({ usageMetadata: { trafficType: 'ON_DEMAND' } });
    const { parts, error } = decode(Buffer.from(body), 16);
    assert.equal(error, undefined);
    const usages = parts.filter((part) => part.type === 'usage');
    assert.equal(usages.length, 1);
    assert.equal(parts.at(-1)?.type, 'usage');
    if (usages[0].type === 'usage') assert.deepEqual(usages[0].usage.outputTokens, { total: 9, text: 2, reasoning: 7 });
  });

  it('cumulative usage with cached tokens on every chunk counts as the last chunk says, never the sum', () => {
    const usage = (candidates: number) => ({ promptTokenCount: 50, cachedContentTokenCount: 40, candidatesTokenCount: candidates, thoughtsTokenCount: 6, totalTokenCount: 56 + candidates });
    const body = chunk([{ text: 'One' }], undefined, usage(1)) + chunk([{ text: ' two' }], undefined, usage(2)) + chunk([{ text: ' three' }], 'STOP', usage(3));
    const { parts, error } = decode(Buffer.from(body), 9);
    assert.equal(error, undefined);
    assert.deepEqual(
      parts.filter((part) => part.type === 'usage'),
      [{ type: 'usage', usage: { inputTokens: { total: 50, noCache: 10, cacheRead: 40, cacheWrite: 0 }, outputTokens: { total: 9, text: 3, reasoning: 6 } } }],
    );
  });

  it('writes no usage part when Gemini sent no counts', () => {
    const { parts, error } = decode(Buffer.from(chunk([{ text: 'Hi' }], 'STOP')), 100);
    assert.equal(error, undefined);
    assert.deepEqual(
      parts.map((part) => part.type),
      ['start', 'text-delta', 'finish'],
    );
  });

  it('ignores content, malformed and error events after the finish: the answer is complete', () => {
    const body = chunk([{ text: 'Done' }], 'STOP', { promptTokenCount: 1, candidatesTokenCount: 1 }) + chunk([{ text: 'late' }]) + 'data: {broken\r\n\r\n' + event({ error: { code: 500, status: 'INTERNAL' } });
    const { parts, error } = decode(Buffer.from(body), 10);
    assert.equal(error, undefined);
    assert.equal(text(parts), 'Done');
    assert.equal(parts.filter((part) => part.type === 'finish').length, 1);
  });

  it('a finish with nothing before it still writes the start first', () => {
    const { parts } = decode(Buffer.from(chunk(undefined, 'MAX_TOKENS', { promptTokenCount: 5, thoughtsTokenCount: 100 })), 100);
    assert.deepEqual(
      parts.map((part) => part.type),
      ['start', 'finish', 'usage'],
    );
  });

  it('skips empty text parts (thought signatures) and reads candidate 0 only', () => {
    const body = event({
      candidates: [
        { index: 1, content: { parts: [{ text: 'other candidate' }] } },
        { index: 0, content: { parts: [{ text: '', thoughtSignature: 'c2ln' }, { text: 'mine' }] }, finishReason: 'STOP' },
      ],
    });
    const { parts } = decode(Buffer.from(body), 100);
    assert.equal(text(parts), 'mine');
  });

  it('reads the last event even when the body ends without its blank line', () => {
    const body = chunk([{ text: 'Hi' }], 'STOP').replace(/\r\n\r\n$/, '');
    const { parts, error } = decode(Buffer.from(body), 100);
    assert.equal(error, undefined);
    assert.equal(parts.at(-1)?.type, 'finish');
  });

  it('accepts LF framing and comment lines too', () => {
    const body = `: keep-alive\n\n${chunk([{ text: 'a' }]).replaceAll('\r\n', '\n')}${chunk([{ text: 'b' }], 'STOP').replaceAll('\r\n', '\n')}`;
    const { parts, error } = decode(Buffer.from(body), 3);
    assert.equal(error, undefined);
    assert.equal(text(parts), 'ab');
  });

  const failures: Array<[string, string, RegExp]> = [
    ['malformed JSON', 'data: {"candidates": [\r\n\r\n', /malformed stream event/],
    ['an event that is not an object', 'data: 42\r\n\r\n', /not an object/],
    ['a function call without a name', event({ candidates: [{ content: { parts: [{ functionCall: { args: {} } }] } }] }), /functionCall part without a name/],
    ['an empty body', '', /ended before its first event/],
    ['only comments', ': ping\r\n\r\n', /ended before its first event/],
  ];
  for (const [name, body, pattern] of failures) {
    it(`${name} → upstream_error`, () => {
      const { error } = decode(Buffer.from(body), 4);
      assert.ok(error instanceof GatewayError);
      assert.equal(error.code, 'upstream_error');
      assert.match(error.message, pattern);
    });
  }

  it('refuses an event larger than 8 MiB without buffering it all', () => {
    const { sink } = collect();
    const decoder = new GeminiStreamDecoder(sink, identity, 'req-1');
    const piece = Buffer.from(`data: {"candidates":[{"content":{"parts":[{"text":"${'x'.repeat(1024 * 1024)}`);
    decoder.push(piece);
    const filler = Buffer.alloc(1024 * 1024, 'x');
    for (let index = 0; index < 9 && decoder.error === undefined; index++) decoder.push(filler);
    assert.equal(decoder.error?.code, 'upstream_error');
    assert.match(decoder.error?.message ?? '', /larger than/);
    assert.equal(decoder.end(), decoder.error);
  });

  it('reports back-pressure from the sink and never writes after an error', () => {
    const parts: StreamPart[] = [];
    const sink: StreamSink = { write: (part) => (parts.push(part), false), onDrain: () => {} };
    const decoder = new GeminiStreamDecoder(sink, identity, 'req-1');
    assert.equal(decoder.push(Buffer.from(chunk([{ text: 'a' }]))), false);
    assert.equal(decoder.push(Buffer.from('data: nope\r\n\r\n')), true);
    const count = parts.length;
    decoder.push(Buffer.from(chunk([{ text: 'b' }], 'STOP')));
    assert.equal(decoder.end()?.code, 'upstream_error');
    assert.equal(parts.length, count);
  });

  it('a sink that throws is reported, never thrown', () => {
    const sink: StreamSink = {
      write: () => {
        throw new Error('sink broke');
      },
      onDrain: () => {},
    };
    const decoder = new GeminiStreamDecoder(sink, identity, 'req-1');
    assert.doesNotThrow(() => decoder.push(Buffer.from(chunk([{ text: 'a' }], 'STOP'))));
    assert.match(decoder.end()?.message ?? '', /sink broke/);
  });

  it('end() is idempotent', () => {
    const { sink, parts } = collect();
    const decoder = new GeminiStreamDecoder(sink, identity, 'req-1');
    decoder.push(fixture('text'));
    assert.equal(decoder.end(), undefined);
    assert.equal(decoder.end(), undefined);
    assert.equal(parts.filter((part) => part.type === 'usage').length, 1);
  });
});

describe('GeminiStreamDecoder: fuzz', () => {
  /** A small deterministic PRNG (mulberry32), so a failure reproduces. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let value = Math.imul(state ^ (state >>> 15), 1 | state);
      value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
      return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Checks the contract: never throws, settles once, parts in order, nothing after an error. */
  function run(bytes: Buffer, next: () => number): { parts: StreamPart[]; error: GatewayError | undefined } {
    const { sink, parts } = collect();
    const decoder = new GeminiStreamDecoder(sink, identity, 'fuzz');
    let offset = 0;
    let errorSeenAt = -1;
    while (offset < bytes.length) {
      const size = 1 + Math.floor(next() * 40);
      decoder.push(bytes.subarray(offset, offset + size));
      if (decoder.error !== undefined && errorSeenAt === -1) errorSeenAt = parts.length;
      offset += size;
    }
    const error = decoder.end();
    assert.equal(decoder.end(), error, 'end() settles to the same outcome');
    if (errorSeenAt !== -1) assert.equal(parts.length, errorSeenAt, 'nothing is written after an error');
    if (error !== undefined) assert.ok(error instanceof GatewayError);
    // Order: start first (once), deltas, at most one finish, at most one usage after it.
    if (parts.length > 0) assert.equal(parts[0].type, 'start');
    assert.ok(parts.filter((part) => part.type === 'start').length <= 1);
    const finishAt = parts.findIndex((part) => part.type === 'finish');
    const usageAt = parts.findIndex((part) => part.type === 'usage');
    assert.ok(parts.filter((part) => part.type === 'finish').length <= 1);
    if (usageAt !== -1) assert.ok(finishAt !== -1 && usageAt === parts.length - 1 && usageAt > finishAt);
    if (finishAt !== -1) for (const part of parts.slice(finishAt + 1)) assert.equal(part.type, 'usage');
    if (error === undefined) assert.ok(finishAt !== -1, 'a stream without error has finished');
    return { parts, error };
  }

  for (const name of fixtureNames) {
    it(`${name}: every truncation settles without throwing`, () => {
      const bytes = fixture(name);
      const next = random(bytes.length);
      // The finish reason is on the last event: a body cut before that event's JSON is whole never passes as an answer.
      const finishing = name === 'text' || name === 'thinking' || name === 'function-call' || name === 'safety-stop';
      const complete = bytes.lastIndexOf('}') + 1;
      for (let cut = 0; cut <= bytes.length; cut += Math.max(1, Math.floor(bytes.length / 97))) {
        const { error } = run(bytes.subarray(0, cut), next);
        if (finishing) assert.equal(error === undefined, cut >= complete, `cut at ${cut} of ${bytes.length}`);
      }
      if (finishing) assert.equal(run(bytes.subarray(0, complete), next).error, undefined);
    });
  }

  it('random byte corruption and garbage settle without throwing', () => {
    const next = random(42);
    const sources = fixtureNames.map(fixture);
    for (let round = 0; round < 400; round++) {
      const source = Buffer.from(sources[round % sources.length]);
      const flips = 1 + Math.floor(next() * 8);
      for (let flip = 0; flip < flips; flip++) source[Math.floor(next() * source.length)] = Math.floor(next() * 256);
      run(source, next);
    }
    for (let round = 0; round < 100; round++) {
      const garbage = Buffer.alloc(1 + Math.floor(next() * 600));
      for (let index = 0; index < garbage.length; index++) garbage[index] = Math.floor(next() * 256);
      if (round % 2 === 0) garbage.write('data: ', 0);
      run(garbage, next);
    }
  });

  it('events spliced from different fixtures settle without throwing', () => {
    const next = random(7);
    const events = fixtureNames.flatMap((name) => fixture(name).toString('utf8').split('\r\n\r\n').filter((piece) => piece !== ''));
    for (let round = 0; round < 200; round++) {
      const count = 1 + Math.floor(next() * 6);
      let body = '';
      for (let index = 0; index < count; index++) body += `${events[Math.floor(next() * events.length)]}\r\n\r\n`;
      run(Buffer.from(body), next);
    }
  });
});
