import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { hostAllowProblem } from '../../config-schema/host-allow-list.ts';
import { GatewayError } from '../../errors/index.ts';
import { Cancellation } from '../../lib/cancellation.ts';
import { fetchImage, ImageAllowList, isMetadataHost, isPublicAddress, sniffFormat } from './fetch-image.ts';

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const jpeg = Buffer.from('ffd8ffe000104a464946', 'hex');
const gif = Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1');
const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);

const agent = new MockAgent();
agent.disableNetConnect();
after(() => agent.close());
const origin = agent.get('https://images.example');

function options(overrides: Partial<Parameters<typeof fetchImage>[1]> = {}) {
  return { maxBytes: 1024, timeoutMs: 2_000, cancellation: new Cancellation(), dispatcher: agent, ...overrides };
}

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the fetch to fail');
}

describe('fetchImage', () => {
  const formats: Array<[string, Buffer, string, string]> = [
    ['png', png, 'image/png', 'png'],
    ['jpeg', jpeg, 'image/jpeg', 'jpeg'],
    ['gif', gif, 'image/gif', 'gif'],
    ['webp', webp, 'image/webp', 'webp'],
    ['png-as-octet-stream', png, 'binary/octet-stream', 'png'],
    ['png-mislabelled', png, 'image/jpeg', 'png'],
  ];
  for (const [name, bytes, contentType, format] of formats) {
    it(`fetches ${name} and takes the format from the bytes (${format})`, async () => {
      origin.intercept({ path: `/${name}`, method: 'GET' }).reply(200, bytes, { headers: { 'content-type': contentType } });
      const image = await fetchImage(`https://images.example/${name}`, options());
      assert.equal(image.format, format);
      assert.deepEqual(Buffer.from(image.bytes), bytes);
    });
  }

  it('follows https redirects', async () => {
    origin.intercept({ path: '/moved', method: 'GET' }).reply(302, '', { headers: { location: '/final.png' } });
    origin.intercept({ path: '/final.png', method: 'GET' }).reply(200, png, { headers: { 'content-type': 'image/png' } });
    assert.equal((await fetchImage('https://images.example/moved', options())).format, 'png');
  });

  const refusals: Array<[string, (path: string) => void, RegExp, Partial<Parameters<typeof fetchImage>[1]>?]> = [
    ['an HTTP error', (path) => origin.intercept({ path, method: 'GET' }).reply(404, 'not found'), /answered HTTP 404/],
    ['a declared non-image', (path) => origin.intercept({ path, method: 'GET' }).reply(200, '<html></html>', { headers: { 'content-type': 'text/html' } }), /is text\/html, not an image/],
    [
      'bytes that are no supported image',
      (path) => origin.intercept({ path, method: 'GET' }).reply(200, Buffer.from('BM\x00\x00'), { headers: { 'content-type': 'image/bmp' } }),
      /is not a PNG, JPEG, GIF or WebP image \(content-type image\/bmp\)/,
    ],
    [
      'a declared length over the limit',
      (path) => origin.intercept({ path, method: 'GET' }).reply(200, png, { headers: { 'content-type': 'image/png', 'content-length': '5000' } }),
      /is larger than 1024 bytes/,
    ],
    [
      'a body over the limit without a declared length',
      (path) => origin.intercept({ path, method: 'GET' }).reply(200, Buffer.concat([png, Buffer.alloc(2000)]), { headers: { 'content-type': 'image/png' } }),
      /is larger than 1024 bytes/,
    ],
    ['a redirect to http', (path) => origin.intercept({ path, method: 'GET' }).reply(301, '', { headers: { location: 'http://images.example/x.png' } }), /redirects to http: \(only https: is followed\)/],
    ['a redirect to a private address', (path) => origin.intercept({ path, method: 'GET' }).reply(307, '', { headers: { location: 'https://10.0.0.8/x.png' } }), /redirects to 10\.0\.0\.8, which is not a public address/],
    ['a redirect without a location', (path) => origin.intercept({ path, method: 'GET' }).reply(302, ''), /answered 302 without a location/],
    ['a redirect loop', (path) => origin.intercept({ path, method: 'GET' }).reply(302, '', { headers: { location: path } }).times(4), /redirected more than 3 times/],
    ['a slow answer', (path) => origin.intercept({ path, method: 'GET' }).reply(200, png).delay(500), /did not arrive within 50 ms/, { timeoutMs: 50 }],
  ];
  let counter = 0;
  for (const [name, arrange, message, overrides] of refusals) {
    it(`refuses ${name} as invalid_request`, async () => {
      const path = `/refusal-${counter++}`;
      arrange(path);
      const error = await refusal(fetchImage(`https://images.example${path}`, options(overrides)));
      assert.equal(error.code, 'invalid_request');
      assert.match(error.message, new RegExp(`the image at https://images.example${path} `));
      assert.match(error.message, message);
    });
  }

  const badUrls: Array<[string, RegExp]> = [
    ['http://images.example/cat.png', /is not an https: URL/],
    ['not a url', /is not a valid URL/],
    ['https://127.0.0.1/cat.png', /names 127\.0\.0\.1, which is not a public address/],
    ['https://[::1]/cat.png', /names ::1, which is not a public address/],
    ['https://169.254.169.254/latest/meta-data', /names 169\.254\.169\.254/],
    ['https://192.168.1.1/cat.png', /names 192\.168\.1\.1/],
    ['https://[fd00:ec2::254]/latest/meta-data', /names fd00:ec2::254, which is not a public address/],
    ['https://metadata.google.internal/computeMetadata/v1/', /names metadata\.google\.internal, a cloud metadata service/],
    ['https://METADATA.google.internal./computeMetadata/v1/', /a cloud metadata service/],
    ['https://metadata/computeMetadata/v1/', /names metadata, a cloud metadata service/],
  ];
  for (const [url, message] of badUrls) {
    it(`refuses ${url} before connecting`, async () => {
      const error = await refusal(fetchImage(url, options()));
      assert.equal(error.code, 'invalid_request');
      assert.match(error.message, message);
    });
  }

  it('refuses a host name that resolves to a private address (checked at connect time)', async () => {
    const error = await refusal(fetchImage('https://localhost:9/cat.png', { maxBytes: 1024, timeoutMs: 2_000, cancellation: new Cancellation() }));
    assert.equal(error.code, 'invalid_request');
    assert.match(error.message, /resolves to (127\.0\.0\.1|::1), which is not a public address/);
  });

  it("rethrows the request's cancellation reason", async () => {
    origin.intercept({ path: '/cancelled', method: 'GET' }).reply(200, png).delay(1_000);
    const cancellation = new Cancellation();
    const reason = new GatewayError('client_closed_request', 'The client closed the connection.');
    const pending = fetchImage('https://images.example/cancelled', options({ cancellation }));
    setTimeout(() => cancellation.cancel(reason), 20);
    await assert.rejects(pending, (error) => error === reason);
  });
});

