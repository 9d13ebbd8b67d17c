// The per-request cost of virtual keys: the key check (hash, directory lookup) and the rate-limit stage (RPM and TPM
// buckets for the key and its tenant, reserved and settled), on the neutral request a small chat body parses to.
//   npx node bench/micro/key-check.ts
import { newKey } from '../../src/identity/api-key.ts';
import { KeyDirectory } from '../../src/identity/key-directory.ts';
import { keyIdentityStage, rateLimitStage } from '../../src/identity/key-stages.ts';
import type { Completion, Exchange } from '../../src/pipeline/stages.ts';
import { createChatRequest } from '../../src/spec/index.ts';
import { MemoryRateLimitStore } from '../../src/store/memory/memory-rate-limit-store.ts';
import { measure, report } from './timing.ts';

const secret = newKey();
const limits = { rpm: 1_000_000_000, tpm: 1_000_000_000 };
const directory = new KeyDirectory({
  tenants: [{ id: 'bench', name: 'bench', limits, metadata: {}, createdAt: 0, updatedAt: 0 }],
  keys: [
    {
      id: secret.id,
      prefix: secret.prefix,
      hash: secret.hash,
      tenantId: 'bench',
      team: undefined,
      name: 'bench',
      policy: {},
      limits,
      metadata: {},
      expiresAt: undefined,
      revokedAt: undefined,
      previousHash: undefined,
      previousValidUntil: undefined,
      createdAt: 0,
      updatedAt: 0,
    },
  ],
});
const identity = keyIdentityStage(directory);
const limiter = rateLimitStage(new MemoryRateLimitStore());
const headers = { authorization: `Bearer ${secret.key}`, 'content-type': 'application/json' };
const request = createChatRequest({ model: 'gpt-4o-mini', maxOutputTokens: 64, messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello in one short sentence.' }] }] });
const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 20, text: 20, reasoning: 0 } };
const completion = { attempts: [{}], usage } as unknown as Completion;

report('Virtual keys, per request:', [
  measure('key check (identify)', () => identity.identify(headers)),
  measure('key check + rate limits (admit and settle)', () => {
  const exchange = { endpoint: 'chat_completions', request, caller: identity.identify(headers), finishers: undefined } as unknown as Exchange<unknown>;
  limiter.admit(exchange);
    for (const finish of exchange.finishers ?? []) finish(completion);
  }),
]);
