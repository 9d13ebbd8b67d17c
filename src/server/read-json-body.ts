/**
 * Reads a request body up to a byte limit and parses it as JSON; failures are GatewayErrors (413, 400 with position).
 */
import type { IncomingMessage } from 'node:http';
import { GatewayError, isGatewayError } from '../errors/index.ts';

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
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)).toString('utf8');
      if (text.length === 0) {
        reject(new GatewayError('invalid_json', 'The request body is empty; expected a JSON object.'));
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(new GatewayError('invalid_json', `The request body is not valid JSON: ${describeJsonError(error as Error, text)}`));
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

function tooLarge(limit: number): GatewayError {
  return new GatewayError('request_too_large', `The request body exceeds the limit of ${limit} bytes (limits.max_body_bytes).`);
}

/** V8's message, with the position added when V8 gives none (truncated input ends at the body's last character). */
function describeJsonError(error: Error, text: string): string {
  return /position \d+/.test(error.message) ? error.message : `${error.message} at position ${text.length} (the end of the body)`;
}
