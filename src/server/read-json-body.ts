/**
 * Reads a request body up to a byte limit and parses it as JSON; failures are GatewayErrors (413, 400 with position,
 * 400 for nesting deeper than `maxJsonDepth`).
 */
import type { IncomingMessage } from 'node:http';
import { GatewayError, isGatewayError } from '../errors/index.ts';

/**
 * The deepest nesting of arrays and objects a body may have (the top-level object is level 1). V8 parses any depth,
 * but the gateway serialises what it forwards and `JSON.stringify` overflows the stack a few thousand levels down, so
 * a deeper body would cost its request a 500; no real request comes near this.
 */
export const maxJsonDepth = 512;

export function readJsonBody(request: IncomingMessage, limit: number): Promise<unknown> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      length += chunk.length;
      if (length > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (failed) return;
      try {
        resolve(parseJsonBody(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)));
      } catch (error) {
        reject(error);
      }
    });
    request.on('error', (error) => {
      if (failed) return;
      failed = true;
      // The server hands its own verdicts on the body (it came too slowly, it is not valid HTTP) as GatewayErrors.
      reject(isGatewayError(error) ? error : new GatewayError('client_closed_request', `The client went away while sending the body: ${error.message}`));
    });
  });
}

/** A whole body as JSON; throws GatewayError `invalid_json` (empty, not JSON) or `invalid_request` (nested too deeply). */
export function parseJsonBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (text.length === 0) throw new GatewayError('invalid_json', 'The request body is empty; expected a JSON object.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GatewayError('invalid_json', `The request body is not valid JSON: ${describeJsonError(error as Error, text)}`);
  }
  if (nestedTooDeeply(bytes, maxJsonDepth)) {
    throw new GatewayError('invalid_request', `The request body nests arrays and objects more than ${maxJsonDepth} levels deep.`);
  }
  return value;
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('request_too_large', `The request body exceeds the limit of ${limit} bytes (limits.max_body_bytes).`);
}

/** V8's message, with the position added when V8 gives none (truncated input ends at the body's last character). */
function describeJsonError(error: Error, text: string): string {
  return /position \d+/.test(error.message) ? error.message : `${error.message} at position ${text.length} (the end of the body)`;
}

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

/**
 * Whether valid JSON nests deeper than `limit`. Cheap for the bodies clients send: each level takes two bytes and one
 * opening bracket, so a short body or one with few brackets (counted by native search) cannot be too deep; only the
 * rest are walked byte by byte.
 */
function nestedTooDeeply(bytes: Buffer, limit: number): boolean {
  if (bytes.length <= 2 * limit) return false;
  let openers = 0;
  for (let at = bytes.indexOf(openBrace); at !== -1 && openers <= limit; at = bytes.indexOf(openBrace, at + 1)) openers++;
  for (let at = bytes.indexOf(openBracket); at !== -1 && openers <= limit; at = bytes.indexOf(openBracket, at + 1)) openers++;
  if (openers <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (inString) {
      if (byte === backslash) index++;
      else if (byte === quote) inString = false;
    } else if (byte === quote) inString = true;
    else if (byte === openBrace || byte === openBracket) {
      if (++depth > limit) return true;
    } else if (byte === closeBrace || byte === closeBracket) depth--;
  }
  return false;
}
