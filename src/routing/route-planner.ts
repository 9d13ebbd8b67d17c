/**
 * Plans a request's route: which of the model's channels to try, in which order, and why the others were passed over.
 * Pure: it reads the compiled route, the request's features, the client's preferences and the state readers, and
 * never calls a provider. (This supersedes `plan-route.ts` once the executor is wired to it.)
 *
 * Each channel is considered in the route's order and checked, first failing check wins:
 *   1. client preferences `ignore`/`only`                    → excluded: preference ignore / only
 *   2. licence on today's UTC day                            → excluded: licence expired / from / exclusive
 *   3. region (operator requirement, then client preference) → excluded: region eu-only
 *   4. data policy (zero retention)                          → excluded: data policy zero retention required
 *   5. capabilities (vision, inline image types, tools, JSON schema, streaming, context window, max output)
 *                                                            → unable: no vision, image type image/gif …
 *   6. circuit breaker open                                  → unable: circuit open
 *      (half-open is a candidate: the executor asks the breaker's `allowRequest` before the call and, when refused,
 *      records `trace.attemptSkipped(channel, reasons.circuitHalfOpen)` and moves on)
 *   7. capacity window (TPM, then RPM), then decline rules   → declined: capacity tpm 2,000,000 reached / rule night-batch
 *   8. cooling down after retry-after                        → unable: 429 retry-after 2s, but kept as a last resort
 * The ready channels are then ordered by the policy, moved by the client's `order` or, when it gives none, by the
 * route's active prefer rules (a commitment behind its pace puts its provider first; the channels it moves back are
 * recorded `declined: commitment <name>` and tried after it), cut by `allow_fallbacks`; the cooling channels follow,
 * soonest available first (the executor waits one out only when nothing else is left).
 *
 * Policies: `ordered` and `primary-first` keep the route's order (primary first); `weighted` draws the first channel
 * once in proportion to weight, the rest by weight; `round-robin` rotates by the counter in state; `lowest-cost`
 * ranks by prompt tokens × input price + expected output tokens × output price (unpriced channels last);
 * `lowest-latency` ranks by moving-average time to first token (unobserved channels first, so they get measured).
 * Sticky routes (weighted, round-robin) put the rendezvous-hash winner for the request's key first: the same key keeps
 * the same first channel while that channel stays a candidate, and losing a channel moves only its keys.
 *
 * State is read through the store readers in `state` (`src/store/`), synchronously, by the channel's precomputed key
 * (`channel.id`; round-robin turns by the model name): no read waits and none builds a key.
 *
 * Fast paths (the hot path must stay free): a channel with every capability and no limits skips the capability
 * check; state readers absent from `state` cost nothing; while every channel is ready, the plan returns the route's
 * precomputed order itself (no array is allocated) for ordered and primary-first, and the skipped list is a shared
 * empty array. A one-channel model with no rules allocates the plan and its trace, nothing else. The other policies
 * copy the ready list once and sort it in place (insertion sort, no comparator closure).
 */
import { hashString } from './model-route.ts';
import { utcDay } from './licences.ts';
import {
  capacityReason,
  contextReason,
  cooldownReason,
  declineRuleReason,
  imageTypeReason,
  maxOutputReason,
  passReason,
  reasons,
  regionReason,
} from './pass-reasons.ts';
import { RouteTrace } from './route-trace.ts';
import type {
  CapacityLimit,
  CapacityReader,
  ChannelCapacity,
  ModelRoute,
  PassReason,
  PreferRule,
  RequestFeatures,
  RouteChannel,
  RouteInput,
  SkippedChannel,
} from './routing-types.ts';

export interface RoutePlan {
  /** Channels to try, in order. Shared with the route when nothing was skipped: never mutate. */
  readonly candidates: readonly RouteChannel[];
  /** Channels passed over, in the order considered; `deferred` ones also end the candidate list. */
  readonly skipped: readonly SkippedChannel[];
  /** Prompt tokens plus the output limit (or the route's expected output): what to record in capacity windows. */
  readonly estimatedTokens: number;
  readonly trace: RouteTrace;
}

