/**
 * The HTTP server every emulator runs on: node:http with keep-alive, body reading with a size limit, JSON parsing,
 * request recording, live counters, and the request-level faults (reset, delay-headers, status). The vendor code is
 * an `EmulatorHandler`. Imports nothing from the project outside emulators/core.
 *
 * Pipeline for each request:
 *   1. read the body (over `bodyLimit` → the handler's 413, then the connection is closed);
 *   2. parse it as JSON when not empty, record it;
 *   3. pick the fault: the `x-emulator-fault` header, else a `[emulator-fault: …]` marker in the body, else the
 *      emulator-wide fault (while its count lasts); a bad spec → the handler's 400;
 *   4. `reset` → destroy the connection; `delay-headers` → wait (abandoned if the client goes away);
 *      `status` → the handler's error for it; otherwise the handler handles the request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Exchange, type EmulatorStats, type ExchangeOwner } from './exchange.ts';
import { FAULT_HEADER, FaultSpecError, NO_FAULT, findFaultMarker, isNoFault, parseFault, type Fault } from './faults.ts';
import { findUsageMarker } from './usage-marker.ts';

export interface EmulatorHandler {
  /** Answers a request that no request-level fault has answered. May be async; a throw becomes a 500. */
  handle(exchange: Exchange): void | Promise<void>;
  /** Sends the vendor's error response for an injected `status=<code>` fault. */
  sendFaultStatus(exchange: Exchange, fault: Fault): void;
  /** Sends a vendor-shaped error raised by the emulator itself: 400 bad fault spec, 413 body too large, 500 bug. */
  sendEmulatorError(exchange: Exchange, status: number, message: string): void;
}

export interface EmulatorServerOptions {
  /** Vendor name: used in logs and as a fault-marker target (`[emulator-fault@openai: …]`). */
  name: string;
  host?: string;
  port?: number;
  quiet?: boolean;
  /** Fault applied to every request without its own fault… */
  fault?: string;
  /** …or only to the first N of them. */
  faultCount?: number;
  /** Largest accepted request body in bytes; default 64 MiB. */
  bodyLimit?: number;
  /** How many recent requests `received` keeps; default 100. */
  recordLimit?: number;
  handler: EmulatorHandler;
}

export interface ReceivedRequest {
  readonly method: string;
  /** The request target as received, query string included. */
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  readonly body: unknown;
}

export interface EmulatorServer {
  readonly name: string;
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  readonly stats: Readonly<EmulatorStats>;
  /** The most recent requests, oldest first. */
  readonly received: ReadonlyArray<ReceivedRequest>;
  /** Replaces the emulator-wide fault; `count` limits it to the next N requests. Throws `FaultSpecError`. */
  setFault(spec: string | undefined, count?: number): void;
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;
const kExchange = Symbol('emulator.request-exchange');
const kServer = Symbol('emulator.server');

type RequestWithExchange = IncomingMessage & { [kExchange]?: Exchange };

class EmulatorServerImplementation implements EmulatorServer, ExchangeOwner {
  readonly name: string;
  readonly stats: EmulatorStats = { requests: 0, aborted: 0, open: 0 };
  readonly log: ((line: string) => void) | undefined;
  readonly handler: EmulatorHandler;
  readonly bodyLimit: number;
  readonly server: Server;
  url = '';
  port = 0;

  #fault: Fault | undefined = undefined;
  #faultRemaining = Number.POSITIVE_INFINITY;
  #record: ReceivedRequest[] = [];
  #recordNext = 0;
  readonly #recordLimit: number;
  readonly #idPrefix = 'req_' + randomBytes(10).toString('hex');
  #idCounter = 0;
  readonly #sockets = new Set<Socket>();

