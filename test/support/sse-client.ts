/**
 * Streaming chat requests on their own keep-alive connections, read to their end the way a client would: what the
 * stream ended with (`[DONE]`, an error event, or nothing: a truncation).
 */
import { Client } from 'undici';

export interface StreamOutcome {
  readonly status: number;
  /** `done` for `data: [DONE]`; the error event's code; `truncated` when the body ended without either. */
  readonly ending: string;
  /** The socket error that cut the body, if one did. */
  readonly failure: string | undefined;
  readonly endedAt: number;
}

export interface OpenStream {
  /** Resolves once the response headers and the first event arrived. */
  readonly started: Promise<void>;
  readonly outcome: Promise<StreamOutcome>;
}

/** Each chunk `chunkDelayMs` apart (the emulator's `delay-chunks` fault); `maxTokens` shortens the reply. */
export function streamingBody(chunkDelayMs: number, maxTokens?: number): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    stream: true,
    ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
    messages: [{ role: 'user', content: `Count slowly [emulator-fault: delay-chunks=${chunkDelayMs}]` }],
  });
}

export function openStream(client: Client, body: string): OpenStream {
  let started: () => void = () => {};
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  const outcome = (async (): Promise<StreamOutcome> => {
    const response = await client.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body });
    let text = '';
    let failure: string | undefined;
    try {
      for await (const chunk of response.body) {
        text += String(chunk);
        if (text.includes('\n\n')) started();
      }
    } catch (error) {
      failure = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    }
    started();
    return { status: response.statusCode, ending: endingOf(text), failure, endedAt: performance.now() };
  })();
  outcome.catch(() => started());
  return { started: startedPromise, outcome };
}

function endingOf(text: string): string {
  const events = text.split('\n\n').filter((event) => event.startsWith('data: '));
  if (!text.endsWith('\n\n') || events.length === 0) return 'truncated';
  const last = events[events.length - 1].slice('data: '.length);
  if (last === '[DONE]') return 'done';
  const parsed = JSON.parse(last) as { error?: { code?: string } };
  return parsed.error?.code ?? 'truncated';
}