/**
 * The allow list, through real connections: a TCP listener on loopback counts the connections the fetcher opens (it
 * closes each at once, so the fetch then fails its TLS handshake, which says it got through the fence).
 */
describe('fetchImage with image_fetch_allow', () => {
  let listener: Server;
  let port = 0;
  let connections = 0;
  before(async () => {
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  const fenced = (allow: readonly string[] | undefined) => ({ maxBytes: 1024, timeoutMs: 2_000, cancellation: new Cancellation(), allow: allow === undefined ? undefined : new ImageAllowList(allow) });

  async function attempt(url: string, allow: readonly string[] | undefined): Promise<{ connected: boolean; message: string }> {
    const before = connections;
    const error = await refusal(fetchImage(url, fenced(allow)));
    assert.equal(error.code, 'invalid_request');
    return { connected: connections > before, message: error.message };
  }

  const allowed: Array<[string, string, readonly string[]]> = [
    ['a listed address', '127.0.0.1', ['127.0.0.1']],
    ['a listed host name (resolved at connect time)', 'localhost', ['localhost']],
    ['an address in a listed network, at its first address', '127.0.0.1', ['127.0.0.1/32']],
    ['an address in a listed /8', '127.0.0.1', ['127.0.0.0/8']],
  ];
  for (const [name, host, allow] of allowed) {
    it(`connects to ${name}`, async () => {
      const outcome = await attempt(`https://${host}:${port}/cat.png`, allow);
      assert.ok(outcome.connected, `expected a connection, got: ${outcome.message}`);
      assert.doesNotMatch(outcome.message, /not a public address/);
    });
  }

  const refusedHere: Array<[string, string, readonly string[] | undefined, RegExp]> = [
    ['no allow list', '127.0.0.1', undefined, /names 127\.0\.0\.1, which is not a public address/],
    ['another address listed', '127.0.0.1', ['127.0.0.2'], /names 127\.0\.0\.1, which is not a public address/],
    ['a network that stops one address short', '127.0.0.1', ['127.0.0.2/31'], /names 127\.0\.0\.1, which is not a public address/],
    ['another host name listed', 'localhost', ['images.internal.example'], /resolves to (127\.0\.0\.1|::1), which is not a public address/],
  ];
  for (const [name, host, allow, message] of refusedHere) {
    it(`refuses ${host} with ${name}, without connecting`, async () => {
      const outcome = await attempt(`https://${host}:${port}/cat.png`, allow);
      assert.equal(outcome.connected, false);
      assert.match(outcome.message, message);
    });
  }

  it('still refuses http: for a listed host', async () => {
    const outcome = await attempt(`http://127.0.0.1:${port}/cat.png`, ['127.0.0.1']);
    assert.equal(outcome.connected, false);
    assert.match(outcome.message, /is not an https: URL/);
  });
});

describe('ImageAllowList and cloud metadata', () => {
  it('lets a metadata address through only when it is listed itself, never by a network or a name', () => {
    assert.equal(new ImageAllowList(['169.254.0.0/16']).allows('169.254.169.254', '169.254.169.254'), false);
    assert.equal(new ImageAllowList(['169.254.0.0/16']).allows('169.254.169.253', '169.254.169.253'), true);
    assert.equal(new ImageAllowList(['fd00:ec2::/32']).allows('fd00:ec2::254', 'fd00:ec2::254'), false);
    assert.equal(new ImageAllowList(['metadata.google.internal']).allows('metadata.google.internal', '169.254.169.254'), false);
    assert.equal(new ImageAllowList(['169.254.169.254']).allows('169.254.169.254', '169.254.169.254'), true);
    assert.equal(new ImageAllowList(['fd00:ec2::254']).allows('[fd00:ec2::254]', 'fd00:ec2::254'), true);
    // A listed internal name that resolves to a metadata address is not let through either.
    assert.equal(new ImageAllowList(['images.internal.example']).allows('images.internal.example', '169.254.169.254'), false);
    assert.equal(new ImageAllowList(['images.internal.example']).allows('images.internal.example', '10.1.2.3'), true);
  });

  it('knows the metadata names and addresses', () => {
    for (const host of ['metadata.google.internal', 'metadata.goog', 'metadata', '169.254.169.254', 'fd00:ec2::254', '[fd00:ec2::254]', '::ffff:169.254.169.254']) {
      assert.ok(isMetadataHost(host), host);
    }
    for (const host of ['images.example', '169.254.169.253', 'metadata.example.com']) assert.equal(isMetadataHost(host), false, host);
  });

  it('refuses entries that are not a host, an address or a network no wider than /8 (IPv4) or /32 (IPv6)', () => {
    for (const entry of ['images.internal.example', '10.20.0.0/16', '10.0.0.0/8', 'fd00:ec2::/32', '127.0.0.1', '::1', '[::1]']) assert.equal(hostAllowProblem(entry), undefined, entry);
    assert.match(hostAllowProblem('10.0.0.0/7')!, /too wide/);
    assert.match(hostAllowProblem('fd00::/31')!, /too wide/);
    assert.match(hostAllowProblem('0.0.0.0/0')!, /too wide/);
    assert.match(hostAllowProblem('10.0.0.0/33')!, /not a network/);
    assert.match(hostAllowProblem('https://images.example')!, /not a network|neither/);
    assert.match(hostAllowProblem('images example')!, /neither a host name/);
    assert.throws(() => new ImageAllowList(['10.0.0.0/7']), /too wide/);
  });
});

describe('sniffFormat', () => {
  const cases: Array<[string, Buffer, string | undefined]> = [
    ['png', png, 'png'],
    ['jpeg', jpeg, 'jpeg'],
    ['gif87a', Buffer.from('GIF87a', 'latin1'), 'gif'],
    ['webp', webp, 'webp'],
    ['RIFF that is not WebP', Buffer.from('RIFF\x00\x00\x00\x00WAVE', 'latin1'), undefined],
    ['a truncated png signature', png.subarray(0, 4), undefined],
    ['nothing', Buffer.alloc(0), undefined],
  ];
  for (const [name, bytes, format] of cases) {
    it(`reads ${name} as ${format}`, () => assert.equal(sniffFormat(bytes), format));
  }
});

describe('isPublicAddress', () => {
  const cases: Array<[string, boolean]> = [
    ['93.184.216.34', true],
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['10.20.30.40', false],
    ['172.16.0.1', false],
    ['172.32.0.1', true],
    ['192.168.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['not an address', false],
  ];
  for (const [address, expected] of cases) {
    it(`${address} is ${expected ? '' : 'not '}public`, () => assert.equal(isPublicAddress(address), expected));
  }
});
