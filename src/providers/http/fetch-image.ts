/**
 * Fetches an image a client named by `https:` URL, for Bedrock, which takes image bytes only.
 *
 * The URL is the client's, so the fetch is fenced: `https:` only, on every redirect too (at most 3, followed by hand);
 * hosts that are, or resolve to, loopback, private, link-local, shared, multicast or reserved addresses are refused
 * (checked on the address actually connected to, so DNS rebinding cannot slip past); the size limit is enforced from
 * `content-length` and again while reading; the whole fetch has one deadline and follows the request's cancellation.
 * The format comes from the bytes' signature (PNG, JPEG, GIF, WebP), not from the declared content type, which only
 * refuses an obvious non-image early. Every failure is `invalid_request` naming the URL (the client sent it).
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, request, type Dispatcher } from 'undici';
import { GatewayError, isGatewayError } from '../../errors/index.ts';
import type { Cancellation } from '../../lib/cancellation.ts';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

/** An image fetched by the gateway before conversion. */
export interface ImageBytes {
  format: ImageFormat;
  bytes: Uint8Array;
}

export interface FetchImageOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly cancellation: Cancellation;
  /** Replaces the address-fenced default dispatcher (tests use a MockAgent). */
  readonly dispatcher?: Dispatcher;
}

const maxRedirects = 3;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const acceptedContentTypes = /^(?:image\/|application\/octet-stream|binary\/octet-stream)/i;

export async function fetchImage(url: string, options: FetchImageOptions): Promise<ImageBytes> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('image fetch timed out'));
  }, options.timeoutMs);
  const stopListening = options.cancellation.listen((reason) => controller.abort(reason));
  try {
    let current = parseImageUrl(url, url);
    for (let redirects = 0; ; redirects++) {
      const response = await request(current, {
        method: 'GET',
        headers: { accept: 'image/png, image/jpeg, image/gif, image/webp', 'user-agent': 'interchange-gateway' },
        signal: controller.signal,
        dispatcher: options.dispatcher ?? fencedAgent(),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      if (redirectStatuses.has(response.statusCode)) {
        await response.body.dump();
        const location = header(response.headers, 'location');
        if (location === undefined) throw refused(url, `answered ${response.statusCode} without a location`);
        if (redirects >= maxRedirects) throw refused(url, `redirected more than ${maxRedirects} times`);
        current = parseImageUrl(new URL(location, current).href, url);
        continue;
      }
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        throw refused(url, `answered HTTP ${response.statusCode}`);
      }
      const contentType = header(response.headers, 'content-type');
      if (contentType !== undefined && contentType !== '' && !acceptedContentTypes.test(contentType)) {
        await response.body.dump();
        throw refused(url, `is ${contentType}, not an image`);
      }
      const declaredLength = Number(header(response.headers, 'content-length'));
      if (Number.isFinite(declaredLength) && declaredLength > options.maxBytes) {
        response.body.destroy();
        throw tooLarge(url, options.maxBytes);
      }
      const bytes = await readLimited(response.body, url, options.maxBytes);
      const format = sniffFormat(bytes);
      if (format === undefined) throw refused(url, `is not a PNG, JPEG, GIF or WebP image${contentType === undefined ? '' : ` (content-type ${contentType})`}`);
      return { format, bytes };
    }
  } catch (error) {
    if (isGatewayError(error)) throw error;
    if (options.cancellation.cancelled) throw options.cancellation.reason;
    if (timedOut) throw refused(url, `did not arrive within ${options.timeoutMs} ms`, error);
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_IMAGE_ADDRESS_REFUSED') throw refused(url, (error as Error).message, error);
    throw refused(url, `could not be fetched: ${(error as Error).message ?? String(error)}`, error);
  } finally {
    clearTimeout(timer);
    stopListening();
  }
}

/** The image format from the first bytes, or undefined when they are none of Bedrock's four. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 && bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) {
    return 'png';
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 6 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x38 && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) {
    return 'gif';
  }
  if (bytes.length >= 12 && bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46 && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) {
    return 'webp';
  }
  return undefined;
}

/** Addresses no client-named fetch may reach. */
const refusedAddresses = (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 3],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 127],
    ['64:ff9b::', 96],
    ['64:ff9b:1::', 48],
    ['100::', 64],
    ['2001::', 23],
    ['2001:db8::', 32],
    ['2002::', 16],
    ['fc00::', 7],
    ['fe80::', 10],
    ['fec0::', 10],
    ['ff00::', 8],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv6');
  }
  return list;
})();

/** Whether a fetch of a client-named URL may connect to this IP address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !refusedAddresses.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return isPublicAddress(mapped[1]);
  return !refusedAddresses.check(address, 'ipv6');
}

let sharedAgent: Agent | undefined;

/** One dispatcher for every image fetch, created on first use, whose DNS lookups refuse non-public addresses. */
function fencedAgent(): Agent {
  return (sharedAgent ??= new Agent({
    connections: 16,
    keepAliveTimeout: 10_000,
    connect: { lookup: fencedLookup } as Agent.Options['connect'],
  }));
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function fencedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) {
      callback(error, '', 0);
      return;
    }
    const refusedAddress = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refusedAddress !== undefined || addresses.length === 0) {
      const refusal = Object.assign(new Error(`resolves to ${refusedAddress?.address ?? 'no address'}, which is not a public address`), {
        code: 'ERR_IMAGE_ADDRESS_REFUSED',
      });
      callback(refusal, '', 0);
      return;
    }
    if (options.all === true) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  });
}

function parseImageUrl(candidate: string, original: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    throw refused(original, 'is not a valid URL');
  }
  if (parsed.protocol !== 'https:') {
    throw refused(original, candidate === original ? 'is not an https: URL' : `redirects to ${parsed.protocol} (only https: is followed)`);
  }
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (isIP(host) !== 0 && !isPublicAddress(host)) throw refused(original, `${candidate === original ? 'names' : 'redirects to'} ${host}, which is not a public address`);
  return parsed;
}

async function readLimited(body: Dispatcher.ResponseData['body'], url: string, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) {
      body.destroy();
      throw tooLarge(url, maxBytes);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function describe(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}

function refused(url: string, reason: string, cause?: unknown): GatewayError {
  return new GatewayError('invalid_request', `the image at ${describe(url)} ${reason}`, { cause });
}

function tooLarge(url: string, maxBytes: number): GatewayError {
  return refused(url, `is larger than ${maxBytes} bytes, the limit for images the gateway fetches`);
}
