/**
 * The `server:` section: its defaults, its values, and the two pairs of durations that must be ordered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { problemsOf as problemsWith } from './config-problems.ts';
import { ConfigError, parseConfig } from './load-config.ts';

const models = 'providers: { p: { kind: openai-compatible, base_url: "http://p/v1" } }\nmodels: { m: { channels: [ { provider: p, model: a } ] } }\n';

function problemsOf(text: string): string[] {
  return problemsWith(text + models);
}

test('server: the defaults', () => {
  assert.deepEqual(parseConfig(models, { env: {} }).server, {
    headersTimeoutMs: 20_000,
    bodyTimeoutMs: 300_000,
    maxHeaderBytes: 16_384,
    maxHeaders: 100,
    lingerTimeoutMs: 10_000,
    lingerMaxBytes: 128 * 1024 * 1024,
    shutdownDelayMs: 5_000,
    drainTimeoutMs: 10_000,
    maxConnections: undefined,
    backlog: 4096,
  });
});

test('server: every field, as written', () => {
  const text =
    'server: { headers_timeout: 2s, body_timeout: 1m, max_header_bytes: 8kb, max_headers: 50, linger_timeout: 3s, linger_max_bytes: 1mb, shutdown_delay: 0.5s, drain_timeout: 30s, max_connections: 2000, backlog: 1024 }\n';
  assert.deepEqual(parseConfig(text + models, { env: {} }).server, {
    headersTimeoutMs: 2_000,
    bodyTimeoutMs: 60_000,
    maxHeaderBytes: 8_192,
    maxHeaders: 50,
    lingerTimeoutMs: 3_000,
    lingerMaxBytes: 1024 * 1024,
    shutdownDelayMs: 500,
    drainTimeoutMs: 30_000,
    maxConnections: 2000,
    backlog: 1024,
  });
});

test('server: shutdown_delay may be zero', () => {
  for (const zero of ['0', '0s', '0ms', '"0"']) assert.equal(parseConfig(`server: { shutdown_delay: ${zero} }\n` + models, { env: {} }).server.shutdownDelayMs, 0);
  assert.deepEqual(problemsOf('server: { shutdown_delay: -1s }\n'), ['server.shutdown_delay: must be positive, got "-1s"']);
});

test('server: headers_timeout up to body_timeout, shutdown_delay up to drain_timeout, and not one millisecond more', () => {
  const equal = parseConfig('server: { headers_timeout: 5s, body_timeout: 5s, shutdown_delay: 10s, drain_timeout: 10s }\n' + models, { env: {} });
  assert.equal(equal.server.headersTimeoutMs, equal.server.bodyTimeoutMs);
  assert.equal(equal.server.shutdownDelayMs, equal.server.drainTimeoutMs);
  assert.deepEqual(problemsOf('server: { headers_timeout: 5001ms, body_timeout: 5s, shutdown_delay: 10001ms, drain_timeout: 10s }\n'), [
    'server.headers_timeout: must not be longer than body_timeout (5s)',
    'server.shutdown_delay: must not be longer than drain_timeout (10s)',
  ]);
  // Against a default, the field written is the one named.
  assert.deepEqual(problemsOf('server: { body_timeout: 19s, drain_timeout: 4s }\n'), [
    'server.body_timeout: must not be shorter than headers_timeout (20s, the default)',
    'server.drain_timeout: must not be shorter than shutdown_delay (5s, the default)',
  ]);
});

test('server: malformed values and unknown fields are reported by path', () => {
  assert.deepEqual(problemsOf('server: { max_headers: 0, max_header_bytes: 2mb, request_timeout: 1s }\n'), [
    'server.max_headers: must be from 1 to 10000, got 0',
    'server.max_header_bytes: must be at most 1 MiB (1048576 bytes)',
    'server.request_timeout: unknown field; did you mean "body_timeout"? (limits.request_timeout is the deadline once the body is read)',
  ]);
});

test('server: max_connections from 1, backlog from 1 to 65535; limits.max_streams from 1; a provider max_queue from 0 and queue_timeout may be 0', () => {
  const lowest = parseConfig('server: { max_connections: 1, backlog: 1 }\nlimits: { max_streams: 1 }\n' + models.replace('base_url: "http://p/v1"', 'base_url: "http://p/v1", max_queue: 0, queue_timeout: 0'), { env: {} });
  assert.equal(lowest.server.maxConnections, 1);
  assert.equal(lowest.server.backlog, 1);
  assert.equal(lowest.limits.maxStreams, 1);
  assert.deepEqual(lowest.providers.get('p')!.queue, { max: 0, timeoutMs: 0 });
  assert.equal(parseConfig('server: { backlog: 65535 }\n' + models, { env: {} }).server.backlog, 65_535);
  assert.deepEqual(parseConfig(models, { env: {} }).providers.get('p')!.queue, { max: 256, timeoutMs: 1_000 });
  assert.equal(parseConfig(models, { env: {} }).limits.maxStreams, undefined);
  assert.deepEqual(problemsOf('server: { max_connections: 0, backlog: 65536 }\nlimits: { max_streams: 0 }\n'), [
    'server.max_connections: must be at least 1, got 0',
    'server.backlog: must be from 1 to 65535, got 65536',
    'limits.max_streams: must be at least 1, got 0',
  ]);
  try {
    parseConfig(models.replace('base_url: "http://p/v1"', 'base_url: "http://p/v1", max_queue: -1'), { env: {} });
    assert.fail('expected max_queue: -1 to be refused');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems.map((problem) => problem.path), ['providers.p.max_queue']);
  }
});

test('a provider image_fetch_allow: hosts, addresses and networks no wider than /8, each checked', () => {
  const withAllow = (list: string) => models.replace('base_url: "http://p/v1"', `base_url: "http://p/v1", image_fetch_allow: ${list}`);
  assert.deepEqual(parseConfig(withAllow('[images.internal.example, 10.20.0.0/16, 10.0.0.0/8]'), { env: {} }).providers.get('p')!.imageFetchAllow, [
    'images.internal.example',
    '10.20.0.0/16',
    '10.0.0.0/8',
  ]);
  assert.equal(parseConfig(models, { env: {} }).providers.get('p')!.imageFetchAllow, undefined);
  try {
    parseConfig(withAllow('[10.0.0.0/7, "not a host", images.internal.example, IMAGES.internal.example]'), { env: {} });
    assert.fail('expected the allow list to be refused');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(
      error.problems.map((problem) => `${problem.path}: ${problem.message}`),
      [
        'providers.p.image_fetch_allow[0]: "10.0.0.0/7" is too wide to allow (at most /8 for IPv4, /32 for IPv6)',
        'providers.p.image_fetch_allow[1]: "not a host" is neither a host name, an address nor a network (address/prefix)',
        'providers.p.image_fetch_allow[3]: "images.internal.example" is listed twice (also at [2])',
      ],
    );
  }
});
