/**
 * One suite every provider adapter must pass, against its own cloud's emulator: the contract routing and the frontend
 * rely on (parts in order, usage, finish reasons, tool calls, retryable errors, cancellation).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GatewayError } from '../../src/errors/index.ts';
import { parseChatRequest, parseEmbeddingRequest } from '../../src/frontends/openai/index.ts';
import { Cancellation } from '../../src/lib/cancellation.ts';
import type { CallContext } from '../../src/providers/adapter.ts';
import type { ChatRequest, StreamPart } from '../../src/spec/index.ts';
import { conformanceTargets, type ConformanceUpstream } from './provider-targets.ts';

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

function context(upstream: ConformanceUpstream, model: string, cancellation = new Cancellation(), headersTimeoutMs = 5_000): CallContext {
  return { upstreamModel: model, requestId: 'conformance', cancellation, headersTimeoutMs, bodyTimeoutMs: 5_000 };
}

function chat(body: Record<string, unknown>): ChatRequest {
  return parseChatRequest({ model: 'public-name', ...body });
}

async function stream(upstream: ConformanceUpstream, request: ChatRequest, cancellation?: Cancellation, onPart?: (part: StreamPart) => void) {
  const parts: StreamPart[] = [];
  let error: unknown;
  try {
    await upstream.adapter.streamChat(request, context(upstream, upstream.chatModel, cancellation), {
      write(part) {
        parts.push(part);
        onPart?.(part);
        return true;
      },
      onDrain() {},
    });
  } catch (caught) {
    error = caught;
  }
  return { parts, error };
}

/** Every output-limit field in an upstream body, by its path (OpenAI's, Gemini's `generationConfig`, Bedrock's `inferenceConfig`). */
function outputLimits(body: unknown): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  const names = new Set(['max_tokens', 'max_completion_tokens', 'maxOutputTokens', 'maxTokens']);
  const walk = (value: unknown, path: string, depth: number): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > 2) return;
    for (const [key, child] of Object.entries(value)) {
      if (names.has(key)) found[`${path}${key}`] = child;
      else walk(child, `${path}${key}.`, depth + 1);
    }
  };
  walk(body, '', 0);
  return found;
}

