/**
 * HTTP/1.1 over a bare socket, for what ordinary clients do not do: write a whole body before reading anything (as
 * Python's http.client does), send a head or a body slowly, or send a head of an exact size.
 */
import { connect, type Socket } from 'node:net';

export interface RawReply {
  readonly status: number | undefined;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The socket error the client saw (`EPIPE`, `ECONNRESET`), if any. */
  readonly error: string | undefined;
}

export class RawConnection {
  readonly socket: Socket;
  #received: Buffer[] = [];
  #error: string | undefined = undefined;
  /** Resolves when the server has finished sending (its FIN) or the socket is closed, with the time it happened. */
  readonly ended: Promise<number>;
  /** Resolves when the first response byte arrives. */
  readonly answered: Promise<void>;

  /** `readFirst: false` reads nothing until `read()` is called, so the kernel holds what arrives meanwhile. */
  constructor(port: number, options: { readonly readFirst?: boolean } = {}) {
    // Half-open allowed: the gateway's FIN after an answer must not close this side, which may still be sending.
    this.socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    this.socket.setNoDelay(true);
    if (options.readFirst === false) this.socket.pause();
    let answered: () => void = () => {};
    this.answered = new Promise((resolve) => (answered = resolve));
    this.socket.on('data', (chunk: Buffer) => {
      this.#received.push(chunk);
      answered();
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#error ??= error.code ?? error.message;
    });
    this.ended = new Promise((resolve) => {
      const ended = () => resolve(performance.now());
      this.socket.once('end', ended);
      this.socket.once('close', ended);
    });
  }

  /** Resolves once the data is handed to the kernel; resolves with the error code when the write fails. */
  write(data: string | Buffer): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.socket.write(data, (error) => resolve(error === undefined || error === null ? undefined : ((error as NodeJS.ErrnoException).code ?? error.message)));
    });
  }

  /** Starts reading (for a connection made with `readFirst: false`), waits for the server to finish, then closes. */
  async read(): Promise<RawReply> {
    this.socket.resume();
    await this.ended;
    this.socket.destroy();
    return this.reply();
  }

  /** What arrived so far. */
  reply(): RawReply {
    const text = Buffer.concat(this.#received).toString('utf8');
    const end = text.indexOf('\r\n\r\n');
    if (end === -1) return { status: undefined, headers: {}, body: '', error: this.#error };
    const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4), error: this.#error };
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A request head (the request line, `host`, the given headers and the blank line). */
export function head(method: string, path: string, headers: Record<string, string | number> = {}): string {
  let text = `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
