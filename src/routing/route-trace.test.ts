import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBreakerStore } from '../store/index.ts';
import { compileModelRoute } from './model-route.ts';
import { reasons } from './pass-reasons.ts';
import { planRoute } from './route-planner.ts';
import { parseRouteHeader } from './route-trace.ts';
import type { RequestFeatures, RouteState } from './routing-types.ts';

const model = compileModelRoute({
  model: 'gpt-oss-120b',
  policy: 'primary-first',
  channels: [
    { provider: 'azure-eastus', upstreamModel: 'gpt-oss-120b', primary: true },
    { provider: 'bedrock-use1', upstreamModel: 'openai.gpt-oss-120b-1:0' },
    { provider: 'vertex-usc1', upstreamModel: 'openai/gpt-oss-120b-maas', capabilities: { vision: false } },
  ],
});
const [azure, bedrock, vertex] = model.channels;
const request: RequestFeatures = { vision: false, images: 0, tools: false, jsonSchema: false, streaming: true, promptTokens: 10, promptTokensExact: false, promptTokensUpperBound: 40, maxOutputTokens: undefined };
const plan = (state: RouteState = {}, vision = false) => planRoute({ route: model, request: { ...request, vision }, state, now: 0, random: Math.random });
const coolingAzure = { remainingMs: (key: string) => (key === azure.id ? 2_000 : 0) };

describe('RouteTrace: x-interchange-route', () => {
  it('encodes pass-overs and attempts in the order they happened', () => {
    const trace = plan({ cooldowns: coolingAzure }).trace;
    trace.attemptSucceeded(bedrock, 212.4, 212.4);
    assert.equal(trace.toHeader(), 'azure-eastus/gpt-oss-120b:unable=429;bedrock-use1/openai.gpt-oss-120b-1:0:ok@212ms');
  });

  it('encodes failed and skipped attempts', () => {
    const trace = plan({}, true).trace;
    trace.attemptFailed(azure, 503, 'upstream_unavailable', 80);
    trace.attemptSkipped(bedrock, reasons.circuitHalfOpen);
    trace.attemptFailed(bedrock, undefined, 'upstream_timeout', 30_000);
    assert.equal(
      trace.toHeader(),
      'vertex-usc1/openai/gpt-oss-120b-maas:unable=vision;azure-eastus/gpt-oss-120b:fail=503@80ms;bedrock-use1/openai.gpt-oss-120b-1:0:unable=circuit-half-open;bedrock-use1/openai.gpt-oss-120b-1:0:fail=timeout@30000ms',
    );
    assert.equal(trace.winner, undefined);
  });

  it('says malformed for a 2xx the gateway could not use, never the 2xx status', () => {
    const trace = plan().trace;
    trace.attemptFailed(azure, 200, 'upstream_error', 1.2);
    trace.attemptFailed(bedrock, 200, 'upstream_unavailable', 2);
    trace.attemptFailed(vertex, 399, 'upstream_error', 3);
    trace.attemptFailed(vertex, 400, 'upstream_error', 4);
    assert.equal(
      trace.toHeader(),
      'azure-eastus/gpt-oss-120b:fail=malformed@1ms;bedrock-use1/openai.gpt-oss-120b-1:0:fail=unavailable@2ms;vertex-usc1/openai/gpt-oss-120b-maas:fail=malformed@3ms;vertex-usc1/openai/gpt-oss-120b-maas:fail=400@4ms',
    );
  });

  it('records a stream that failed after it reached the client as one failed attempt', () => {
    const trace = plan().trace;
    trace.attemptSucceeded(azure, 31, 31);
    assert.equal(trace.toHeader(), 'azure-eastus/gpt-oss-120b:ok@31ms', 'what the response header said when the stream started');
    trace.attemptFailed(azure, undefined, 'client_closed_request', 51, true);
    assert.equal(trace.toHeader(), 'azure-eastus/gpt-oss-120b:fail=client-closed-request@51ms');
    assert.deepEqual(JSON.parse(JSON.stringify(trace)).attempts, [
      { channel: 'azure-eastus/gpt-oss-120b', outcome: 'failed', code: 'client_closed_request', elapsedMs: 51, firstTokenMs: 31, afterCommit: true },
    ]);
    assert.equal(trace.winner, azure, 'its stream is what the client got');

    // After a fallback, only the attempt that reached the client becomes the failure.
    const fellBack = plan().trace;
    fellBack.attemptFailed(azure, 503, 'upstream_unavailable', 10);
    fellBack.attemptSucceeded(bedrock, 20, 20);
    fellBack.attemptFailed(bedrock, 200, 'upstream_error', 45, true);
    assert.equal(fellBack.toHeader(), 'azure-eastus/gpt-oss-120b:fail=503@10ms;bedrock-use1/openai.gpt-oss-120b-1:0:fail=malformed@45ms');
  });

  it('is empty before anything happened on a clean plan, and parses back', () => {
    const trace = plan().trace;
    assert.equal(trace.toHeader(), '');
    trace.attemptSucceeded(azure, 35);
    const header = trace.toHeader();
    assert.equal(header, 'azure-eastus/gpt-oss-120b:ok@35ms');
    assert.deepEqual(parseRouteHeader('azure-eastus/gpt-oss-120b:unable=429;bedrock-use1/openai.gpt-oss-120b-1:0:ok@212ms'), [
      { channel: 'azure-eastus/gpt-oss-120b', verdict: 'unable=429' },
      { channel: 'bedrock-use1/openai.gpt-oss-120b-1:0', verdict: 'ok@212ms' },
    ]);
  });

  it('percent-encodes separators and non-ASCII in channel names, and stays under 1,024 characters', () => {
    const odd = compileModelRoute({ model: 'm', policy: 'ordered', channels: [{ provider: 'local', upstreamModel: 'modèle;v1 %' }] });
    const trace = planRoute({ route: odd, request, state: {}, now: 0, random: Math.random }).trace;
    trace.attemptSucceeded(odd.channels[0], 5);
    const header = trace.toHeader();
    assert.equal(header, 'local/mod%C3%A8le%3Bv1%20%25:ok@5ms');
    assert.match(header, /^[\x21-\x7e]+$/);
    assert.deepEqual(parseRouteHeader(header), [{ channel: 'local/modèle;v1 %', verdict: 'ok@5ms' }]);

    const many = plan().trace;
    for (let index = 0; index < 100; index++) many.attemptFailed(bedrock, 500, undefined, 1);
    const long = many.toHeader();
    assert.ok(long.length <= 1_024, String(long.length));
    assert.match(long, /;\+\d+$/);
  });
});

