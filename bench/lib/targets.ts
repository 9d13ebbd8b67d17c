// Small pure pieces of run-bench.ts, here so that tests can import them (run-bench.ts runs when imported).

import type { TargetName, TargetRoute, Upstream } from './options.ts';
import type { ResponseFormat } from './request-body.ts';

/**
 * The order of a group's targets (rounds rotate it): each upstream's direct, floor, gateway, upstream after upstream,
 * so gateway and gateway-azure (or gateway-vertex) run back to back. With three upstreams the OpenAI-compatible
 * gateway goes between the other two gateways: direct, floor, direct-azure, gateway-azure, gateway, gateway-vertex,
 * direct-vertex, so each comparison's per-round ratio still compares neighbouring seconds. A routed gateway
 * (`--routing`: gateway-routed) runs right after the single-channel gateway it is compared with.
 */
export function roundOrder<T extends { name: TargetName; upstream: Upstream; route?: TargetRoute }>(candidates: T[], upstreams: Upstream[]): T[] {
  const single = candidates.filter((candidate) => candidate.route === undefined);
  const routed = candidates.filter((candidate) => candidate.route !== undefined);
  const order = singleChannelOrder(single, upstreams);
  const gateway = order.findIndex((candidate) => candidate.name === 'gateway' && candidate.upstream === 'openai-compatible');
  if (gateway < 0) return [...order, ...routed];
  return [...order.slice(0, gateway + 1), ...routed, ...order.slice(gateway + 1)];
}

function singleChannelOrder<T extends { name: TargetName; upstream: Upstream }>(candidates: T[], upstreams: Upstream[]): T[] {
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

/**
 * `--routing`'s smoke check of the gateway's `x-interchange-route` header (provider "/" upstream-model ":" verdict,
 * entries separated by ";"): the primary channel answered at the first attempt, nothing passed over or failed first,
 * e.g. `emulator-a/gpt-4o-mini:ok@3ms`. Null when so, else what is wrong.
 */
export function checkRouteHeader(value: string | string[] | undefined, channel: string): string | null {
  if (value === undefined) return 'no x-interchange-route header';
  const text = Array.isArray(value) ? value.join(', ') : value;
  const entries = text.split(';');
  const answered = entries.at(-1) ?? '';
  const verdict = answered.slice(answered.lastIndexOf(':') + 1);
  if (answered.slice(0, answered.lastIndexOf(':')) !== channel || !/^ok@\d+ms$/.test(verdict)) {
    return `x-interchange-route "${text}" does not end with ${channel}:ok@…ms`;
  }
  if (entries.length > 1) return `x-interchange-route "${text}": the primary was not the first and only attempt`;
  return null;
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

/** What the gateway's /metrics said about the routed model after the load (`--routing`). */
export type RoutedMetrics = {
  /** interchange_requests_total for the model, by serving provider (status 200 only). */
  servedBy: Record<string, number>;
  /** The model's requests with another status (or no provider). */
  notOk: number;
  /** interchange_fallbacks_total for the model: served by a channel other than the first one tried. */
  fallbacks: number;
  /** interchange_primary_passover_total over every reason (all models: only the routed one has a primary). */
  passovers: number;
};

/** Reads RoutedMetrics for `model` from a Prometheus text exposition (what the gateway's GET /metrics returns). */
export function summarizeRoutedMetrics(text: string, model: string): RoutedMetrics {
  const summary: RoutedMetrics = { servedBy: {}, notOk: 0, fallbacks: 0, passovers: 0 };
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const [, name, labelText = '', valueText] = match;
    const value = Number(valueText);
    if (!Number.isFinite(value)) continue;
    const labels: Record<string, string> = {};
    for (const label of labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label[1]] = label[2];
    if (name === 'interchange_primary_passover_total') summary.passovers += value;
    else if (name === 'interchange_fallbacks_total' && labels.model === model) summary.fallbacks += value;
    else if (name === 'interchange_requests_total' && labels.model === model) {
      if (labels.status === '200' && labels.provider !== undefined && labels.provider !== 'none') {
        summary.servedBy[labels.provider] = (summary.servedBy[labels.provider] ?? 0) + value;
      } else {
        summary.notOk += value;
      }
    }
  }
  return summary;
}
