// The floor: the least any Node gateway must do. A node:http server that reads the request body and forwards it
// with undici Pool#stream to the upstream (same method and path, content-type only), then pipes status and body
// back. No parsing, no routing, no logging. Throughput through the gateway is judged as a ratio of this.
//
// Usage: node bench/floor-proxy.ts --port <port> --upstream http://127.0.0.1:<port> [--host 127.0.0.1]
//        [--upstream-header name:value]   (a fixed header added to every upstream request, e.g. Azure's api-key:
//                                          what any gateway does with its configured key; repeatable)
//        [--exit-with-stdin]   (exit when stdin closes, so it never outlives the harness that started it)

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { argumentValue, exitOnShutdown } from './lib/child-process.ts';

function argument(name: string, fallback?: string): string {
  const value = argumentValue(name) ?? fallback;
  if (value === undefined) throw new Error(`floor-proxy: missing ${name}`);
  return value;
}

const host = argument('--host', '127.0.0.1');
const port = Number(argument('--port'));
const pool = new Pool(argument('--upstream'), { keepAliveTimeout: 60_000 });

/** Fixed upstream headers, parsed once. */
const fixedHeaders: Record<string, string> = {};
process.argv.forEach((value, index) => {
  if (value !== '--upstream-header' || index + 1 >= process.argv.length) return;
  const header = process.argv[index + 1];
  const colon = header.indexOf(':');
  if (colon <= 0) throw new Error(`floor-proxy: --upstream-header needs name:value, got "${header}"`);
  fixedHeaders[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
});
const hasFixedHeaders = Object.keys(fixedHeaders).length > 0;

function forward(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  const contentType = request.headers['content-type'];
  pool.stream(
    {
      path: request.url ?? '/',
      method: request.method ?? 'GET',
      headers: hasFixedHeaders
        ? contentType === undefined ? { ...fixedHeaders } : { ...fixedHeaders, 'content-type': contentType }
        : contentType === undefined ? {} : { 'content-type': contentType },
      body,
      opaque: response,
    },
    ({ statusCode, headers, opaque }) => {
      const target = opaque as ServerResponse;
      const upstreamType = headers['content-type'];
      const upstreamLength = headers['content-length'];
      if (upstreamType !== undefined) target.setHeader('content-type', upstreamType);
      if (upstreamLength !== undefined) target.setHeader('content-length', upstreamLength);
      target.statusCode = statusCode;
      return target;
    },
    (error) => {
      if (error === null) return;
      if (!response.headersSent) {
        response.statusCode = 502;
        response.end();
      } else {
        response.destroy(error);
      }
    },
  );
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('error', () => response.destroy());
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => forward(request, response, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
});
server.keepAliveTimeout = 60_000;

server.listen(port, host, () => {
  process.stdout.write(`floor-proxy listening on http://${host}:${port}\n`);
});

exitOnShutdown(() => {
  server.close();
  server.closeAllConnections();
  return pool.destroy();
});