const noneSkipped: readonly SkippedChannel[] = Object.freeze([]);

/** Whether `name` designates the channel: its provider, its id or its provider kind. */
export function namesChannel(name: string, channel: RouteChannel): boolean {
  return name === channel.provider || name === channel.id || name === channel.providerKind;
}

function namedIn(names: readonly string[], channel: RouteChannel): boolean {
  for (const name of names) if (namesChannel(name, channel)) return true;
  return false;
}

function regionAllowed(allowed: readonly string[], channel: RouteChannel): boolean {
  for (const region of allowed) {
    if (region === channel.region || channel.regionGroups.includes(region)) return true;
  }
  return false;
}

/** Tokens the request may take: prompt plus its output limit, or the route's expected output. */
export function requestTokens(route: ModelRoute, request: RequestFeatures): number {
  return request.promptTokens + (request.maxOutputTokens ?? route.expectedOutputTokens);
}

/** Why the channel cannot serve this request at all (capabilities), or undefined. */
export function capabilityReason(channel: RouteChannel, request: RequestFeatures): PassReason | undefined {
  if (!channel.checksCapabilities) return undefined;
  const capabilities = channel.capabilities;
  if (request.vision && !capabilities.vision) return reasons.noVision;
  const imageTypes = request.imageTypes;
  if (imageTypes !== undefined && imageTypes.length > 0 && capabilities.imageTypes !== undefined) {
    for (const imageType of imageTypes) if (!capabilities.imageTypes.includes(imageType)) return imageTypeReason(imageType);
  }
  if (request.tools && !capabilities.tools) return reasons.noTools;
  if (request.jsonSchema && !capabilities.jsonSchema) return reasons.noJsonSchema;
  if (request.streaming && !capabilities.streaming) return reasons.noStreaming;
  const maxOutput = capabilities.maxOutputTokens;
  if (maxOutput !== undefined && request.maxOutputTokens !== undefined && request.maxOutputTokens > maxOutput) return maxOutputReason(maxOutput);
  const window = capabilities.contextWindow;
  if (window !== undefined) {
    const output = request.maxOutputTokens ?? 0;
    // The upper bound settles most requests; otherwise the exact count, or the estimate when none was made.
    if (request.promptTokensUpperBound + output > window && request.promptTokens + output > window) return contextReason(request.promptTokens + output, window);
  }
  return undefined;
}

/** The limit (tokens first) one more request of `tokens` would take the channel's window past; undefined if it fits. */
export function capacityExceeded(capacity: ChannelCapacity, window: CapacityReader, key: string, tokens: number, now: number): CapacityLimit | undefined {
  if (capacity.tpm !== undefined && window.tokens(key, now) + tokens > capacity.tpm) return 'tpm';
  if (capacity.rpm !== undefined && window.requests(key, now) + 1 > capacity.rpm) return 'rpm';
  return undefined;
}

/**
 * Why `channel` is passed over for this request, or undefined when it is ready (cooldowns aside, see planRoute).
 * Exported for `route explain` and tests.
 */