  constructor(options: EmulatorServerOptions) {
    this.name = options.name;
    this.handler = options.handler;
    this.bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
    this.#recordLimit = options.recordLimit ?? 100;
    const name = options.name;
    this.log = options.quiet ? undefined : (line: string) => process.stderr.write(`[emulator ${name}] ${line}\n`);
    this.setFault(options.fault, options.faultCount);
    this.server = createServer({ keepAlive: true, noDelay: true }, onRequest);
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.requestTimeout = 0;
    (this.server as Server & { [kServer]?: EmulatorServerImplementation })[kServer] = this;
    this.server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  get received(): ReadonlyArray<ReceivedRequest> {
    const record = this.#record;
    if (record.length < this.#recordLimit) return record.slice();
    return record.slice(this.#recordNext).concat(record.slice(0, this.#recordNext));
  }

  setFault(spec: string | undefined, count?: number): void {
    if (count !== undefined && (!Number.isInteger(count) || count < 0)) {
      throw new FaultSpecError(`fault count must be a non-negative integer, got ${count}`);
    }
    const fault = spec === undefined ? undefined : parseFault(spec);
    this.#fault = fault === undefined || isNoFault(fault) ? undefined : fault;
    this.#faultRemaining = count ?? Number.POSITIVE_INFINITY;
  }

  nextRequestId(): string {
    this.#idCounter++;
    return this.#idPrefix + this.#idCounter.toString(16).padStart(12, '0');
  }

  takeEmulatorFault(): Fault {
    if (this.#fault === undefined || this.#faultRemaining <= 0) return NO_FAULT;
    this.#faultRemaining--;
    return this.#fault;
  }

  record(exchange: Exchange): void {
    const entry: ReceivedRequest = {
      method: exchange.method,
      path: exchange.request.url ?? '/',
      headers: exchange.request.headers,
      body: exchange.body,
    };
    if (this.#record.length < this.#recordLimit) {
      this.#record.push(entry);
    } else {
      this.#record[this.#recordNext] = entry;
      this.#recordNext = (this.#recordNext + 1) % this.#recordLimit;
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
      this.server.closeAllConnections();
    });
  }
}

function noop(): void {}

function onRequest(this: Server, request: IncomingMessage, response: ServerResponse): void {
  const owner = (this as Server & { [kServer]?: EmulatorServerImplementation })[kServer] as EmulatorServerImplementation;
  owner.stats.requests++;
  owner.stats.open++;
  const exchange = new Exchange(owner, request, response, owner.nextRequestId());
  (request as RequestWithExchange)[kExchange] = exchange;
  request.on('error', noop);
  request.on('data', onRequestData);
  request.on('end', onRequestEnd);
}

function onRequestData(this: RequestWithExchange, chunk: Buffer): void {
  const exchange = this[kExchange] as Exchange;
  if (exchange.bodyRejected) return;
  exchange.bodyLength += chunk.length;
  const owner = exchange.owner as EmulatorServerImplementation;
  if (exchange.bodyLength > owner.bodyLimit) {
    exchange.bodyRejected = true;
    exchange.bodyChunks = undefined;
    exchange.response.shouldKeepAlive = false;
    owner.handler.sendEmulatorError(
      exchange,
      413,
      `Request body too large: the limit is ${owner.bodyLimit} bytes.`,
    );
    return;
  }
  if (exchange.bodyChunks === undefined) exchange.bodyChunks = [chunk];
  else exchange.bodyChunks.push(chunk);
}

function onRequestEnd(this: RequestWithExchange): void {
  const exchange = this[kExchange] as Exchange;
  this[kExchange] = undefined;
  if (exchange.bodyRejected || exchange.closed) return;
  const chunks = exchange.bodyChunks;
  exchange.bodyChunks = undefined;
  if (chunks !== undefined) {
    exchange.rawBody = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, exchange.bodyLength);
    const text = exchange.rawBody.toString('utf8');
    try {
      exchange.body = JSON.parse(text);
    } catch {
      exchange.body = text;
      exchange.bodyInvalid = true;
    }
  }
  const owner = exchange.owner as EmulatorServerImplementation;
  owner.record(exchange);
  if (chunks !== undefined) {
    const usage = findUsageMarker(exchange.rawBody);
    if (typeof usage === 'string') {
      owner.handler.sendEmulatorError(exchange, 400, usage);
      return;
    }
    if (usage !== undefined) exchange.usage = usage;
  }

  let fault: Fault;
  try {
    const header = exchange.request.headers[FAULT_HEADER];
    if (typeof header === 'string') {
      fault = parseFault(header);
    } else {
      const marker = chunks === undefined ? undefined : findFaultMarker(exchange.rawBody, owner.name, owner.port);
      fault = marker === undefined ? owner.takeEmulatorFault() : parseFault(marker);
    }
  } catch (error) {
    if (!(error instanceof FaultSpecError)) throw error;
    owner.handler.sendEmulatorError(exchange, 400, error.message);
    return;
  }
  exchange.fault = fault;
  if (fault === NO_FAULT) {
    runHandler(exchange);
    return;
  }
  if (owner.log !== undefined) owner.log(`${exchange.method} ${exchange.path} fault: ${fault.spec}`);
  if (fault.reset) {
    exchange.reset();
    return;
  }
  if (fault.delayHeaders > 0) {
    exchange.wait(fault.delayHeaders, afterHeaderDelay);
    return;
  }
  afterHeaderDelay(exchange);
}

function afterHeaderDelay(exchange: Exchange): void {
  if (exchange.fault.status !== 0) {
    (exchange.owner as EmulatorServerImplementation).handler.sendFaultStatus(exchange, exchange.fault);
    return;
  }
  runHandler(exchange);
}

function runHandler(exchange: Exchange): void {
  const owner = exchange.owner as EmulatorServerImplementation;
  try {
    const result = owner.handler.handle(exchange);
    if (result !== undefined) result.catch((error: unknown) => failed(exchange, error));
  } catch (error) {
    failed(exchange, error);
  }
}

function failed(exchange: Exchange, error: unknown): void {
  const owner = exchange.owner as EmulatorServerImplementation;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`[emulator ${owner.name}] internal error on ${exchange.method} ${exchange.path}: ${message}\n`);
  if (exchange.closed) return;
  if (exchange.response.headersSent) {
    exchange.cutConnection();
    return;
  }
  owner.handler.sendEmulatorError(exchange, 500, `The emulator failed: ${message}`);
}

/** Starts an emulator server; resolves once it listens. Rejects on a bad fault spec or a busy port. */
export async function startEmulatorServer(options: EmulatorServerOptions): Promise<EmulatorServer> {
  const implementation = new EmulatorServerImplementation(options);
  const server = implementation.server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator: unexpected server address');
  implementation.port = address.port;
  // A wildcard listener is reached through loopback.
  const bound = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const host = bound.includes(':') ? `[${bound}]` : bound;
  // No "listening" line here: whoever started the emulator knows its url, and the CLI prints one line with its paths.
  implementation.url = `http://${host}:${address.port}`;
  return implementation;
}

/** What every running emulator exposes; each cloud's interface extends it with what it adds (quotas, caches). */
export interface RunningEmulatorBase {
  /** Origin, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  /** Live counters: requests received, requests abandoned by their client, requests in flight. */
  readonly stats: { requests: number; aborted: number; open: number };
  /** The last requests (100 unless `recordLimit` says otherwise), oldest first, with parsed JSON bodies. */
  readonly received: ReadonlyArray<ReceivedRequest>;
  /** Changes the emulator-wide fault; `count` limits it to the next N requests. Throws on a bad spec. */
  setFault(spec: string | undefined, count?: number): void;
  /** Closes the server and every socket. */
  close(): Promise<void>;
}

/**
 * What every cloud's running emulator exposes about its server: address, live counters, recorded requests, fault
 * control and shutdown. Each cloud extends it with what it adds (quotas, caches).
 */
export class RunningEmulatorServer implements RunningEmulatorBase {
  readonly #server: EmulatorServer;
  readonly url: string;
  readonly port: number;

  constructor(server: EmulatorServer) {
    this.#server = server;
    this.url = server.url;
    this.port = server.port;
  }

  get stats(): { requests: number; aborted: number; open: number } {
    return this.#server.stats;
  }

  get received(): ReadonlyArray<ReceivedRequest> {
    return this.#server.received;
  }

  setFault(spec: string | undefined, count?: number): void {
    this.#server.setFault(spec, count);
  }

  close(): Promise<void> {
    return this.#server.close();
  }
}
