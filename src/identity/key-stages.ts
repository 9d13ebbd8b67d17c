/**
 * The pipeline stages of virtual keys:
 *  - `keyIdentityStage` tells who calls from `Authorization: Bearer <key>` or `api-key: <key>`, before the body is
 *    read (401 otherwise);
 *  - `keyAccessStage` holds the key to its models and providers (403 `model_not_allowed`);
 *  - `rateLimitStage` enforces the key's and its tenant's RPM, TPM and streams at once (429 `rate_limit_exceeded`).
 * Every check reads the in-memory directory and store, never the database.
 */
import { GatewayError } from '../errors/index.ts';
import type { AdmissionStage, Completion, Exchange, IdentityStage, RequestHeaders } from '../pipeline/stages.ts';
import { describeEmbeddingRequest, describeRequest } from '../routing/index.ts';
import type { ChatRequest, EmbeddingRequest } from '../spec/index.ts';
import type { Limits } from '../store/identity-store.ts';
import type { RateBucket, RateLimitStore } from '../store/rate-limit-store.ts';
import { isCaller, type Caller, type KeyDirectory, type KeyRefusal } from './key-directory.ts';

/** Output tokens reserved for a request that sets no output limit; settled to the real count afterwards. */
export const defaultOutputReserve = 1_024;

export function keyIdentityStage(directory: KeyDirectory, clock: () => number = Date.now): IdentityStage {
  return {
    name: 'keys',
    needs: { headers: ['authorization', 'api-key'] },
    identify(headers) {
      const result = directory.authenticate(presentedKey(headers), clock());
      if (isCaller(result)) return result;
      throw refusalError(result);
    },
  };
}

/** The key a request presents: `Authorization: Bearer <key>` (the openai SDK) or `api-key: <key>` (Azure clients). */
export function presentedKey(headers: RequestHeaders): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === 'bearer ') return authorization.slice(7).trim();
  const apiKey = headers['api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : undefined;
}

function refusalError(refusal: KeyRefusal): GatewayError {
  switch (refusal.reason) {
    case 'missing':
      return new GatewayError('invalid_api_key', 'No API key was sent: send "Authorization: Bearer <key>" (or "api-key: <key>").');
    case 'unknown':
      return new GatewayError('invalid_api_key', 'The API key is not valid.');
    case 'expired':
      return new GatewayError('api_key_expired', `The API key expired at ${new Date(refusal.at).toISOString()}.`);
    case 'revoked':
      return new GatewayError('api_key_revoked', `The API key was revoked at ${new Date(refusal.at).toISOString()}.`);
    case 'rotated':
      return new GatewayError('api_key_revoked', `The API key was rotated; this secret stopped working at ${new Date(refusal.at).toISOString()}.`);
  }
}

export function keyAccessStage(): AdmissionStage {
  return {
    name: 'key-access',
    needs: {},
    admit(exchange) {
      const caller = exchange.caller;
      if (caller === undefined) return;
      const model = exchange.model!;
      if (!modelAllowed(caller, model)) throw new GatewayError('model_not_allowed', `This API key may not use the model "${model.name}".`, { param: 'model' });
      if (!providerServes(caller, model)) {
        throw new GatewayError('model_not_allowed', `This API key may not use the model "${model.name}": none of the providers it may use (${caller.providers!.join(', ')}) serves it.`, {
          param: 'model',
        });
      }
    },
  };
}

type ModelChannels = { readonly name: string; readonly channels: readonly { readonly provider: string }[] };

function modelAllowed(caller: Caller, model: ModelChannels): boolean {
  return caller.models === undefined || caller.models.has(model.name);
}

function providerServes(caller: Caller, model: ModelChannels): boolean {
  const providers = caller.providers;
  return providers === undefined || model.channels.some((channel) => providers.includes(channel.provider));
}

/** Whether a key may see `model` (used by `GET /v1/models`): the same two rules as the access stage. */
export function mayUse(caller: Caller, model: ModelChannels): boolean {
  return modelAllowed(caller, model) && providerServes(caller, model);
}

function hasLimits(limits: Limits): boolean {
  return limits.rpm !== undefined || limits.tpm !== undefined || limits.maxStreams !== undefined;
}

/**
 * RPM and TPM per key and per tenant (buckets in the store, all or nothing), and streams open at once. TPM is reserved
 * up front, the prompt's estimate plus the request's output limit (or `defaultOutputReserve`), and settled to the
 * real count when the request is over; a request that never reached an upstream gives it all back.
 */