export function channelPassReason(channel: RouteChannel, input: RouteInput, tokens: number): PassReason | undefined {
  const preferences = input.preferences;
  if (preferences !== undefined) {
    if (preferences.ignore !== undefined && namedIn(preferences.ignore, channel)) return reasons.ignorePreference;
    if (preferences.only !== undefined && !namedIn(preferences.only, channel)) return reasons.onlyPreference;
  }
  const state = input.state;
  if (state.licences !== undefined) {
    const verdict = state.licences.licenceFor(channel, input.route.model, utcDay(input.now));
    switch (verdict.status) {
      case 'expired':
        return passReason('excluded', 'licence-expired', `licence expired ${verdict.until}`);
      case 'not-yet':
        return passReason('excluded', 'licence-not-yet', `licence from ${verdict.from}`);
      case 'exclusive-elsewhere':
        return passReason('excluded', 'licence-exclusive', `licence exclusive to ${verdict.holder}`);
      default:
        break;
    }
  }
  const requirements = input.requirements;
  if (requirements?.keyProviders !== undefined && !requirements.keyProviders.includes(channel.provider)) return reasons.keyProvider;
  if (requirements?.keyRegions !== undefined && !regionAllowed(requirements.keyRegions, channel)) return regionReason(requirements.keyRegions, false);
  if (requirements?.allowedRegions !== undefined && !regionAllowed(requirements.allowedRegions, channel)) return regionReason(requirements.allowedRegions, false);
  if (preferences?.requireRegion !== undefined && !regionAllowed(preferences.requireRegion, channel)) return regionReason(preferences.requireRegion, true);
  if (requirements?.zeroRetention === true && channel.dataPolicy?.zeroRetention !== true) return reasons.zeroRetention;
  if (preferences?.zeroRetention === true && channel.dataPolicy?.zeroRetention !== true) return reasons.zeroRetentionPreference;
  const capability = capabilityReason(channel, input.request);
  if (capability !== undefined) return capability;
  if (state.breakers !== undefined && state.breakers.stateOf(channel.id, input.now) === 'open') return reasons.circuitOpen;
  if (state.capacity !== undefined && channel.capacity !== undefined) {
    const exceeded = capacityExceeded(channel.capacity, state.capacity, channel.id, tokens, input.now);
    if (exceeded !== undefined) return capacityReason(exceeded, channel.capacity[exceeded]);
  }
  const rules = channel.declineRules;
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index];
    if (rule.declines(channel, input)) return declineRuleReason(rule.kind, rule.name);
  }
  return undefined;
}

/** Moves the element at `from` to the front, shifting the ones before it. */
function moveToFront(list: RouteChannel[], from: number): void {
  const chosen = list[from];
  for (let index = from; index > 0; index--) list[index] = list[index - 1];
  list[0] = chosen;
}

/** Index of the weighted draw among channels with a positive weight; -1 when none has one. */
function weightedDraw(list: readonly RouteChannel[], random: () => number): number {
  let total = 0;
  for (const channel of list) total += channel.weight;
  if (total <= 0) return -1;
  let draw = random() * total;
  let last = -1;
  for (let index = 0; index < list.length; index++) {
    const weight = list[index].weight;
    if (weight <= 0) continue;
    last = index;
    if (draw < weight) return index;
    draw -= weight;
  }
  return last;
}

/** murmur3's 32-bit finaliser. */
function mix(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Weighted rendezvous (highest random weight) hashing: the channel with the highest `-weight / ln(u)`, u being a
 * uniform hash of (key, channel). -1 when no channel has a positive weight.
 */
export function rendezvousPick(list: readonly RouteChannel[], keyHash: number): number {
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < list.length; index++) {
    const channel = list[index];
    if (channel.weight <= 0) continue;
    const unit = (mix(keyHash ^ Math.imul(channel.hash, 0x9e3779b1)) + 0.5) / 4_294_967_296;
    const score = -channel.weight / Math.log(unit);
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  }
  return best;
}

function cost(channel: RouteChannel, promptTokens: number, outputTokens: number): number {
  const price = channel.price;
  if (price === undefined) return Number.POSITIVE_INFINITY;
  return promptTokens * price.inputMicrosPerMillion + outputTokens * price.outputMicrosPerMillion;
}

/** Stable insertion sort by cost (a few channels: cheaper than Array.sort with a closure). */
function sortByCost(list: RouteChannel[], promptTokens: number, outputTokens: number): void {
  for (let index = 1; index < list.length; index++) {
    const channel = list[index];
    const key = cost(channel, promptTokens, outputTokens);
    let position = index - 1;
    while (position >= 0 && cost(list[position], promptTokens, outputTokens) > key) {
      list[position + 1] = list[position];
      position--;
    }
    list[position + 1] = channel;
  }
}

