/**
 * The contract every fuzzed HTTP answer is held to, and a request with bounded waits.
 */
import assert from 'node:assert/strict';
import type { Pool } from 'undici';
import { errorTable, type ErrorCode } from '../../src/errors/error-table.ts';

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** One request with bounded waits: a hang fails the property instead of stalling it. */
export async function send(pool: Pool, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await pool.request({ method: method as 'GET', path, body, headers, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const text = await response.body.text();
  const contentType = response.headers['content-type'];
  return { status: response.statusCode, contentType: typeof contentType === 'string' ? contentType : '', text };
}

/** The contract for every answer: below 500; an error is OpenAI-shaped with a code from the table; a stream ends. */
export function assertAnswer(answer: Answer): string {
  const { status, contentType, text } = answer;
  assert.ok(status < 500, `status ${status}: ${text.slice(0, 500)}`);
  if (status >= 400) {
    assert.match(contentType, /^application\/json/, `error content type ${contentType}`);
    const body = JSON.parse(text);
    const error = body.error;
    assert.equal(typeof error.message, 'string');
    assert.ok(error.message.length > 0);
    assert.ok(error.param === null || typeof error.param === 'string', `param ${JSON.stringify(error.param)}`);
    assert.ok(Object.hasOwn(errorTable, error.code), `code ${error.code} is not in the error table`);
    const definition = errorTable[error.code as ErrorCode];
    assert.equal(error.type, definition.type);
    // Upstream client errors keep the upstream's own status; every other code has the table's.
    if (!error.code.startsWith('upstream_')) assert.equal(status, definition.status, `${error.code}: ${error.message}`);
    return error.code;
  }
  if (contentType.startsWith('text/event-stream')) {
    const events = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice('data: '.length));
    assert.equal(events.at(-1), '[DONE]', `stream without [DONE]: ${text.slice(-300)}`);
    for (const event of events.slice(0, -1)) assert.equal(JSON.parse(event).error, undefined, `error event: ${event}`);
    return `${status} stream`;
  }
  if (contentType.startsWith('application/json')) JSON.parse(text);
  return String(status);
}