export function rateLimitStage(store: RateLimitStore, clock: () => number = Date.now): AdmissionStage {
  return {
    name: 'rate-limits',
    needs: {},
    admit(exchange) {
      const caller = exchange.caller;
      if (caller === undefined) return;
      const own = caller.limits;
      const tenant = caller.tenantLimits;
      if (!hasLimits(own) && !hasLimits(tenant)) return;
      const now = clock();
      const tokens = own.tpm !== undefined || tenant.tpm !== undefined ? reservedTokens(exchange) : 0;
      const names = caller.buckets;
      const buckets: RateBucket[] = [];
      if (own.rpm !== undefined) buckets.push({ key: names.keyRpm, limit: own.rpm, cost: 1 });
      if (tenant.rpm !== undefined) buckets.push({ key: names.tenantRpm, limit: tenant.rpm, cost: 1 });
      if (own.tpm !== undefined) buckets.push({ key: names.keyTpm, limit: own.tpm, cost: tokens });
      if (tenant.tpm !== undefined) buckets.push({ key: names.tenantTpm, limit: tenant.tpm, cost: tokens });
      if (buckets.length > 0) {
        const refusal = store.take(buckets, now);
        if (refusal !== undefined) throw limitError(store, caller, buckets, refusal.index, refusal.retryAfterMs, now);
      }
      const streams = exchange.endpoint !== 'embeddings' && (exchange.request as ChatRequest).stream ? holdStreams(store, caller) : undefined;
      if (tokens === 0 && streams === undefined) return;
      (exchange.finishers ??= []).push((completion) => {
        if (streams !== undefined) for (const key of streams) store.release(key);
        if (tokens > 0) settleTokens(store, caller, tokens, completion, clock());
      });
    },
  };
}

function reservedTokens(exchange: Exchange<unknown>): number {
  if (exchange.endpoint === 'embeddings') return describeEmbeddingRequest(exchange.request as EmbeddingRequest).promptTokens;
  const request = exchange.request as ChatRequest;
  return describeRequest(request).promptTokens + (request.maxOutputTokens ?? defaultOutputReserve);
}

/** Takes a stream slot of the key and of its tenant; the keys to release, or throws 429 holding none. */
function holdStreams(store: RateLimitStore, caller: Caller): string[] | undefined {
  const held: string[] = [];
  const take = (key: string, max: number | undefined, whose: string) => {
    if (max === undefined) return;
    if (store.acquire(key, max)) {
      held.push(key);
      return;
    }
    for (const taken of held) store.release(taken);
    throw new GatewayError('rate_limit_exceeded', `${whose} has ${max} ${max === 1 ? 'stream' : 'streams'} open, its limit; retry when one ends.`, { retryAfterMs: 1_000 });
  };
  take(caller.buckets.keyStreams, caller.limits.maxStreams, 'This API key');
  take(caller.buckets.tenantStreams, caller.tenantLimits.maxStreams, `The tenant "${caller.tenantId}"`);
  return held.length === 0 ? undefined : held;
}

function settleTokens(store: RateLimitStore, caller: Caller, reserved: number, completion: Completion, now: number): void {
  const usage = completion.usage;
  // No upstream call: nothing was spent. A call without usage (a failed stream): the reservation stands.
  const spent = completion.attempts.length === 0 ? 0 : usage === undefined ? reserved : usage.inputTokens.total + usage.outputTokens.total;
  const delta = spent - reserved;
  if (delta === 0) return;
  if (caller.limits.tpm !== undefined) store.adjust(caller.buckets.keyTpm, caller.limits.tpm, delta, now);
  if (caller.tenantLimits.tpm !== undefined) store.adjust(caller.buckets.tenantTpm, caller.tenantLimits.tpm, delta, now);
}

/** A 429 with OpenAI's rate-limit headers for the key's own request and token buckets. */
function limitError(store: RateLimitStore, caller: Caller, buckets: readonly RateBucket[], index: number, retryAfterMs: number, now: number): GatewayError {
  const refused = buckets[index];
  const whose = refused.key.startsWith('tenant:') ? `The tenant "${caller.tenantId}"` : 'This API key';
  const kind = refused.key.endsWith(':rpm') ? 'requests' : 'tokens';
  const headers: Record<string, string> = {};
  for (const bucket of buckets) {
    const bucketKind = bucket.key.endsWith(':rpm') ? 'requests' : 'tokens';
    if (headers[`x-ratelimit-limit-${bucketKind}`] !== undefined && bucket !== refused) continue;
    const state = store.state(bucket.key, bucket.limit, now);
    headers[`x-ratelimit-limit-${bucketKind}`] = String(bucket.limit);
    headers[`x-ratelimit-remaining-${bucketKind}`] = String(state.remaining);
    headers[`x-ratelimit-reset-${bucketKind}`] = `${(state.resetMs / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
  }
  if (!Number.isFinite(retryAfterMs)) {
    return new GatewayError('rate_limit_exceeded', `${whose} allows ${refused.limit} tokens per minute; this request needs ${refused.cost} (its prompt and output limit). Lower max_tokens.`, {
      headers,
    });
  }
  const per = kind === 'requests' ? 'requests per minute' : 'tokens per minute';
  return new GatewayError('rate_limit_exceeded', `${whose} is over its limit of ${refused.limit} ${per}; retry in ${Math.ceil(retryAfterMs / 1000)} s.`, {
    retryAfterMs,
    headers,
  });
}