for (const target of conformanceTargets) {
  describe(`provider conformance: ${target.name}`, () => {
    let upstream: ConformanceUpstream;
    before(async () => {
      upstream = await target.start();
    });
    after(() => upstream.close());
    beforeEach(() => upstream.setFault(undefined));

    it('chat: text, stop, usage', async () => {
      const result = await upstream.adapter.chat(chat({ messages: [{ role: 'user', content: 'Say hello' }] }), context(upstream, upstream.chatModel));
      assert.ok((result.content ?? '').length > 0);
      assert.equal(result.finishReason.unified, 'stop');
      assert.ok(result.finishReason.raw !== undefined, 'the upstream\'s own reason is kept');
      assert.ok((result.usage?.inputTokens.total ?? 0) > 0);
      assert.ok((result.usage?.outputTokens.total ?? 0) > 0);
    });

    it('chat: an output limit ends with length', async () => {
      const result = await upstream.adapter.chat(
        chat({ messages: [{ role: 'user', content: 'Write a long essay about clouds' }], max_tokens: 2 }),
        context(upstream, upstream.chatModel),
      );
      assert.equal(result.finishReason.unified, 'length');
      assert.equal(result.usage?.outputTokens.total, 2);
    });

    it('chat: with max_tokens and max_completion_tokens both set, max_completion_tokens wins and one limit goes upstream', async () => {
      const result = await upstream.adapter.chat(
        chat({ messages: [{ role: 'user', content: 'Write a long essay about clouds' }], max_tokens: 2, max_completion_tokens: 3 }),
        context(upstream, upstream.chatModel),
      );
      assert.equal(result.finishReason.unified, 'length');
      assert.equal(result.usage?.outputTokens.total, 3);
      const limits = outputLimits(upstream.lastBody());
      assert.deepEqual(Object.values(limits), [3], JSON.stringify(limits));
    });

    it('chat: a developer message is taken, whatever the upstream calls it', async () => {
      const result = await upstream.adapter.chat(
        chat({ messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }] }),
        context(upstream, upstream.chatModel),
      );
      assert.ok((result.content ?? '').length > 0);
      assert.equal(result.finishReason.unified, 'stop');
    });

    it('chat: an assistant turn that carries only a refusal is valid history', async () => {
      const result = await upstream.adapter.chat(
        chat({
          messages: [
            { role: 'user', content: 'Help me with something bad' },
            { role: 'assistant', content: null, refusal: "I can't help with that." },
            { role: 'user', content: 'Say hello instead' },
          ],
        }),
        context(upstream, upstream.chatModel),
      );
      assert.ok((result.content ?? '').length > 0);
      assert.equal(result.finishReason.unified, 'stop');
    });

    it('chat: tool calls with parseable arguments and finish tool-calls', async () => {
      const result = await upstream.adapter.chat(
        chat({ messages: [{ role: 'user', content: 'Use get_weather for Lima' }], tools: [weatherTool] }),
        context(upstream, upstream.chatModel),
      );
      assert.equal(result.finishReason.unified, 'tool-calls');
      assert.equal(result.toolCalls?.[0].function.name, 'get_weather');
      assert.equal(typeof JSON.parse(result.toolCalls![0].function.arguments).city, 'string');
    });

    it('stream: start first, then deltas, one finish, then usage last; text equals the non-streaming text', async () => {
      const request = chat({ messages: [{ role: 'user', content: 'Stream a reply' }], stream: true });
      const whole = await upstream.adapter.chat(chat({ messages: [{ role: 'user', content: 'Stream a reply' }] }), context(upstream, upstream.chatModel));
      const { parts, error } = await stream(upstream, request);
      assert.equal(error, undefined);
      assert.equal(parts[0].type, 'start');
      assert.equal(parts.filter((part) => part.type === 'start').length, 1);
      assert.equal(parts.filter((part) => part.type === 'finish').length, 1);
      assert.equal(parts.at(-1)?.type, 'usage');
      assert.equal(parts.at(-2)?.type, 'finish');
      const text = parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
      assert.equal(text, whole.content);
      const usage = parts.at(-1);
      if (usage?.type === 'usage') assert.equal(usage.usage.outputTokens.total, whole.usage?.outputTokens.total);
    });

    it('stream: tool-call deltas, the first of each call with its id and name', async () => {
      const { parts, error } = await stream(upstream, chat({ messages: [{ role: 'user', content: 'Use get_weather now' }], tools: [weatherTool], stream: true }));
      assert.equal(error, undefined);
      const calls = parts.filter((part) => part.type === 'tool-call-delta');
      assert.ok(calls.length >= 1);
      const first = calls[0];
      assert.ok(first.type === 'tool-call-delta' && first.id !== undefined && first.name === 'get_weather');
      const argumentsText = calls.map((part) => (part.type === 'tool-call-delta' ? part.argumentsDelta : '')).join('');
      assert.equal(typeof JSON.parse(argumentsText), 'object');
      const finish = parts.find((part) => part.type === 'finish');
      assert.ok(finish?.type === 'finish' && finish.finishReason.unified === 'tool-calls');
    });

    it('embeddings: one vector per input', async (t) => {
      if (upstream.embeddingModel === undefined) {
        t.skip(`${target.name} serves no embeddings in this build`);
        return;
      }
      const result = await upstream.adapter.embed(
        parseEmbeddingRequest({ model: 'public-embedding', input: ['a', 'b'], encoding_format: 'float' }),
        context(upstream, upstream.embeddingModel),
      );
      assert.equal(result.embeddings.length, 2);
      assert.ok(Array.isArray(result.embeddings[0]) && result.embeddings[0].length > 0);
      assert.ok(result.inputTokens > 0);
    });

    const retryable: Array<[string, string]> = [
      ['status=429, retry-after=2', 'upstream_rate_limited'],
      ['status=500', 'upstream_unavailable'],
      ['status=503', 'upstream_unavailable'],
      ['reset', 'upstream_unavailable'],
      ['malformed', 'upstream_error'],
    ];
    for (const [fault, code] of retryable) {
      it(`errors: ${fault} → retryable ${code}`, async () => {
        upstream.setFault(fault);
        await assert.rejects(upstream.adapter.chat(chat({ messages: [{ role: 'user', content: 'x' }] }), context(upstream, upstream.chatModel)), (error: unknown) => {
          assert.ok(error instanceof GatewayError, String(error));
          assert.equal(error.code, code);
          assert.equal(error.isRetryable, true);
          return true;
        });
      });
    }

    it('errors: 429 carries the retry-after hint', async () => {
      upstream.setFault('status=429, retry-after=2');
      await assert.rejects(
        upstream.adapter.chat(chat({ messages: [{ role: 'user', content: 'x' }] }), context(upstream, upstream.chatModel)),
        (error: unknown) => error instanceof GatewayError && error.retryAfterMs === 2000,
      );
    });

    it('errors: an upstream 400 is not retryable', async () => {
      upstream.setFault('status=400');
      await assert.rejects(
        upstream.adapter.chat(chat({ messages: [{ role: 'user', content: 'x' }] }), context(upstream, upstream.chatModel)),
        (error: unknown) => error instanceof GatewayError && !error.isRetryable && error.status === 400,
      );
    });

    it('errors: no headers within the attempt timeout → retryable upstream_timeout', async () => {
      upstream.setFault('delay-headers=1000');
      await assert.rejects(
        upstream.adapter.chat(chat({ messages: [{ role: 'user', content: 'x' }] }), context(upstream, upstream.chatModel, new Cancellation(), 100)),
        (error: unknown) => error instanceof GatewayError && error.code === 'upstream_timeout' && error.isRetryable,
      );
    });

    it('stream: a cut before the first event rejects with nothing written', async () => {
      upstream.setFault('cut-after=0');
      const { parts, error } = await stream(upstream, chat({ messages: [{ role: 'user', content: 'x' }], stream: true }));
      assert.equal(parts.length, 0);
      assert.ok(error instanceof GatewayError && error.isRetryable, String(error));
    });

    it('stream: a cut mid-way rejects after the first parts', async () => {
      upstream.setFault('cut-after=3');
      const { parts, error } = await stream(upstream, chat({ messages: [{ role: 'user', content: 'tell me a long story please' }], stream: true }));
      assert.ok(parts.length > 0);
      assert.ok(error instanceof GatewayError, String(error));
      assert.ok(!parts.some((part) => part.type === 'finish'));
    });

    it('cancellation aborts the upstream request', async () => {
      upstream.setFault('delay-chunks=50');
      const cancellation = new Cancellation();
      const abortedBefore = upstream.aborted();
      const { error } = await stream(upstream, chat({ messages: [{ role: 'user', content: 'a long answer please' }], stream: true }), cancellation, (part) => {
        if (part.type === 'text-delta') cancellation.cancel(new GatewayError('client_closed_request', 'gone'));
      });
      assert.ok(error instanceof GatewayError && error.code === 'client_closed_request', String(error));
      const deadline = Date.now() + 3000;
      while (upstream.aborted() === abortedBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(upstream.aborted() > abortedBefore, 'the emulator saw the upstream request aborted');
    });
  });
}
