/**
 * Closing a connection while the client is still sending makes the kernel answer what arrives with a reset, and a
 * reset throws away what the client has not read yet: a client that writes its whole body before reading (Python's
 * http.client, or any client on a slow link) gets EPIPE instead of the 413 it was sent. So after refusing a request
 * whose body is still arriving, the gateway half-closes (its FIN follows the answer) and reads and discards what still
 * comes until the body ends or the client closes, for at most `server.linger_timeout` and `server.linger_max_bytes`;
 * only then does it close. Everything here runs only for refused requests.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../config/types.ts';

export type LingerLimits = Pick<ServerConfig, 'lingerTimeoutMs' | 'lingerMaxBytes'>;

/**
 * The request is refused with an answer that closes the connection (`connection: close`), written next. Its body is
 * read and discarded from now on, and the close that follows the answer waits until the body has ended.
 */
export function lingerAfterRefusal(request: IncomingMessage, limits: LingerLimits): void {
  const socket = request.socket;
  if (request.complete || socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), limits.lingerTimeoutMs).unref();
  socket.once('close', () => clearTimeout(timer));
  let discarded = 0;
  let bodyEnded = false;
  let answered = false;
  // Node's own close after an answer with `connection: close`: FIN once the answer is written, then destroy.
  const closeAfterAnswer = socket.destroySoon;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.lingerMaxBytes) socket.destroy();
  });
  request.once('end', () => {
    bodyEnded = true;
    if (answered) closeAfterAnswer.call(socket);
  });
  socket.destroySoon = () => {
    answered = true;
    if (bodyEnded) closeAfterAnswer.call(socket);
    else socket.end();
  };
}

interface Lingering {
  readonly bytesRead: number;
  readonly maxBytes: number;
}

const lingering = new WeakMap<Socket, Lingering>();

/**
 * Writes `answer` on a connection whose request Node's parser refused, and closes once the client has closed too (or
 * the bounds pass). The parser stays failed: every later chunk the client sends fails it again, and comes back
 * through `stillLingering`.
 */
export function answerAndLinger(socket: Socket, answer: string, limits: LingerLimits): void {
  lingering.set(socket, { bytesRead: socket.bytesRead, maxBytes: limits.lingerMaxBytes });
  const timer = setTimeout(() => socket.destroy(), limits.lingerTimeoutMs).unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.end(answer);
}

/** Whether the socket is lingering after `answerAndLinger`; closes it once it has read more than its bound. */
export function stillLingering(socket: Socket): boolean {
  const state = lingering.get(socket);
  if (state === undefined) return false;
  if (socket.bytesRead - state.bytesRead > state.maxBytes) socket.destroy();
  return true;
}
