// Small pure pieces of run-bench.ts, here so that tests can import them (run-bench.ts runs when imported).

import type { TargetKey } from './report.ts';
import type { ResponseFormat } from './request-body.ts';

/**
 * The order of a group's targets (rounds rotate it): directs and floors, then the gateways side by side, the
 * OpenAI-compatible one first and each gateway it is compared with right after it, so the per-round ratios of a
 * comparison pair neighbouring seconds.
 */
export function roundOrder<T extends TargetKey>(targets: readonly T[]): T[] {
  const rank = (target: T) =>
    target.target === 'direct' ? 0 : target.target === 'floor' ? 1 : target.upstream === 'openai-compatible' && target.route === undefined && target.keys === undefined && target.ledger === undefined ? 2 : 3;
  return [...targets].sort((left, right) => rank(left) - rank(right));
}

/**
 * `--routing`'s smoke check of the gateway's `x-interchange-route` header: the primary channel answered at the first
 * and only attempt (e.g. `emulator-a/gpt-4o-mini:ok@3ms`). Null when so, else what is wrong.
 */
export function checkRouteHeader(value: string | string[] | undefined, channel: string): string | null {
  if (value === undefined) return 'no x-interchange-route header';
  const text = Array.isArray(value) ? value.join(', ') : value;
  const entries = text.split(';');
  const answered = entries.at(-1) ?? '';
  const colon = answered.lastIndexOf(':');
  if (answered.slice(0, colon) !== channel || !/^ok@\d+ms$/.test(answered.slice(colon + 1))) {
    return `x-interchange-route "${text}" does not end with ${channel}:ok@…ms`;
  }
  if (entries.length > 1) return `x-interchange-route "${text}": the primary was not the first and only attempt`;
  return null;
}

/** Whether a response body has the shape its format promises (null) or what is wrong with it. */
export function checkResponseShape(text: string, streaming: boolean, format: ResponseFormat): string | null {
  if (format === 'responses') {
    if (streaming) {
      if (!/"type":"response\.output_text\.delta"/.test(text)) return `stream has no response.output_text.delta: ${text.slice(0, 300)}`;
      if (!/"type":"response\.completed"/.test(text)) return `stream does not end with response.completed: …${text.slice(-200)}`;
      return null;
    }
    const parsed = JSON.parse(text) as { output?: { content?: { text?: unknown }[] }[] };
    const part = parsed.output?.[0]?.content?.[0]?.text;
    return typeof part === 'string' && part.length > 0 ? null : `no output[0].content[0].text: ${text.slice(0, 300)}`;
  }
  if (format === 'gemini') {
    if (streaming) {
      if (!/"text"\s*:\s*"[^"]/.test(text)) return `stream has no text part: ${text.slice(0, 300)}`;
      if (!/"finishReason"\s*:\s*"[A-Z_]+"/.test(text)) return `stream has no finishReason: …${text.slice(-200)}`;
      return null;
    }
    const parsed = JSON.parse(text) as { candidates?: { content?: { parts?: { text?: unknown }[] } }[] };
    const part = parsed.candidates?.[0]?.content?.parts?.[0]?.text;
    return typeof part === 'string' && part.length > 0 ? null : `no candidates[0].content.parts[0].text: ${text.slice(0, 300)}`;
  }
  if (streaming) {
    if (!/"content"\s*:\s*"[^"]/.test(text)) return `stream has no content delta: ${text.slice(0, 300)}`;
    if (!text.trimEnd().endsWith('data: [DONE]')) return `stream does not end with data: [DONE]: …${text.slice(-200)}`;
    return null;
  }
  const parsed = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] };
  const content = parsed.choices?.[0]?.message?.content;
  return typeof content === 'string' && content.length > 0 ? null : `no choices[0].message.content: ${text.slice(0, 300)}`;
}

/** Lines of a gateway log that are request log lines (pino JSON with the request's id), counted as a file streams by. */
export class RequestLineCounter {
  count = 0;
  #tail = '';

  push(chunk: string): void {
    const lines = (this.#tail + chunk).split('\n');
    this.#tail = lines.pop() ?? '';
    for (const line of lines) if (isRequestLine(line)) this.count++;
  }

  end(): number {
    if (isRequestLine(this.#tail)) this.count++;
    this.#tail = '';
    return this.count;
  }
}

function isRequestLine(line: string): boolean {
  return line.startsWith('{') && line.includes('"requestId":') && line.includes('"msg":"request');
}