function latency(channel: RouteChannel, input: RouteInput): number {
  return input.state.latency?.averageMs(channel.id) ?? 0;
}

function sortByLatency(list: RouteChannel[], input: RouteInput): void {
  for (let index = 1; index < list.length; index++) {
    const channel = list[index];
    const key = latency(channel, input);
    let position = index - 1;
    while (position >= 0 && latency(list[position], input) > key) {
      list[position + 1] = list[position];
      position--;
    }
    list[position + 1] = channel;
  }
}

/** Stable partition: channels named in `order` first, in its order; then the rest as they were. */
function applyOrderPreference(list: readonly RouteChannel[], order: readonly string[]): RouteChannel[] {
  const result: RouteChannel[] = [];
  for (const name of order) {
    for (const channel of list) if (namesChannel(name, channel) && !result.includes(channel)) result.push(channel);
  }
  for (const channel of list) if (!result.includes(channel)) result.push(channel);
  return result;
}

/**
 * The active rules' preferred channels first (in the order they had), then the others: each ready channel that was
 * ahead of a preferred one is recorded as declined by the first active rule (deferred: still a candidate). Undefined
 * when no rule is active or the order stays as it was.
 */
function applyPreferRules(list: readonly RouteChannel[], rules: readonly PreferRule[], input: RouteInput): { candidates: RouteChannel[]; moved: SkippedChannel[] } | undefined {
  let active: PreferRule[] | undefined;
  for (const rule of rules) if (rule.active(input)) (active ??= []).push(rule);
  if (active === undefined) return undefined;
  const preferredBy = (channel: RouteChannel) => active.find((rule) => rule.prefers(channel));
  let firstRule: PreferRule | undefined;
  let lastPreferred = -1;
  for (let index = 0; index < list.length; index++) {
    const rule = preferredBy(list[index]);
    if (rule === undefined) continue;
    firstRule ??= rule;
    lastPreferred = index;
  }
  if (firstRule === undefined) return undefined;
  const reason = declineRuleReason(firstRule.kind, firstRule.name);
  const first: RouteChannel[] = [];
  const rest: RouteChannel[] = [];
  const moved: SkippedChannel[] = [];
  for (let index = 0; index < list.length; index++) {
    const channel = list[index];
    if (preferredBy(channel) !== undefined) first.push(channel);
    else {
      rest.push(channel);
      if (index < lastPreferred) moved.push({ channel, reason, deferred: true });
    }
  }
  return moved.length === 0 ? undefined : { candidates: [...first, ...rest], moved };
}

/** The policy's order of the ready channels; returns `ready` itself when it keeps the order and may be shared. */
function orderReady(ready: readonly RouteChannel[], input: RouteInput, owned: boolean): readonly RouteChannel[] {
  const route = input.route;
  if (ready.length < 2) return ready;
  switch (route.policy) {
    case 'ordered':
    case 'primary-first':
      return ready;
    case 'weighted':
    case 'round-robin': {
      const list = owned ? (ready as RouteChannel[]) : ready.slice();
      if (route.sticky && input.stickyKey !== undefined) {
        const pick = rendezvousPick(list, hashString(input.stickyKey));
        if (pick > 0) moveToFront(list, pick);
        return list;
      }
      if (route.policy === 'weighted') {
        const pick = weightedDraw(list, input.random);
        if (pick > 0) moveToFront(list, pick);
        return list;
      }
      const turn = input.state.roundRobin?.next(route.model) ?? 0;
      const start = turn % list.length;
      if (start === 0) return list;
      const rotated: RouteChannel[] = [];
      for (let index = 0; index < list.length; index++) rotated.push(list[(start + index) % list.length]);
      return rotated;
    }
    case 'lowest-cost': {
      const list = owned ? (ready as RouteChannel[]) : ready.slice();
      sortByCost(list, input.request.promptTokens, input.request.maxOutputTokens ?? route.expectedOutputTokens);
      return list;
    }
    case 'lowest-latency': {
      const list = owned ? (ready as RouteChannel[]) : ready.slice();
      sortByLatency(list, input);
      return list;
    }
  }
}

