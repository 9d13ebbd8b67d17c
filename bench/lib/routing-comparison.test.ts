import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load-config.ts';
import { gatewayConfig } from './gateway-config.ts';
import { parseOptions } from './options.ts';
import type { TargetName, TargetRoute, Upstream } from './options.ts';
import {
  computeChecks,
  computeRoutingChecks,
  computeUpstreamChecks,
  describeRoutedMetrics,
  formatRoutingComparison,
  formatTables,
  resultLabel,
  targetLabel,
} from './report.ts';
import type { Mode, ScenarioResult } from './report.ts';
import { ROUTED_GATEWAY_REQUEST, ROUTED_MODEL, OPENAI_REQUEST } from './request-body.ts';
import { checkRouteHeader, roundOrder, summarizeRoutedMetrics } from './targets.ts';
import { fixtureScenario } from './scenario-fixture.ts';

function scenario(
  target: TargetName,
  mode: Mode,
  connections: number,
  requestsPerSecond: number,
  p50: number,
  serverCpu: Record<string, number | null> = {},
  route?: TargetRoute,
  perRound?: number[],
): ScenarioResult {
  return fixtureScenario(target, 'openai-compatible', mode, connections, requestsPerSecond, p50, serverCpu, route, perRound);
}

const routed = (mode: Mode, connections: number, rate: number, p50: number, cpu: Record<string, number | null> = {}, perRound?: number[]) =>
  scenario('gateway', mode, connections, rate, p50, cpu, 'primary-first', perRound);

test('--routing: off by default; on with the openai-compatible upstream; refused where there is no OpenAI emulator or no gateway', () => {
  assert.equal(parseOptions([]).routing, false);
  assert.equal(parseOptions(['--routing']).routing, true);
  for (const upstream of ['openai-compatible', 'both', 'vertex', 'all']) assert.equal(parseOptions(['--routing', '--upstream', upstream]).routing, true);
  assert.throws(() => parseOptions(['--routing', '--upstream', 'azure-openai']), /--routing: the routed channels end at the OpenAI emulator/);
  assert.throws(() => parseOptions(['--routing', '--only', 'direct,floor']), /--routing: needs the gateway target/);
  assert.equal(parseOptions(['--upstream', 'azure-openai']).routing, false);
});

test('the generated config: without --routing exactly one channel per model; with it a primary-first model the gateway\'s parser accepts', () => {
  const plain = gatewayConfig(8080, 9090, null);
  assert.doesNotMatch(plain, /routed|emulator-a|primary/);
  const config = parseConfig(gatewayConfig(8080, 9090, null, null, true));
  const model = config.models.get(ROUTED_MODEL);
  assert.ok(model !== undefined);
  assert.equal(model.route, 'primary-first');
  assert.deepEqual(
    model.channels.map((channel) => [channel.provider, channel.model, channel.primary, channel.capacity?.rpm]),
    [
      ['emulator-a', 'gpt-4o-mini', true, 100_000_000],
      ['emulator-b', 'gpt-4o-mini', false, undefined],
      ['emulator-c', 'gpt-4o-mini', false, undefined],
    ],
  );
  for (const provider of ['emulator', 'emulator-a', 'emulator-b', 'emulator-c']) {
    assert.match(JSON.stringify(config.providers.get(provider)), /http:\/\/127\.0\.0\.1:9090\/v1/);
  }
  assert.equal(config.models.get('gpt-4o-mini')?.channels.length, 1);
  assert.throws(() => gatewayConfig(8080, null, 9091, null, true), /--routing needs the OpenAI emulator/);
});

test('the routed request differs from the single-channel one only in its model', () => {
  const body = JSON.parse(ROUTED_GATEWAY_REQUEST.nonStreamingBody) as Record<string, unknown>;
  assert.equal(body.model, 'gpt-4o-mini-routed');
  assert.deepEqual({ ...body, model: 'gpt-4o-mini' }, JSON.parse(OPENAI_REQUEST.nonStreamingBody));
  const stream = JSON.parse(ROUTED_GATEWAY_REQUEST.streamingBody) as Record<string, unknown>;
  assert.deepEqual({ ...stream, model: 'gpt-4o-mini' }, JSON.parse(OPENAI_REQUEST.streamingBody));
  assert.equal(ROUTED_GATEWAY_REQUEST.path, OPENAI_REQUEST.path);
});

