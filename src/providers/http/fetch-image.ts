/**
 * Fetches an image a client named by `https:` URL, for Bedrock, which takes image bytes only.
 *
 * The URL is the client's, so the fetch is fenced: `https:` only, on every redirect too (at most 3, followed by hand);
 * hosts that are, or resolve to, loopback, private, link-local, shared, multicast or reserved addresses are refused
 * (checked on the address actually connected to, so DNS rebinding cannot slip past), and so are cloud metadata
 * services by name (`metadata.google.internal` and friends) before any lookup. A provider's `image_fetch_allow` lifts
 * the address refusal for the hosts and networks it lists (an internal image host), nothing else: https only, size and
 * time limits stay, and a metadata address is allowed only when listed itself, never by a network around it. The size
 * limit is enforced from
 * `content-length` and again while reading; the whole fetch has one deadline and follows the request's cancellation.
 * The format comes from the bytes' signature (PNG, JPEG, GIF, WebP), not from the declared content type, which only
 * refuses an obvious non-image early. Every failure is `invalid_request` naming the URL (the client sent it).
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, request, type Dispatcher } from 'undici';
import { hostAllowProblem } from '../../config-schema/host-allow-list.ts';
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
  /** Non-public hosts and networks this fetch may reach anyway (`imageAllowList`). */
  readonly allow?: ImageAllowList;
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
    const allow = options.allow;
    let current = parseImageUrl(url, url, allow);
    for (let redirects = 0; ; redirects++) {
      const response = await request(current, {
        method: 'GET',
        headers: { accept: 'image/png, image/jpeg, image/gif, image/webp', 'user-agent': 'interchange-gateway' },
        signal: controller.signal,
        dispatcher: options.dispatcher ?? (allow === undefined ? fencedAgent() : allow.agent()),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      if (redirectStatuses.has(response.statusCode)) {
        await response.body.dump();
        const location = header(response.headers, 'location');
        if (location === undefined) throw refused(url, `answered ${response.statusCode} without a location`);
        if (redirects >= maxRedirects) throw refused(url, `redirected more than ${maxRedirects} times`);
        current = parseImageUrl(new URL(location, current).href, url, allow);
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

/** Cloud metadata services: never reached by name, and by address only when the allow list names the address itself. */
const metadataHosts = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.com', 'metadata.oraclecloud.com']);
const metadataAddresses = new Set(['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '169.254.169.123', '100.100.100.200', 'fd20:ce::254']);

function normalizeHost(host: string): string {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  return (bare.endsWith('.') ? bare.slice(0, -1) : bare).toLowerCase();
}

/** Whether `host` (a name, or an address literal) names a cloud metadata service. */
export function isMetadataHost(host: string): boolean {
  const name = normalizeHost(host);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(name);
  return metadataHosts.has(name) || metadataAddresses.has(mapped === null ? name : mapped[1]);
}

/**
 * Hosts and networks a provider's image fetches may reach though they are not public: exact host names (or address
 * literals), and networks as `address/prefix`. Built once from configuration.
 */
export class ImageAllowList {
  readonly #hosts = new Set<string>();
  readonly #networks = new BlockList();
  #agent: Agent | undefined;

  /** Throws on an entry that is neither a host name, an address nor `address/prefix`. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const problem = hostAllowProblem(entry);
      if (problem !== undefined) throw new Error(problem);
      const slash = entry.indexOf('/');
      if (slash === -1) this.#hosts.add(normalizeHost(entry));
      else {
        const network = entry.slice(0, slash);
        this.#networks.addSubnet(network, Number(entry.slice(slash + 1)), isIP(network) === 4 ? 'ipv4' : 'ipv6');
      }
    }
  }

  /** Whether a fetch named by `hostname` may connect to the non-public `address`. */
  allows(hostname: string, address: string): boolean {
    const name = normalizeHost(hostname);
    const ip = normalizeHost(address);
    if (this.#hosts.has(ip)) return true;
    // A metadata service only when its own address is listed (above), not by its name nor a network around it.
    if (isMetadataHost(ip) || isMetadataHost(name)) return false;
    if (this.#hosts.has(name)) return true;
    const family = isIP(ip);
    return family !== 0 && this.#networks.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** Whether the URL's host, a metadata name, is listed itself. */
  listsHost(hostname: string): boolean {
    return this.#hosts.has(normalizeHost(hostname));
  }

  /** This list's dispatcher, like the default one but letting what the list allows through. */
  agent(): Agent {
    return (this.#agent ??= fencedAgentFor(this));
  }
}

let sharedAgent: Agent | undefined;

/** One dispatcher for every image fetch, created on first use, whose DNS lookups refuse non-public addresses. */
function fencedAgent(): Agent {
  return (sharedAgent ??= fencedAgentFor(undefined));
}

function fencedAgentFor(allow: ImageAllowList | undefined): Agent {
  return new Agent({
    connections: 16,
    keepAliveTimeout: 10_000,
    connect: { lookup: (hostname: string, options: LookupOptions, callback: LookupCallback) => fencedLookup(hostname, options, callback, allow) } as Agent.Options['connect'],
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function fencedLookup(hostname: string, options: LookupOptions, callback: LookupCallback, allow: ImageAllowList | undefined): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) {
      callback(error, '', 0);
      return;
    }
    const refusedAddress = addresses.find((entry) => !isPublicAddress(entry.address) && allow?.allows(hostname, entry.address) !== true);
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

function parseImageUrl(candidate: string, original: string, allow: ImageAllowList | undefined): URL {
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
  const names = candidate === original ? 'names' : 'redirects to';
  if (isIP(host) !== 0) {
    if (!isPublicAddress(host) && allow?.allows(host, host) !== true) throw refused(original, `${names} ${host}, which is not a public address`);
  } else if (isMetadataHost(host) && allow?.listsHost(host) !== true) {
    throw refused(original, `${names} ${host}, a cloud metadata service`);
  }
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