describe('RouteTrace: primary pass-over', () => {
  it('is unset when the primary serves', () => {
    const trace = plan().trace;
    trace.attemptSucceeded(azure, 10);
    assert.equal(trace.passoverLabel(), undefined);
  });

  it('names a failed attempt on the primary', () => {
    const failed = (status: number | undefined, code: string) => {
      const trace = plan().trace;
      trace.attemptFailed(azure, status, code, 10);
      trace.attemptSucceeded(bedrock, 20);
      return trace.passoverLabel();
    };
    assert.equal(failed(429, 'upstream_rate_limited'), 'unable_429');
    assert.equal(failed(502, 'upstream_error'), 'unable_5xx');
    assert.equal(failed(undefined, 'upstream_timeout'), 'unable_timeout');
    assert.equal(failed(undefined, 'upstream_unavailable'), 'unable_error');
  });

  it('follows a deferred primary to its attempt', () => {
    const served = plan({ cooldowns: coolingAzure }).trace;
    assert.equal(served.passoverLabel(), 'unable_429');
    served.attemptFailed(bedrock, 500, undefined, 5);
    served.attemptFailed(vertex, 500, undefined, 5);
    served.attemptSucceeded(azure, 2_100);
    assert.equal(served.passoverLabel(), undefined, 'the primary served in the end');
  });

  it('is never set for policies without a primary', () => {
    const ordered = compileModelRoute({ model: 'm', policy: 'ordered', channels: [{ provider: 'a', upstreamModel: 'x', primary: true }, { provider: 'b', upstreamModel: 'x' }] });
    const breakers = new MemoryBreakerStore({ failureRate: 0.5, minimumRequests: 1, windowMs: 1_000, openForMs: 1_000, halfOpenProbes: 1 });
    breakers.record(ordered.channels[0].id, 'failure', 0);
    const trace = planRoute({ route: ordered, request, state: { breakers }, now: 0, random: Math.random }).trace;
    assert.equal(trace.skipped.length, 1);
    assert.equal(trace.passoverLabel(), undefined);
  });
});

describe('RouteTrace: document', () => {
  it('renders the whole story as JSON', () => {
    const trace = plan({ cooldowns: coolingAzure }).trace;
    trace.attemptFailed(bedrock, 503, 'upstream_unavailable', 41.6);
    trace.attemptSucceeded(vertex, 300.2, 120.7);
    assert.deepEqual(JSON.parse(JSON.stringify(trace)), {
      model: 'gpt-oss-120b',
      policy: 'primary-first',
      candidates: ['bedrock-use1/openai.gpt-oss-120b-1:0', 'vertex-usc1/openai/gpt-oss-120b-maas', 'azure-eastus/gpt-oss-120b'],
      skipped: [{ channel: 'azure-eastus/gpt-oss-120b', reason: 'unable: 429 retry-after 2s', deferred: true }],
      attempts: [
        { channel: 'bedrock-use1/openai.gpt-oss-120b-1:0', outcome: 'failed', status: 503, code: 'upstream_unavailable', elapsedMs: 42 },
        { channel: 'vertex-usc1/openai/gpt-oss-120b-maas', outcome: 'ok', status: 200, elapsedMs: 300, firstTokenMs: 121 },
      ],
      winner: 'vertex-usc1/openai/gpt-oss-120b-maas',
      primaryPassover: 'unable: 429 retry-after 2s',
    });
  });
});