test('labels and round order: gateway-routed runs right after the single-channel gateway', () => {
  assert.equal(targetLabel('gateway', 'openai-compatible', 'primary-first'), 'gateway-routed');
  assert.equal(resultLabel({ target: 'gateway', upstream: 'openai-compatible' }), 'gateway');
  const candidates: { name: TargetName; upstream: Upstream; route?: TargetRoute }[] = [
    { name: 'direct', upstream: 'openai-compatible' },
    { name: 'direct', upstream: 'azure-openai' },
    { name: 'direct', upstream: 'vertex' },
    { name: 'floor', upstream: 'openai-compatible' },
    { name: 'gateway', upstream: 'openai-compatible' },
    { name: 'gateway', upstream: 'azure-openai' },
    { name: 'gateway', upstream: 'vertex' },
    { name: 'gateway', upstream: 'openai-compatible', route: 'primary-first' },
  ];
  const labels = (upstreams: Upstream[], from = candidates) =>
    roundOrder(from.filter((target) => upstreams.includes(target.upstream)), upstreams).map((target) => targetLabel(target.name, target.upstream, target.route));
  assert.deepEqual(labels(['openai-compatible']), ['direct', 'floor', 'gateway', 'gateway-routed']);
  assert.deepEqual(labels(['openai-compatible', 'azure-openai']), ['direct', 'floor', 'gateway', 'gateway-routed', 'direct-azure', 'gateway-azure']);
  assert.deepEqual(labels(['openai-compatible', 'azure-openai', 'vertex']), [
    'direct', 'floor', 'direct-azure', 'gateway-azure', 'gateway', 'gateway-routed', 'gateway-vertex', 'direct-vertex',
  ]);
  // Without the routed target, today's order is untouched.
  assert.deepEqual(labels(['openai-compatible'], candidates.filter((target) => target.route === undefined)), ['direct', 'floor', 'gateway']);
});

test('routing cost: non-streaming judged at 95% (PASS at 95.0%, MISS below, n/a when a side failed); streaming not judged', () => {
  const results = [
    scenario('gateway', 'non-streaming', 1, 1000, 0.1),
    routed('non-streaming', 1, 950, 0.1),
    scenario('gateway', 'non-streaming', 64, 1000, 3),
    routed('non-streaming', 64, 949, 3),
    scenario('gateway', 'streaming', 1, 500, 0.2),
    routed('streaming', 1, 100, 0.2),
  ];
  const checks = computeRoutingChecks(results, [1, 64]);
  assert.deepEqual(
    checks.map((check) => [check.name, check.pass]),
    [
      ['routing cost @1 conn, non-streaming: gateway-routed (primary-first over three channels) / gateway (single channel)', true],
      ['routing cost @64 conn, non-streaming: gateway-routed (primary-first over three channels) / gateway (single channel)', false],
    ],
  );
  assert.equal(checks[0].value, 0.95);
  assert.equal(checks[0].limit, 0.95);
  const failed = [results[0], { ...results[1], ok: false, error: 'boom' }];
  assert.deepEqual(computeRoutingChecks(failed, [1]).map((check) => check.pass), [null]);
  assert.deepEqual(computeRoutingChecks([], [1]), []);
});

test('a routed result never stands in for the single-channel gateway in today\'s targets or the upstream comparisons', () => {
  const results = [
    scenario('direct', 'non-streaming', 1, 4000, 0.03),
    scenario('floor', 'non-streaming', 1, 2000, 0.06),
    routed('non-streaming', 1, 100, 9),
    scenario('gateway', 'non-streaming', 1, 1000, 0.1),
  ];
  const [throughput, p50] = computeChecks(results, [1]);
  assert.equal(throughput.value, 0.5);
  assert.ok(Math.abs((p50.value ?? Number.NaN) - 0.07) < 1e-9);
  // Only the routed target ran: today's gateway throughput is not measured rather than taken from it.
  assert.equal(computeChecks([results[1], results[2]], [1])[0].pass, null);
  assert.deepEqual(computeUpstreamChecks([results[2]], [1], 'vertex'), []);
});

