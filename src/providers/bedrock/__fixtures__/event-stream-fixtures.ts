/**
 * Test helper: turns the `*.events.json` fixtures (lists of `{ headers, payload }`) into the binary
 * `application/vnd.amazon.eventstream` bytes Bedrock sends, with @smithy/eventstream-codec (prelude and message
 * CRCs included). Every header is a string header, as Bedrock sends them; the payload is the event's JSON.
 */
import { readFileSync } from 'node:fs';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

export interface FixtureFrame {
  headers: Record<string, string>;
  payload: unknown;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One frame's bytes. A string payload is sent as is (for malformed-payload tests); anything else as JSON. */
export function encodeFrame(frame: FixtureFrame): Buffer {
  const headers: Record<string, { type: 'string'; value: string }> = {};
  for (const [name, value] of Object.entries(frame.headers)) headers[name] = { type: 'string', value };
  const body = fromUtf8(typeof frame.payload === 'string' ? frame.payload : JSON.stringify(frame.payload));
  return Buffer.from(codec.encode({ headers, body }));
}

export function encodeFrames(frames: FixtureFrame[]): Buffer {
  return Buffer.concat(frames.map(encodeFrame));
}

export function fixtureFrames(name: string): FixtureFrame[] {
  const fixture = JSON.parse(readFileSync(new URL(`./${name}.events.json`, import.meta.url), 'utf8')) as { frames: FixtureFrame[] };
  return fixture.frames;
}

/** The fixture's whole stream, as the HTTP body would carry it. */
export function fixtureBytes(name: string): Buffer {
  return encodeFrames(fixtureFrames(name));
}

export const fixtureNames = ['text', 'tool-use', 'reasoning', 'throttling-exception', 'model-stream-error'] as const;
