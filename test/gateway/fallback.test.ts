/**
 * Fault injection through the emulators: fallback before the first byte, errors after it, timeouts and disconnects.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import { stackAdminHeaders, startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';
import { resetRoutingState } from '../../src/execution/routing-runtime.ts';

let stack: GatewayStack;
let client: OpenAI;
const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Tell me something about failover' }];

before(async () => {
  stack = await startGatewayStack({ providerTimeout: '300ms' });
  client = new OpenAI({ baseURL: stack.baseURL, apiKey: 'x', maxRetries: 0 });
});
after(() => stack.close());
beforeEach(() => {
  stack.primary.setFault(undefined);
  stack.secondary.setFault(undefined);
  resetRoutingState(stack.gateway.context.runtime.routing);
});

async function served(stream: boolean): Promise<{ provider: string | null; text: string }> {
  if (!stream) {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    return { provider: response.headers.get('x-interchange-provider'), text: data.choices[0].message.content ?? '' };
  }
  const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }).withResponse();
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
  return { provider: response.headers.get('x-interchange-provider'), text };
}

describe('fallback before the first byte', () => {
  for (const fault of ['status=429, retry-after=1', 'status=503', 'status=500', 'reset', 'malformed', 'delay-headers=1500']) {
    // In a stream the emulator's `malformed` fault corrupts an event after the first ones: covered below, not a fallback.
    for (const stream of fault === 'malformed' ? [false] : [false, true]) {
      it(`${fault} on the first channel → the second serves (${stream ? 'streaming' : 'non-streaming'})`, async () => {
        const baseline = await served(stream);
        assert.equal(baseline.provider, 'primary');
        stack.primary.setFault(fault);
        const result = await served(stream);
        assert.equal(result.provider, 'secondary');
        assert.equal(result.text, baseline.text);
      });
    }
  }

  it('embeddings fall back too', async () => {
    stack.primary.setFault('status=503');
    const { data, response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'secondary');
    assert.equal(data.data.length, 2);
  });

  it('a stream cut before its first event → the second channel serves', async () => {
    stack.primary.setFault('cut-after=0');
    const result = await served(true);
    assert.equal(result.provider, 'secondary');
    assert.ok(result.text.length > 0);
  });

  it('counts the fallback and each attempt in /metrics', async () => {
    stack.primary.setFault('status=503');
    await served(false);
    const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    assert.match(metrics, /interchange_fallbacks_total\{model="gpt-4o-mini"\} [1-9]/);
    assert.match(metrics, /interchange_upstream_attempts_total\{provider="primary",upstream_model="gpt-4o-mini",outcome="upstream_unavailable"\} [1-9]/);
    assert.match(metrics, /interchange_upstream_attempts_total\{provider="secondary",upstream_model="gpt-4o-mini",outcome="ok"\} [1-9]/);
  });

  it('does not fall back on a client error from the upstream', async () => {
    stack.primary.setFault('status=400');
    const secondaryBefore = stack.secondary.stats.requests;
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'upstream_invalid_request',
    );
    assert.equal(stack.secondary.stats.requests, secondaryBefore);
  });

  it('a single channel that times out → 504 upstream_timeout', async () => {
    stack.primary.setFault('delay-headers=2000');
    await assert.rejects(client.chat.completions.create({ model: 'solo', messages }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 504);
      assert.equal(error.code, 'upstream_timeout');
      // Tried twice: the default retry of the last channel left.
      assert.match(error.message, /failed on 1 channel: \[1\] primary \(gpt-4o\), 2 attempts: primary timed out/);
      return true;
    });
  });
});

describe('retry-after', () => {
  it('a 429 with retry-after cools the channel down: the next requests go elsewhere first, then it comes back', async () => {
    stack.primary.setFault('status=429, retry-after=1', 1);
    assert.equal((await served(false)).provider, 'secondary');
    assert.equal((await served(false)).provider, 'secondary', 'primary is cooling down, so it is tried last');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await served(false)).provider, 'primary');
  });

  it('the only channel rate limited: waits the retry-after out and retries within the deadline', async () => {
    stack.primary.setFault('status=429, retry-after=1', 1);
    const started = performance.now();
    const { response } = await client.chat.completions.create({ model: 'solo', messages }).withResponse();
    const elapsed = performance.now() - started;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-interchange-provider'), 'primary');
    assert.ok(elapsed >= 950, `waited ${elapsed} ms`);
  });

  it('the only channel rate limited for longer than the deadline allows: 429 at once, with the hint', async () => {
    stack.primary.setFault('status=429, retry-after=25', 1);
    const started = performance.now();
    await assert.rejects(client.chat.completions.create({ model: 'solo', messages }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.headers?.get('retry-after'), '25');
      return true;
    });
    assert.ok(performance.now() - started < 1000);
    // While it cools down, a request for it fails fast too, naming the wait.
    await assert.rejects(client.chat.completions.create({ model: 'solo', messages }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.match(error.message, /rate limited for another 2\d s/);
      return true;
    });
  });

  it('streaming: the only channel rate limited is retried after its retry-after', async () => {
    stack.primary.setFault('status=429, retry-after=1', 1);
    const stream = await client.chat.completions.create({ model: 'solo', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.ok(text.length > 0);
  });
});

describe('failure after the first byte', () => {
  it('a stream cut mid-way ends with an error event, never a silent truncation', async () => {
    stack.primary.setFault('cut-after=3');
    const secondaryBefore = stack.secondary.stats.requests;
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.match(error.message, /failed after it started/);
        return true;
      },
    );
    assert.ok(text.length > 0, 'the first chunks reached the client');
    assert.equal(stack.secondary.stats.requests, secondaryBefore, 'no fallback once bytes were sent');
  });

  it('a malformed chunk mid-stream ends with an error event', async () => {
    stack.primary.setFault('malformed');
    stack.secondary.setFault('malformed');
    const response = await request(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
    });
    const body = await response.body.text();
    // The emulator corrupts an event after the first one, which the client already has: 200, then an error event.
    assert.equal(response.statusCode, 200);
    assert.match(body, /"code":"upstream_stream_error"/);
    assert.doesNotMatch(body, /\[DONE\]/);
  });
});

describe('route traces say what happened', () => {
  async function recentRoute(requestId: string): Promise<Record<string, any>> {
    let found: Record<string, any> | undefined;
    // The trace is recorded once the response ended; a client that left may be a moment ahead of it.
    await waitFor(() => found !== undefined, 3000, async () => {
      const response = await request(`${stack.gateway.url}/admin/routes/${requestId}`, { headers: stackAdminHeaders });
      const body = (await response.body.json()) as Record<string, any>;
      if (response.statusCode === 200) found = body;
    });
    return found!;
  }

  it('a malformed upstream body is fail=malformed, not its 200', async () => {
    stack.primary.setFault('malformed');
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    assert.match(response.headers.get('x-interchange-route') ?? '', /^primary\/gpt-4o-mini:fail=malformed@\d+ms;secondary\/gpt-4o-mini:ok@\d+ms$/);
  });

  it('a stream cut mid-way is recorded as a failed stream, with its trace and one entry for its attempt', async () => {
    stack.primary.setFault('cut-after=3');
    const requestId = 'cut-stream-trace';
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, { headers: { 'x-request-id': requestId } });
    await assert.rejects(async () => {
      for await (const _chunk of stream);
    });
    const entry = await recentRoute(requestId);
    assert.equal(entry.status, 200, 'what the client saw when the stream started');
    assert.equal(entry.error, 'upstream_stream_error');
    assert.match(entry.route, /^primary\/gpt-4o-mini:fail=unavailable@\d+ms$/);
    assert.equal(entry.trace.attempts.length, 1);
    assert.deepEqual({ ...entry.trace.attempts[0], elapsedMs: 0, firstTokenMs: 0 }, {
      channel: 'primary/gpt-4o-mini',
      outcome: 'failed',
      code: 'upstream_unavailable',
      elapsedMs: 0,
      firstTokenMs: 0,
      afterCommit: true,
    });
    assert.equal(entry.trace.winner, 'primary/gpt-4o-mini');
  });

  it('a stream the client aborted shows its channel once', async () => {
    stack.primary.setFault('delay-chunks=40');
    const requestId = 'aborted-stream-trace';
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'solo', messages, stream: true }, { signal: controller.signal, headers: { 'x-request-id': requestId } });
    let chunks = 0;
    try {
      for await (const _chunk of stream) if (++chunks === 2) controller.abort();
    } catch (error) {
      assert.ok(error instanceof OpenAI.APIUserAbortError, String(error));
    }
    const entry = await recentRoute(requestId);
    assert.equal(entry.status, 499);
    assert.equal(entry.error, 'client_closed_request');
    assert.match(entry.route, /^primary\/gpt-4o:fail=client-closed-request@\d+ms$/);
    assert.equal(entry.trace.attempts.length, 1);
  });
});

describe('client disconnects', () => {
  it('aborts the upstream request when the client goes away, and leaks nothing', async () => {
    stack.primary.setFault('delay-headers=250');
    const abortedBefore = stack.primary.stats.aborted;
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: 'solo', messages }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 80));
    controller.abort();
    await assert.rejects(pending, (error: unknown) => error instanceof OpenAI.APIUserAbortError);
    await waitFor(() => stack.primary.stats.aborted > abortedBefore);
    await waitFor(() => stack.primary.stats.open === 0);
    // The gateway still serves normally afterwards.
    stack.primary.setFault(undefined);
    const completion = await client.chat.completions.create({ model: 'solo', messages });
    assert.ok(completion.choices[0].message.content);
  });

  it('aborts an upstream stream when the client goes away mid-stream', async () => {
    stack.primary.setFault('delay-chunks=40');
    const abortedBefore = stack.primary.stats.aborted;
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'solo', messages, stream: true }, { signal: controller.signal });
    let chunks = 0;
    try {
      for await (const _chunk of stream) {
        if (++chunks === 2) controller.abort();
      }
    } catch (error) {
      assert.ok(error instanceof OpenAI.APIUserAbortError, String(error));
    }
    assert.equal(chunks, 2, 'nothing arrives after the abort');
    await waitFor(() => stack.primary.stats.aborted > abortedBefore);
    await waitFor(() => stack.primary.stats.open === 0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000, poll?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await poll?.();
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
    await poll?.();
  }
}
