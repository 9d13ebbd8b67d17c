/**
 * The request pipeline's contract, end to end through the gateway: admission stages reject before any upstream call,
 * settle stages run after the upstream finished and before the client's final bytes (and are awaited), observers run
 * after the response; embeddings go through routing like chat.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import { GatewayError } from '../../src/errors/index.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import type { AdmissionStage, Completion, Observer, SettleStage } from '../../src/pipeline/stages.ts';
import { startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';

/** A settle stage the test holds open until it calls `release`. */
function heldSettle() {
  const entered: Completion[] = [];
  let release: () => void = () => {};
  let onEnter: () => void = () => {};
  const stage: SettleStage = {
    name: 'held',
    needs: { usage: true },
    settle(_exchange, completion) {
      entered.push(completion);
      onEnter();
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    },
  };
  return {
    stage,
    entered,
    release: () => release(),
    whenEntered: () => new Promise<void>((resolve) => (entered.length > 0 ? resolve() : (onEnter = resolve))),
  };
}

describe('admission stages', () => {
  let stack: GatewayStack;
  const admitted: string[] = [];
  const observed: Completion[] = [];
  const gate: AdmissionStage = {
    name: 'test-gate',
    needs: { headers: ['x-test-gate'] },
    admit(exchange) {
      admitted.push(exchange.requestId);
      if (exchange.headers['x-test-gate'] === 'deny') throw new GatewayError('invalid_request', 'Denied by the test gate.');
      if (exchange.headers['x-test-gate'] === 'deny-later') return Promise.reject(new GatewayError('invalid_request', 'Denied later by the test gate.'));
    },
  };
  const observer: Observer = { name: 'test-observer', observe: (completion) => observed.push(completion) };

  before(async () => {
    stack = await startGatewayStack({ stages: { admission: [gate], observers: [observer] } });
  });
  after(() => stack.close());
  beforeEach(() => {
    admitted.length = 0;
    observed.length = 0;
  });

  for (const verdict of ['deny', 'deny-later'] as const) {
    it(`a stage that rejects (${verdict === 'deny' ? 'synchronously' : 'with a rejected promise'}) answers an OpenAI-shaped error and calls no upstream`, async () => {
      const before = stack.primary.stats.requests + stack.secondary.stats.requests;
      const response = await request(`${stack.gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-test-gate': verdict, 'x-request-id': `gate-${verdict}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.statusCode, 400);
      const body = (await response.body.json()) as { error: { code: string; message: string; type: string } };
      assert.equal(body.error.code, 'invalid_request');
      assert.match(body.error.message, /Denied/);
      assert.equal(stack.primary.stats.requests + stack.secondary.stats.requests, before, 'no upstream call');
      assert.deepEqual(admitted, [`gate-${verdict}`]);
      assert.equal(observed.length, 1);
      assert.equal(observed[0].status, 400);
      assert.equal(observed[0].attempts.length, 0);
    });
  }

  it('a stage that lets the request through changes nothing the client sees', async () => {
    const response = await request(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'gate-allow' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-interchange-provider'], 'primary');
    await response.body.json();
    assert.deepEqual(admitted, ['gate-allow']);
  });

  it('runs after the model is resolved: an unknown model is 404 without calling the stage', async () => {
    const response = await request(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.statusCode, 404);
    await response.body.json();
    assert.deepEqual(admitted, []);
    assert.equal(observed.length, 1);
    assert.equal(observed[0].error?.code, 'model_not_found');
  });
});

describe('settle stages', () => {
  let stack: GatewayStack;
  let held: ReturnType<typeof heldSettle>;
  const observed: Completion[] = [];
  before(async () => {
    held = heldSettle();
    const forwarding: SettleStage = { name: 'forward', needs: {}, settle: (exchange, completion) => held.stage.settle(exchange, completion) };
    stack = await startGatewayStack({ stages: { settle: [forwarding], observers: [{ name: 'test', observe: (completion) => observed.push(completion) }] } });
  });
  after(() => stack.close());
  beforeEach(() => {
    held = heldSettle();
    observed.length = 0;
  });

  it('non-streaming: no byte of the response is written until the settle stage resolves; observers run after', async () => {
    let answered = false;
    const pending = request(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    }).then((response) => {
      answered = true;
      return response;
    });
    await held.whenEntered();
    const [completion] = held.entered;
    assert.equal(completion.status, 200);
    assert.equal(completion.channel?.provider, 'primary');
    assert.ok(completion.usage !== undefined && completion.usage.inputTokens.total > 0, 'the settle stage sees the usage');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(answered, false, 'the client has no response while the settle stage is pending');
    assert.equal(observed.length, 0, 'observers wait for the response');
    held.release();
    const response = await pending;
    assert.equal(response.statusCode, 200);
    await response.body.json();
    assert.equal(observed.length, 1);
  });

  it('streaming: the final bytes ([DONE]) wait for the settle stage, which sees the stream usage', async () => {
    const response = await request(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.statusCode, 200);
    let text = '';
    let ended = false;
    response.body.setEncoding('utf8');
    response.body.on('data', (chunk: string) => (text += chunk));
    const done = new Promise<void>((resolve) => response.body.on('end', () => ((ended = true), resolve())));
    await held.whenEntered();
    const [completion] = held.entered;
    assert.equal(completion.stream, true);
    assert.equal(completion.status, 200);
    assert.ok(completion.usage !== undefined && completion.usage.outputTokens.total > 0, 'the settle stage sees the stream usage');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(ended, false);
    assert.ok(!text.includes('[DONE]'), 'no [DONE] before the settle stage resolved');
    held.release();
    await done;
    assert.ok(text.endsWith('data: [DONE]\n\n'));
  });

  it('runs for failed requests that reached an upstream, with their attempts', async () => {
    stack.primary.setFault('status=400', 1);
    const pending = request(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await held.whenEntered();
    const [completion] = held.entered;
    assert.equal(completion.status, 400);
    assert.equal(completion.attempts.length, 1);
    held.release();
    const response = await pending;
    assert.equal(response.statusCode, 400);
    await response.body.json();
  });
});

describe('a settle stage that throws', () => {
  let stack: GatewayStack;
  before(async () => {
    stack = await startGatewayStack({ stages: { settle: [{ name: 'broken', needs: {}, settle: () => Promise.reject(new Error('disk full')) }] } });
  });
  after(() => stack.close());

  it('does not cost the client the response it already paid for upstream', async () => {
    const response = await request(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.statusCode, 200);
    const body = (await response.body.json()) as { choices: unknown[] };
    assert.equal(body.choices.length, 1);
  });
});

describe('embeddings through the pipeline', () => {
  let stack: GatewayStack;
  before(async () => {
    stack = await startGatewayStack();
  });
  after(() => stack.close());

  it('honour routing preferences from the body and never forward the interchange field upstream', async () => {
    const response = await request(`${stack.gateway.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'hello', interchange: { providers: { ignore: ['primary'] } } }),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-interchange-provider'], 'secondary');
    await response.body.json();
    const sent = stack.secondary.received.at(-1)!.body as Record<string, unknown>;
    assert.equal(sent.input, 'hello');
    assert.equal('interchange' in sent, false);
  });

  it('honour routing preferences from the header', async () => {
    const response = await request(`${stack.gateway.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-interchange-providers': 'only=secondary' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: ['a', 'b'] }),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-interchange-provider'], 'secondary');
    await response.body.json();
  });

  it('reject an invalid preference with a 400 naming it', async () => {
    const response = await request(`${stack.gateway.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-interchange-providers': 'nonsense' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'a' }),
    });
    assert.equal(response.statusCode, 400);
    const body = (await response.body.json()) as { error: { param: string } };
    assert.match(body.error.param, /x-interchange-providers/);
  });
});

describe('composition', () => {
  it('refuses an admission stage that needs usage (usage exists only once the upstream finished)', () => {
    assert.throws(
      () =>
        new Pipeline({
          runtime: undefined as never,
          models: new Map(),
          logger: undefined as never,
          stages: { admission: [{ name: 'too-early', needs: { usage: true }, admit() {} }] },
        }),
      /too-early.*usage/,
    );
  });
});

describe('an observer that throws', () => {
  let stack: GatewayStack;
  let calls = 0;
  const later: string[] = [];
  before(async () => {
    stack = await startGatewayStack({
      stages: {
        observers: [
          {
            name: 'broken',
            observe() {
              calls++;
              throw new Error('observer bug');
            },
          },
          { name: 'next', observe: (completion) => later.push(completion.requestId) },
        ],
      },
    });
  });
  after(() => stack.close());

  it('costs no response and no process: the client is answered and the gateway keeps serving', async () => {
    for (const stream of [false, true, false]) {
      const response = await request(`${stack.gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.statusCode, 200);
      const text = await response.body.text();
      assert.ok(stream ? text.endsWith('data: [DONE]\n\n') : (JSON.parse(text) as { choices: unknown[] }).choices.length === 1);
    }
    assert.equal(calls, 3);
    assert.equal(later.length, 3, 'the observers after it still ran');
  });
});
