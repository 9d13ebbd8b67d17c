// The floor: the least any Node gateway must do. A node:http server that reads the request body, forwards it with
// undici Pool#stream to the upstream (same method and path, content-type only) and pipes status and body back. No
// parsing, no routing, no logging. The gateway's throughput is judged as a share of this one's.
//
// Usage: node bench/floor-proxy.ts --port <port> --upstream http://127.0.0.1:<port> [--host 127.0.0.1]
//   [--upstream-header name:value]...   fixed headers added upstream (Azure's api-key: what any gateway adds)
//   [--exit-with-stdin]                 exit when stdin closes, so it never outlives the harness

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { argumentValue, exitOnShutdown } from './lib/child-process.ts';

const upstream = argumentValue('--upstream');
const port = Number(argumentValue('--port'));
if (upstream === undefined || !Number.isInteger(port)) throw new Error('floor-proxy: --port and --upstream are required');
const pool = new Pool(upstream, { keepAliveTimeout: 60_000 });

/** Fixed upstream headers, parsed once. */
const fixedHeaders: Record<string, string> = {};
process.argv.forEach((value, index) => {
  const header = process.argv[index + 1];
  if (value !== '--upstream-header' || header === undefined) return;
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
        ? { ...fixedHeaders, ...(contentType === undefined ? {} : { 'content-type': contentType }) }
        : contentType === undefined ? {} : { 'content-type': contentType },
      body,
      opaque: response,
    },
    ({ statusCode, headers, opaque }) => {
      const target = opaque as ServerResponse;
      if (headers['content-type'] !== undefined) target.setHeader('content-type', headers['content-type']);
      if (headers['content-length'] !== undefined) target.setHeader('content-length', headers['content-length']);
      target.statusCode = statusCode;
      return target;
    },
    (error) => {
      if (error === null) return;
      if (response.headersSent) response.destroy(error);
      else response.writeHead(502).end();
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
server.listen(port, argumentValue('--host') ?? '127.0.0.1');

exitOnShutdown(() => {
  server.close();
  server.closeAllConnections();
  return pool.destroy();
});