test('the tables print gateway-routed against direct and floor, with a note only when it ran', () => {
  const results = [
    scenario('direct', 'non-streaming', 1, 4000, 0.03),
    scenario('floor', 'non-streaming', 1, 2000, 0.06),
    scenario('gateway', 'non-streaming', 1, 1000, 0.1),
    routed('non-streaming', 1, 990, 0.102),
  ];
  const text = formatTables(results, [1]);
  assert.match(text, /\n +1 +gateway +1000 +1000–1000 +50% +0\.100 /);
  assert.match(text, /\n +1 +gateway-routed +990 +990–990 +50% +0\.102 .* \+0\.072 /);
  assert.match(text, /gateway-routed is the same gateway process sent model gpt-4o-mini-routed/);
  assert.doesNotMatch(formatTables(results.slice(0, 3), [1]), /routed/);
});

test('the routing comparison: tables, CPU per request, PASS/MISS lines, streaming and latency beside them, reference', () => {
  const results = [
    scenario('floor', 'non-streaming', 1, 2000, 0.06),
    scenario('gateway', 'non-streaming', 1, 1000, 0.1, { emulator: 0.2, gateway: 0.6 }),
    routed('non-streaming', 1, 980, 0.104, { emulator: 0.2, gateway: 0.637 }, [1000, 960]),
    scenario('gateway', 'non-streaming', 64, 2000, 3, { emulator: 0.3, gateway: 0.7 }),
    routed('non-streaming', 64, 1800, 3.3, { emulator: 0.27, gateway: 0.72 }),
    scenario('gateway', 'streaming', 1, 500, 0.2, { emulator: 0.3, gateway: 0.6 }),
    routed('streaming', 1, 450, 0.22, { emulator: 0.27, gateway: 0.585 }),
  ];
  const text = formatRoutingComparison(results, [1, 64], computeRoutingChecks(results, [1, 64]));
  assert.match(text, /route primary-first → emulator-a \(primary, capacity 100000000 rpm\), emulator-b, emulator-c/);
  assert.match(text, /conns +single req\/s +routed req\/s +routed\/single +per round +single p50 +routed p50 +Δp50 +single p99 +routed p99 +Δp99/);
  assert.match(text, /\n +1 +1000 +980 +98\.0% +96–100% +0\.100 +0\.104 +\+0\.004 +0\.400 +0\.416 +\+0\.016\n/);
  assert.match(text, /\n +64 +2000 +1800 +90\.0% +90–90% +3\.000 +3\.300 +\+0\.300 /);
  assert.match(text, /conns +single str\/s +routed str\/s .* events s\/r/);
  assert.match(text, /\n +1 +500 +450 +90\.0% +90–90% +0\.100 +0\.110 +\+0\.010 .* 33\.0\/33\.0\n/);
  // CPU per request: gateway 600 vs 650 µs (+50), emulator 200 vs 204.1 µs.
  assert.match(text, /gateway single +gateway routed +Δ gateway +routed\/single +emulator single +emulator routed +routed\/single +sum single +sum routed/);
  assert.match(text, /\n +1 {2}non-streaming +600\.0 +650\.0 +\+50\.0 +108\.3% +200\.0 +204\.1 +102\.0% +800\.0 +854\.1\n/);
  assert.match(text, /Target "routing cost: primary-first over three channels ≥ 95% of a single channel's throughput"/);
  assert.match(
    text,
    /PASS {2}routing cost @1 conn, non-streaming: gateway-routed \(primary-first over three channels\) \/ gateway \(single channel\) = 98\.0% {2}\(target ≥ 95%; 980 \/ 1000 req\/s; per round 96–100%\)/,
  );
  assert.match(text, /MISS {2}routing cost @64 conn, non-streaming: .* = 90\.0% {2}\(target ≥ 95%; 1800 \/ 2000 req\/s/);
  assert.doesNotMatch(text, /(PASS|MISS) {2}routing cost @\d+ conn, streaming/);
  assert.match(text, /info {2}routing cost @1 conn, streaming: .* = 90\.0% {2}\(reported, not judged; 450 \/ 500 streams\/s/);
  assert.match(text, /non-streaming latency @1 conn, gateway-routed vs gateway: p50 0\.104 vs 0\.100 ms: 0\.004 ms \(4\.0%\) slower, within 5%/);
  assert.match(text, /non-streaming latency @64 conn, gateway-routed vs gateway: p50 3\.300 vs 3\.000 ms: 0\.300 ms \(10\.0%\) slower, more than 5%/);
  assert.match(text, /non-streaming @1 conn: of floor proxy 49\.0% routed vs 50\.0% single; p50 over floor \+0\.044 ms routed vs \+0\.040 ms single/);
  assert.doesNotMatch(text, /gateway \/metrics/);
});

test('x-interchange-route in the smoke step: the primary, ok, first and only attempt', () => {
  assert.equal(checkRouteHeader('emulator-a/gpt-4o-mini:ok@3ms', 'emulator-a/gpt-4o-mini'), null);
  assert.equal(checkRouteHeader(undefined, 'emulator-a/gpt-4o-mini'), 'no x-interchange-route header');
  assert.match(checkRouteHeader('emulator-b/gpt-4o-mini:ok@3ms', 'emulator-a/gpt-4o-mini') ?? '', /does not end with emulator-a\/gpt-4o-mini:ok@…ms/);
  assert.match(checkRouteHeader('emulator-a/gpt-4o-mini:fail=502@1ms', 'emulator-a/gpt-4o-mini') ?? '', /does not end with/);
  assert.match(
    checkRouteHeader('emulator-a/gpt-4o-mini:fail=502@1ms;emulator-a/gpt-4o-mini:ok@2ms', 'emulator-a/gpt-4o-mini') ?? '',
    /not the first and only attempt/,
  );
  assert.match(checkRouteHeader('emulator-a/gpt-4o-mini:declined=rpm;emulator-b/gpt-4o-mini:ok@2ms', 'emulator-a/gpt-4o-mini') ?? '', /does not end with/);
});

test('/metrics after the run: which channels served the routed model, and whether the primary served all', () => {
  const text = [
    '# HELP interchange_requests_total Client requests by endpoint, public model, serving provider and HTTP status.',
    '# TYPE interchange_requests_total counter',
    'interchange_requests_total{endpoint="chat",model="gpt-4o-mini",provider="emulator",status="200"} 500',
    'interchange_requests_total{endpoint="chat",model="gpt-4o-mini-routed",provider="emulator-a",status="200"} 61234',
    'interchange_requests_total{endpoint="chat",model="gpt-4o-mini-routed",provider="none",status="503"} 2',
    'interchange_fallbacks_total{model="gpt-4o-mini"} 7',
    'interchange_primary_passover_total{reason="declined_rpm"} 0',
    '',
  ].join('\n');
  const metrics = summarizeRoutedMetrics(text, ROUTED_MODEL);
  assert.deepEqual(metrics, { servedBy: { 'emulator-a': 61234 }, notOk: 2, fallbacks: 0, passovers: 0 });
  assert.match(describeRoutedMetrics(metrics), /61234 served by emulator-a, 0 by emulator-b, 0 by emulator-c; 2 not 200; .*NOT primary-only/);
  const clean = { ...metrics, notOk: 0 };
  assert.match(describeRoutedMetrics(clean), /0 fallbacks; primary passed over 0 times \(the primary served every request\)$/);
  assert.match(describeRoutedMetrics({ ...clean, servedBy: { 'emulator-a': 10, 'emulator-b': 1 } }), /1 by emulator-b.*NOT primary-only/);
  assert.match(
    formatRoutingComparison([scenario('gateway', 'non-streaming', 1, 1000, 0.1)], [1], [], clean),
    /info {2}gateway \/metrics after the run, model gpt-4o-mini-routed: 61234 served by emulator-a/,
  );
});
