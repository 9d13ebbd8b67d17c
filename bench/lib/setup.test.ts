import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load-config.ts';
import { gatewayConfig } from './gateway-config.ts';
import { parseOptions } from './options.ts';
import { labelOf } from './report.ts';
import type { TargetKey } from './report.ts';
import { AZURE_MODEL, MODEL, ROUTED_GATEWAY_REQUEST, ROUTED_MODEL, VERTEX_DIRECT_BODY, VERTEX_DIRECT_REQUEST, VERTEX_GATEWAY_REQUEST, VERTEX_MODEL } from './request-body.ts';
import { checkResponseShape, checkRouteHeader, RequestLineCounter, roundOrder } from './targets.ts';

test('--upstream: one upstream, or vertex beside openai-compatible, both, all; --routing needs the OpenAI emulator and the gateway', () => {
  assert.deepEqual(parseOptions([]).upstreams, ['openai-compatible']);
  assert.deepEqual(parseOptions(['--upstream', 'azure-openai']).upstreams, ['azure-openai']);
  assert.deepEqual(parseOptions(['--upstream', 'vertex']).upstreams, ['openai-compatible', 'vertex']);
  assert.deepEqual(parseOptions(['--upstream', 'both']).upstreams, ['openai-compatible', 'azure-openai']);
  assert.deepEqual(parseOptions(['--upstream', 'all']).upstreams, ['openai-compatible', 'azure-openai', 'vertex']);
  assert.throws(() => parseOptions(['--upstream', 'azure']), /--upstream: unknown value "azure"/);
  assert.equal(parseOptions(['--routing', '--upstream', 'both']).routing, true);
  assert.throws(() => parseOptions(['--routing', '--upstream', 'azure-openai']), /--routing: needs the openai-compatible upstream/);
  assert.throws(() => parseOptions(['--routing', '--only', 'direct,floor']), /--routing: needs the gateway target/);
  const options = parseOptions(['--duration', '1', '--only', 'gateway,floor', '--connections', '64,1,64', '--no-streaming']);
  assert.deepEqual([options.durationSeconds, options.only, options.connections, options.streaming, options.nonStreaming], [1, ['floor', 'gateway'], [64, 1], false, true]);
});

test('the generated config runs the gateway with request logs on, and the gateway\'s own parser accepts every channel', () => {
  const config = parseConfig(gatewayConfig({ gateway: 8080, openai: 9090, azure: 9091, vertex: 9092 }, true, false, { sqlite: '/tmp/bench.db' }));
  assert.deepEqual([config.logging.level, config.logging.requests], ['info', true]);
  assert.deepEqual([config.store.kind, config.metering.ledger], ['sqlite', true], 'the production default: a SQLite store and its ledger');
  const priced = parseConfig(gatewayConfig({ gateway: 8080, openai: 9090, azure: null, vertex: null }, false, false, { sqlite: '/tmp/bench.db', priced: true }));
  assert.equal(priced.models.get(MODEL)!.channels[0].prices.length, 1);
  const off = parseConfig(gatewayConfig({ gateway: 8080, openai: 9090, azure: null, vertex: null }, false, false, 'ledger-off'));
  assert.deepEqual([off.store.kind, off.metering.ledger], ['memory', false]);
  assert.deepEqual([...config.models.keys()].sort(), [AZURE_MODEL, MODEL, ROUTED_MODEL, VERTEX_MODEL].sort());
  const routedModel = config.models.get(ROUTED_MODEL);
  assert.equal(routedModel?.route, 'primary-first');
  assert.deepEqual(routedModel?.channels.map((channel) => [channel.provider, channel.primary]), [['emulator-a', true], ['emulator-b', false], ['emulator-c', false]]);
  assert.equal(parseConfig(gatewayConfig({ gateway: 8080, openai: 9090, azure: null, vertex: null }, false, false, 'ledger-off')).models.size, 1);
  assert.throws(() => gatewayConfig({ gateway: 8080, openai: null, azure: 9091, vertex: null }, true, false, 'ledger-off'), /--routing needs the OpenAI emulator/);
});

test('requests: through the gateway only the model differs; direct-vertex sends the Gemini request', () => {
  const body = JSON.parse(ROUTED_GATEWAY_REQUEST.nonStreamingBody) as Record<string, unknown>;
  assert.equal(body.model, ROUTED_MODEL);
  assert.equal(JSON.parse(VERTEX_GATEWAY_REQUEST.streamingBody).stream, true);
  assert.equal(VERTEX_DIRECT_REQUEST.format, 'gemini');
  assert.deepEqual(Object.keys(JSON.parse(VERTEX_DIRECT_BODY)), ['contents', 'systemInstruction', 'generationConfig']);
});

test('round order: directs, floors, then the gateway with each gateway it is compared with after it', () => {
  const keys: TargetKey[] = [
    { target: 'gateway', upstream: 'azure-openai' },
    { target: 'direct', upstream: 'openai-compatible' },
    { target: 'gateway', upstream: 'openai-compatible', route: 'primary-first' },
    { target: 'gateway', upstream: 'openai-compatible' },
    { target: 'floor', upstream: 'azure-openai' },
    { target: 'direct', upstream: 'azure-openai' },
  ];
  assert.deepEqual(roundOrder(keys).map(labelOf), ['direct', 'direct-azure', 'floor-azure', 'gateway', 'gateway-azure', 'gateway-routed']);
});

test('smoke checks: response shapes per format, and gateway-routed answered by its primary, first time', () => {
  const gemini =
    'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]}}]}\r\n\r\n' +
    'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},"finishReason":"STOP"}]}\r\n\r\n';
  assert.equal(checkResponseShape(gemini, true, 'gemini'), null);
  assert.match(checkResponseShape(gemini.replace(',"finishReason":"STOP"', ''), true, 'gemini') ?? '', /no finishReason/);
  assert.match(checkResponseShape(gemini, true, 'openai') ?? '', /no content delta/);
  assert.equal(checkResponseShape('data: {"choices":[{"delta":{"content":"x"}}]}\n\ndata: [DONE]\n\n', true, 'openai'), null);
  assert.match(checkResponseShape('{"choices":[{"message":{"content":""}}]}', false, 'openai') ?? '', /no choices/);
  assert.equal(checkRouteHeader('emulator-a/gpt-4o-mini:ok@3ms', 'emulator-a/gpt-4o-mini'), null);
  assert.match(checkRouteHeader('emulator-a/gpt-4o-mini:upstream_error@1ms;emulator-b/gpt-4o-mini:ok@2ms', 'emulator-a/gpt-4o-mini') ?? '', /does not end with/);
  assert.match(checkRouteHeader('emulator-b/gpt-4o-mini:skipped;emulator-a/gpt-4o-mini:ok@2ms', 'emulator-a/gpt-4o-mini') ?? '', /first and only/);
  assert.match(checkRouteHeader(undefined, 'emulator-a/gpt-4o-mini') ?? '', /no x-interchange-route/);
});

test('the gateway log\'s request lines are counted wherever the file\'s chunks split them', () => {
  const text = [
    '{"level":30,"msg":"listening"}',
    '{"level":30,"requestId":"a","status":200,"msg":"request"}',
    '{"level":40,"requestId":"b","status":502,"msg":"request failed"}',
    '{"level":30,"requestId":"c","status":200,"msg":"request"}',
  ].join('\n');
  for (let cut = 0; cut <= text.length; cut += 7) {
    const counter = new RequestLineCounter();
    counter.push(text.slice(0, cut));
    counter.push(text.slice(cut));
    assert.equal(counter.end(), 3, `cut at ${cut}`);
  }
});
