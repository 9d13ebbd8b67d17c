// Small pure pieces of run-bench.ts, here so that tests can import them (run-bench.ts runs when imported).

import type { TargetName, Upstream } from './options.ts';
import type { ResponseFormat } from './request-body.ts';

/**
 * The order of a group's targets (rounds rotate it): each upstream's direct, floor, gateway, upstream after upstream,
 * so gateway and gateway-azure (or gateway-vertex) run back to back. With three upstreams the OpenAI-compatible
 * gateway goes between the other two gateways: direct, floor, direct-azure, gateway-azure, gateway, gateway-vertex,
 * direct-vertex, so each comparison's per-round ratio still compares neighbouring seconds.
 */
export function roundOrder<T extends { name: TargetName; upstream: Upstream }>(candidates: T[], upstreams: Upstream[]): T[] {
  const pick = (name: TargetName, upstream: Upstream) => candidates.filter((candidate) => candidate.name === name && candidate.upstream === upstream);
  if (upstreams.length > 2) {
    const [main, first, ...rest] = upstreams;
    return [
      ...pick('direct', main),
      ...pick('floor', main),
      ...pick('direct', first),
      ...pick('floor', first),
      ...pick('gateway', first),
      ...pick('gateway', main),
      ...rest.flatMap((upstream) => [...pick('gateway', upstream), ...pick('floor', upstream), ...pick('direct', upstream)]),
    ];
  }
  return upstreams.flatMap((upstream) => candidates.filter((candidate) => candidate.upstream === upstream));
}

/** Whether a response body has the shape its format promises (null) or what is wrong with it. */
export function checkResponseShape(text: string, streaming: boolean, format: ResponseFormat): string | null {
  if (format === 'gemini') {
    if (streaming) {
      if (!/"text"\s*:\s*"[^"]/.test(text)) return `stream has no text part: ${text.slice(0, 300)}`;
      if (!/"finishReason"\s*:\s*"[A-Z_]+"/.test(text)) return `stream has no finishReason: …${text.slice(-200)}`;
      return null;
    }
    const parsed = JSON.parse(text) as { candidates?: { content?: { parts?: { text?: unknown }[] } }[] };
    const part = parsed.candidates?.[0]?.content?.parts?.[0]?.text;
    if (typeof part !== 'string' || part.length === 0) return `no candidates[0].content.parts[0].text: ${text.slice(0, 300)}`;
    return null;
  }
  if (streaming) {
    if (!/"content"\s*:\s*"[^"]/.test(text)) return `stream has no content delta: ${text.slice(0, 300)}`;
    if (!text.trimEnd().endsWith('data: [DONE]')) return `stream does not end with data: [DONE]: …${text.slice(-200)}`;
    return null;
  }
  const parsed = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] };
  const content = parsed.choices?.[0]?.message?.content;
  if (typeof content !== 'string' || content.length === 0) return `no choices[0].message.content: ${text.slice(0, 300)}`;
  return null;
}
