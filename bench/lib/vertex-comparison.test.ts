import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadGenerator } from '../load-generator.ts';
import { ContentDeltaScanner, GEMINI_TEXT_KEY, MarkerScanner } from './content-delta.ts';
import { startGoogleCredentialStub } from './google-credentials.ts';
import { parseOptions } from './options.ts';
import type { TargetName, Upstream } from './options.ts';
import { computeUpstreamChecks, formatTables, formatUpstreamComparison, targetLabel } from './report.ts';
import { VERTEX_DIRECT_BODY, VERTEX_DIRECT_REQUEST, VERTEX_GATEWAY_REQUEST, VERTEX_STREAM_PATH } from './request-body.ts';
import { checkResponseShape, roundOrder } from './targets.ts';
import { fixtureScenario } from './scenario-fixture.ts';

const scenario = fixtureScenario;

test('--upstream vertex measures vertex beside openai-compatible; all is the three; both is unchanged', () => {
  assert.deepEqual(parseOptions(['--upstream', 'vertex']).upstreams, ['openai-compatible', 'vertex']);
  assert.deepEqual(parseOptions(['--upstream', 'all']).upstreams, ['openai-compatible', 'azure-openai', 'vertex']);
  assert.deepEqual(parseOptions(['--upstream', 'both']).upstreams, ['openai-compatible', 'azure-openai']);
  assert.deepEqual(parseOptions([]).upstreams, ['openai-compatible']);
  assert.throws(() => parseOptions(['--upstream', 'gemini']), /--upstream: unknown value "gemini" \(.*vertex, both, all\)/);
  assert.equal(targetLabel('gateway', 'vertex'), 'gateway-vertex');
  assert.equal(targetLabel('direct', 'vertex'), 'direct-vertex');
});

test('round order: each comparison\'s gateways are neighbours (with all three, openai-compatible in the middle)', () => {
  // As run-bench.ts builds them: the directs, the floor proxy, the gateways.
  const candidates: { name: TargetName; upstream: Upstream }[] = [
    { name: 'direct', upstream: 'openai-compatible' },
    { name: 'direct', upstream: 'azure-openai' },
    { name: 'direct', upstream: 'vertex' },
    { name: 'floor', upstream: 'openai-compatible' },
    { name: 'gateway', upstream: 'openai-compatible' },
    { name: 'gateway', upstream: 'azure-openai' },
    { name: 'gateway', upstream: 'vertex' },
  ];
  const labels = (upstreams: Upstream[]) =>
    roundOrder(candidates.filter((target) => upstreams.includes(target.upstream)), upstreams).map((target) => targetLabel(target.name, target.upstream));
  assert.deepEqual(labels(['openai-compatible']), ['direct', 'floor', 'gateway']);
  assert.deepEqual(labels(['openai-compatible', 'azure-openai']), ['direct', 'floor', 'gateway', 'direct-azure', 'gateway-azure']);
  assert.deepEqual(labels(['openai-compatible', 'vertex']), ['direct', 'floor', 'gateway', 'direct-vertex', 'gateway-vertex']);
  assert.deepEqual(labels(['openai-compatible', 'azure-openai', 'vertex']), [
    'direct', 'floor', 'direct-azure', 'gateway-azure', 'gateway', 'gateway-vertex', 'direct-vertex',
  ]);
});

test('vertex / openai-compatible: non-streaming judged at 60% (PASS at 60.0%, MISS below), streaming not judged', () => {
  const results = [
    scenario('gateway', 'openai-compatible', 'non-streaming', 1, 1000, 0.1),
    scenario('gateway', 'vertex', 'non-streaming', 1, 600, 0.15),
    scenario('gateway', 'openai-compatible', 'non-streaming', 64, 1000, 3),
    scenario('gateway', 'vertex', 'non-streaming', 64, 599, 5),
    scenario('gateway', 'openai-compatible', 'streaming', 1, 500, 0.2),
    scenario('gateway', 'vertex', 'streaming', 1, 100, 0.4),
  ];
  const checks = computeUpstreamChecks(results, [1, 64], 'vertex');
  assert.deepEqual(
    checks.map((check) => [check.name, check.pass]),
    [
      ['non-streaming throughput @1 conn: gateway via vertex / via openai-compatible', true],
      ['non-streaming throughput @64 conn: gateway via vertex / via openai-compatible', false],
    ],
  );
  assert.equal(checks[0].value, 0.6);
  const failed = [results[0], { ...results[1], ok: false, error: 'boom' }];
  assert.deepEqual(computeUpstreamChecks(failed, [1], 'vertex').map((check) => check.pass), [null]);
  // The Azure comparison is still judged in both modes at 90%.
  assert.equal(computeUpstreamChecks(results.map((r) => ({ ...r, upstream: r.upstream === 'vertex' ? 'azure-openai' : r.upstream })), [1, 64]).length, 3);
});

