/**
 * AWS event-stream frames (`application/vnd.amazon.eventstream`), as Bedrock's ConverseStream sends them.
 *
 * A frame is `[total length u32][headers length u32][prelude CRC32][headers][payload][message CRC32]`, big-endian.
 * The header block of each kind of frame (`:event-type`, `:content-type`, `:message-type`, or `:exception-type`…) is
 * encoded once, at start-up, by `@smithy/eventstream-codec`'s `EventStreamCodec`; the hot path only writes the
 * prelude, copies that block and the JSON payload, and computes the two CRCs with node:zlib. The test suite checks
 * that every frame is byte-for-byte what `EventStreamCodec.encode` produces and decodes with it.
 */
import { crc32 } from 'node:zlib';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

/** The codec every frame layout is checked against; also used by the tests to decode. */
export const codec = new EventStreamCodec(toUtf8, fromUtf8);

const PRELUDE_LENGTH = 12;
const CRC_LENGTH = 4;
const EMPTY = new Uint8Array(0);

type StringHeaders = Record<string, { type: 'string'; value: string }>;

/** Encodes the header block of a frame with the official codec (start-up only). */
function headerBlock(headers: Record<string, string>): Buffer {
  const typed: StringHeaders = {};
  for (const [name, value] of Object.entries(headers)) typed[name] = { type: 'string', value };
  const frame = codec.encode({ headers: typed, body: EMPTY });
  const headersLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(4);
  return Buffer.from(frame.subarray(PRELUDE_LENGTH, PRELUDE_LENGTH + headersLength));
}

/** A kind of frame: its encoded headers, ready to be stamped onto payloads. */
export class FrameKind {
  readonly headers: Record<string, string>;
  readonly #block: Buffer;

  constructor(headers: Record<string, string>) {
    this.headers = headers;
    this.#block = headerBlock(headers);
  }

  /** One complete frame carrying `payload` (JSON text). */
  frame(payload: string): Buffer {
    const block = this.#block;
    const payloadLength = Buffer.byteLength(payload);
    const total = PRELUDE_LENGTH + block.length + payloadLength + CRC_LENGTH;
    const frame = Buffer.allocUnsafe(total);
    frame.writeUInt32BE(total, 0);
    frame.writeUInt32BE(block.length, 4);
    frame.writeUInt32BE(crc32(frame.subarray(0, 8)), 8);
    block.copy(frame, PRELUDE_LENGTH);
    frame.write(payload, PRELUDE_LENGTH + block.length, payloadLength, 'utf8');
    frame.writeUInt32BE(crc32(frame.subarray(0, total - CRC_LENGTH)), total - CRC_LENGTH);
    return frame;
  }
}

/** An event frame: `:event-type`, `:content-type: application/json`, `:message-type: event` (Bedrock's order). */
export function eventKind(eventType: string): FrameKind {
  return new FrameKind({ ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' });
}

/** An in-stream exception frame: `:exception-type`, `:content-type: application/json`, `:message-type: exception`. */
export function exceptionKind(exceptionType: string): FrameKind {
  return new FrameKind({
    ':exception-type': exceptionType,
    ':content-type': 'application/json',
    ':message-type': 'exception',
  });
}

/** The same frame with its message CRC flipped: a client that checks it (every AWS SDK does) must reject it. */
export function corruptFrame(frame: Buffer): Buffer {
  const copy = Buffer.from(frame);
  const last = copy.length - 1;
  copy[last] = copy[last] ^ 0xff;
  return copy;
}