/**
 * `allow_fallbacks: false`: only the channels the client's `order` names (in candidate order), or only the first
 * candidate when it names none. The others are recorded as passed over (a dropped cooling channel keeps its reason).
 */
function withoutFallbacks(list: readonly RouteChannel[], order: readonly string[] | undefined, skipped: SkippedChannel[]): readonly RouteChannel[] {
  const named = order !== undefined && order.length > 0;
  let kept: RouteChannel[] | undefined;
  for (let index = 0; index < list.length; index++) {
    const channel = list[index];
    const keep = named ? namedIn(order, channel) : index === 0;
    if (keep) {
      (kept ??= []).push(channel);
      continue;
    }
    const existing = skipped.findIndex((entry) => entry.channel === channel);
    if (existing >= 0) skipped[existing] = { channel, reason: skipped[existing].reason, deferred: false };
    else skipped.push({ channel, reason: reasons.noFallbackPreference, deferred: false });
  }
  return kept ?? [];
}

export function planRoute(input: RouteInput): RoutePlan {
  const route = input.route;
  const order = route.order;
  const now = input.now;
  const cooldowns = input.state.cooldowns;
  const tokens = requestTokens(route, input.request);

  // Allocated on the first channel that is not ready; until then the ready list is a prefix of `order`.
  let ready: RouteChannel[] | undefined;
  let skipped: SkippedChannel[] | undefined;
  let deferred: RouteChannel[] | undefined;
  let deferredMs: number[] | undefined;

  for (let index = 0; index < order.length; index++) {
    const channel = order[index];
    const reason = channelPassReason(channel, input, tokens);
    if (reason === undefined) {
      const cooling = cooldowns === undefined ? 0 : cooldowns.remainingMs(channel.id, now);
      if (cooling <= 0) {
        ready?.push(channel);
        continue;
      }
      (skipped ??= []).push({ channel, reason: cooldownReason(cooling), deferred: true });
      deferred ??= [];
      deferredMs ??= [];
      let position = deferred.length;
      while (position > 0 && deferredMs[position - 1] > cooling) position--;
      deferred.splice(position, 0, channel);
      deferredMs.splice(position, 0, cooling);
    } else {
      (skipped ??= []).push({ channel, reason, deferred: false });
    }
    ready ??= order.slice(0, index);
  }

  const readyList: readonly RouteChannel[] = ready ?? order;
  let candidates = orderReady(readyList, input, ready !== undefined);
  const preferences = input.preferences;
  const ordered = preferences?.order !== undefined && preferences.order.length > 0;
  if (ordered && candidates.length > 1) candidates = applyOrderPreference(candidates, preferences.order!);
  // The client's own order outranks the operator's preferences.
  else if (route.preferRules.length > 0 && candidates.length > 1) {
    const preferred = applyPreferRules(candidates, route.preferRules, input);
    if (preferred !== undefined) {
      candidates = preferred.candidates;
      skipped = skipped === undefined ? preferred.moved : [...skipped, ...preferred.moved];
    }
  }
  if (deferred !== undefined) candidates = candidates.length === 0 ? deferred : [...candidates, ...deferred];
  if (preferences !== undefined && !preferences.allowFallbacks) candidates = withoutFallbacks(candidates, preferences.order, (skipped ??= []));
  const skippedList = skipped ?? noneSkipped;
  const primary = route.policy === 'primary-first' ? route.primary : undefined;
  return { candidates, skipped: skippedList, estimatedTokens: tokens, trace: new RouteTrace(route.model, route.policy, candidates, skippedList, primary) };
}