test('the vertex comparison prints both gateways, both emulators, CPU per request and a PASS/MISS line', () => {
  const results = [
    scenario('direct', 'openai-compatible', 'non-streaming', 1, 4000, 0.03, { emulator: 0.8 }),
    scenario('gateway', 'openai-compatible', 'non-streaming', 1, 1000, 0.1, { emulator: 0.2, gateway: 0.6 }),
    scenario('direct', 'vertex', 'non-streaming', 1, 3200, 0.05, { 'vertex-emulator': 0.8 }),
    scenario('gateway', 'vertex', 'non-streaming', 1, 700, 0.14, { 'vertex-emulator': 0.21, gateway: 0.7 }),
    scenario('direct', 'openai-compatible', 'streaming', 1, 800, 0.4, { emulator: 0.9 }),
    scenario('gateway', 'openai-compatible', 'streaming', 1, 400, 0.6, { emulator: 0.4, gateway: 0.5 }),
    scenario('direct', 'vertex', 'streaming', 1, 900, 0.3, { 'vertex-emulator': 0.9 }),
    scenario('gateway', 'vertex', 'streaming', 1, 300, 0.8, { 'vertex-emulator': 0.3, gateway: 0.6 }),
  ];
  const text = formatUpstreamComparison(results, [1], computeUpstreamChecks(results, [1], 'vertex'), 'vertex');
  assert.match(text, /model gemini-2\.5-flash-lite → vertex, api: gemini/);
  assert.match(text, /conns +what +openai req\/s +vertex req\/s +vertex\/openai +per round .* bytes o\/v/);
  assert.match(text, /\n +1 +gateway +1000 +700 +70\.0% +70–70% +0\.100 +0\.140 +\+0\.040 /);
  assert.match(text, /\n +1 +direct +4000 +3200 +80\.0% /);
  assert.match(text, /PASS {2}non-streaming throughput @1 conn: gateway via vertex \/ via openai-compatible = 70\.0% {2}\(target ≥ 60%; 700 \/ 1000 req\/s/);
  assert.doesNotMatch(text, /(PASS|MISS) {2}streaming/);
  assert.match(text, /info {2}streaming throughput @1 conn: gateway via vertex \/ via openai-compatible = 75\.0% {2}\(reported, not judged; 300 \/ 400 streams\/s/);
  // No tolerance on vertex latency: which way and how much only.
  assert.match(text, /p50 0\.140 vs 0\.100 ms: 0\.040 ms \(40\.0%\) slower;/);
  assert.match(text, /TTFC @1 conn, gateway via vertex vs via openai-compatible: p50 0\.400 vs 0\.300 ms: 0\.100 ms \(33\.3%\) slower/);
  assert.match(text, /direct: Vertex emulator \/ OpenAI emulator = 80\.0% \(3200 \/ 4000 req\/s\)/);
  assert.match(text, /direct: Vertex emulator \/ OpenAI emulator = 112\.5% \(900 \/ 800 streams\/s\)/);
  // CPU per request: gateway 600 vs 1000 µs; emulators 200 vs 300 µs.
  assert.match(text, /gateway openai +gateway vertex +vertex\/openai +OpenAI emulator +Vertex emulator +vertex\/openai +sum openai +sum vertex/);
  assert.match(text, /\n +1 {2}non-streaming +600\.0 +1000\.0 +166\.7% +200\.0 +300\.0 +150\.0% +800\.0 +1300\.0\n/);
  assert.match(formatTables(results, [1]), /\n +1 +gateway-vertex +700 /);
  assert.match(formatTables(results, [1]), /-vertex targets end at the Vertex emulator/);
});

test('Gemini response shapes: text parts, a finishReason ending the stream', () => {
  const stream =
    'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]}}]}\r\n\r\n' +
    'data: {"candidates":[{"content":{"role":"model","parts":[{"text":" there"}]},"finishReason":"STOP"}],"usageMetadata":{}}\r\n\r\n';
  assert.equal(checkResponseShape(stream, true, 'gemini'), null);
  assert.match(checkResponseShape(stream.replace(',"finishReason":"STOP"', ''), true, 'gemini') ?? '', /no finishReason/);
  assert.equal(checkResponseShape('{"candidates":[{"content":{"parts":[{"text":"Hi"}]}}]}', false, 'gemini'), null);
  assert.match(checkResponseShape('{"candidates":[{"content":{"parts":[{"text":""}]}}]}', false, 'gemini') ?? '', /no candidates/);
  // The gateway's side is OpenAI's format, as for every other channel.
  assert.match(checkResponseShape(stream, true, 'openai') ?? '', /no content delta/);
  assert.equal(VERTEX_GATEWAY_REQUEST.format, undefined);
  assert.equal(VERTEX_DIRECT_REQUEST.streamingPath, VERTEX_STREAM_PATH);
  assert.deepEqual(Object.keys(JSON.parse(VERTEX_DIRECT_BODY)), ['contents', 'systemInstruction', 'generationConfig']);
});

test('Gemini text parts count as content, a {…} content object does not; finishReason is found across any split', () => {
  const text = 'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hello"}]}}]}\r\n\r\n';
  const completesAt = text.indexOf('"Hello"') + 2;
  for (let cut = 1; cut < text.length; cut++) {
    const scanner = new ContentDeltaScanner(GEMINI_TEXT_KEY);
    const first = scanner.push(Buffer.from(text.slice(0, cut)));
    const second = scanner.push(Buffer.from(text.slice(cut)));
    assert.equal(first, cut >= completesAt, `cut at ${cut}`);
    if (!first) assert.equal(second, true, `cut at ${cut}`);
  }
  // With OpenAI's key, Gemini's `"content":{…}` object is no content delta.
  assert.equal(new ContentDeltaScanner().push(Buffer.from(text)), false);
  const finish = 'data: {"candidates":[{"finishReason":"STOP"}]}\r\n\r\n';
  for (let first = 1; first < finish.length - 1; first++) {
    for (const second of [first + 1, Math.min(finish.length - 1, first + 5)]) {
      const scanner = new MarkerScanner('"finishReason"');
      scanner.push(Buffer.from(finish.slice(0, first)));
      scanner.push(Buffer.from(finish.slice(first, second)));
      scanner.push(Buffer.from(finish.slice(second)));
      assert.equal(scanner.found, true, `cuts at ${first}, ${second}`);
    }
  }
  const absent = new MarkerScanner('"finishReason"');
  for (const piece of ['data: {"finish', 'Rea', 'son2":1, "reason":"STOP"}']) absent.push(Buffer.from(piece));
  assert.equal(absent.found, false);
});

const servers: { close: () => void }[] = [];
after(() => {
  for (const server of servers) server.close();
});

test('the load generator records Gemini streams (CRLF framing, no [DONE]) as complete, with a time to first text', async () => {
  let truncate = false;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]}}]}\r\n\r\n');
      if (!truncate) response.write('data: {"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},"finishReason":"STOP"}]}\r\n\r\n');
      response.end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const run = async () => {
    const generator = new LoadGenerator({
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      path: VERTEX_STREAM_PATH,
      body: VERTEX_DIRECT_BODY,
      headers: VERTEX_DIRECT_REQUEST.headers,
      streaming: true,
      format: 'gemini',
      connections: 2,
      maxRequests: 10_000,
      requestTimeoutMs: 2000,
      lifetimeMs: 10_000,
    });
    await generator.segment(0, 150, () => {});
    const result = generator.summary();
    await generator.close();
    return result;
  };
  const complete = await run();
  assert.ok(complete.recorded > 0);
  assert.equal(complete.incompleteStreams, 0);
  assert.equal(complete.timeToFirstChunk?.count, complete.recorded);
  assert.equal(complete.meanEventsPerStream, 2);
  truncate = true;
  const cut = await run();
  assert.ok(cut.recorded > 0);
  assert.equal(cut.incompleteStreams, cut.recorded);
});

test('the Google credential stub: application-default credentials resolve, on loopback, to the bench token', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'bench-google-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const stub = await startGoogleCredentialStub({ directory, accessToken: 'bench-vertex-token', project: 'bench-project' });
  t.after(() => stub.close());
  assert.equal(stub.env.GOOGLE_CLOUD_PROJECT, 'bench-project');
  assert.equal(stub.env.METADATA_SERVER_DETECTION, 'none');
  // The gateway's own token provider (google-auth-library, application default) in this test process.
  const saved = { ...process.env };
  Object.assign(process.env, stub.env);
  t.after(() => {
    for (const key of Object.keys(stub.env)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  const { createGoogleTokenProvider } = await import('../../src/providers/vertex/auth.ts');
  const provider = createGoogleTokenProvider({ source: 'application-default' });
  const token = await provider();
  assert.equal(token?.token, 'bench-vertex-token');
  assert.ok((token?.expiresOnTimestamp ?? 0) > Date.now() + 50 * 60_000);
  assert.equal(stub.exchanges(), 1);
});
