import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BearerTokenSource } from './bearer-token-source.ts';

/** A credential issuing `token-1`, `token-2`, … that expire `lifetimeMs` after issue, on a clock the test moves. */
class ExpiringCredential implements TokenCredential {
  calls = 0;
  failNext = false;
  readonly scopes: string[] = [];
  readonly clock: { now: number };
  readonly lifetimeMs: number;
  readonly delayMs = 5;
  constructor(clock: { now: number }, lifetimeMs: number) {
    this.clock = clock;
    this.lifetimeMs = lifetimeMs;
  }
  async getToken(scopes: string | string[]): Promise<AccessToken | null> {
    this.calls++;
    this.scopes.push(String(scopes));
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('AADSTS700016: application not found');
    }
    return { token: `token-${this.calls}`, expiresOnTimestamp: this.clock.now + this.lifetimeMs };
  }
}

const scope = 'https://cognitiveservices.azure.com/.default';
const base = Object.freeze({ 'content-type': 'application/json' });

function setup(lifetimeMs = 60 * 60_000, refreshMarginMs = 5 * 60_000) {
  const clock = { now: 1_000_000 };
  const credential = new ExpiringCredential(clock, lifetimeMs);
  const source = new BearerTokenSource(() => credential.getToken(scope), `Entra ID token for ${scope}`, base, { refreshMarginMs, retryAfterFailureMs: 10_000, now: () => clock.now });
  return { clock, credential, source };
}

async function authorization(source: BearerTokenSource): Promise<string> {
  return (await source.headers()).authorization;
}

describe('BearerTokenSource', () => {
  it('fetches the first token once however many requests wait for it, for the Azure OpenAI scope', async () => {
    const { credential, source } = setup();
    const all = await Promise.all(Array.from({ length: 20 }, () => authorization(source)));
    assert.deepEqual(new Set(all), new Set(['Bearer token-1']));
    assert.equal(credential.calls, 1);
    assert.deepEqual(credential.scopes, [scope]);
    assert.equal((await source.headers())['content-type'], 'application/json');
  });

  it('serves a fresh token synchronously, the same headers object, without calling the credential', async () => {
    const { clock, credential, source } = setup();
    const first = await source.headers();
    clock.now += 30 * 60_000;
    const again = source.headers();
    assert.ok(!(again instanceof Promise));
    assert.equal(again, first);
    assert.equal(credential.calls, 1);
  });

  it('refreshes ahead of expiry in the background, once, while requests keep the valid token', async () => {
    const { clock, credential, source } = setup();
    await source.headers();
    clock.now += 56 * 60_000; // inside the 5-minute margin, still valid
    const during = Array.from({ length: 10 }, () => source.headers());
    for (const headers of during) {
      assert.ok(!(headers instanceof Promise), 'no request waits for the refresh');
      assert.equal(headers.authorization, 'Bearer token-1');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(credential.calls, 2, 'one refresh for ten requests');
    assert.equal(await authorization(source), 'Bearer token-2');
  });

  it('waits for a new token once the old one expired unrefreshed', async () => {
    const { clock, credential, source } = setup();
    await source.headers();
    clock.now += 61 * 60_000;
    const pending = source.headers();
    assert.ok(pending instanceof Promise);
    assert.equal((await pending).authorization, 'Bearer token-2');
    assert.equal(credential.calls, 2);
  });

  it('keeps the valid token when a background refresh fails, and retries after the back-off', async () => {
    const { clock, credential, source } = setup();
    await source.headers();
    clock.now += 56 * 60_000;
    credential.failNext = true;
    assert.equal((source.headers() as { authorization: string }).authorization, 'Bearer token-1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(credential.calls, 2);
    assert.equal((source.headers() as { authorization: string }).authorization, 'Bearer token-1', 'served during the back-off');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(credential.calls, 2, 'no retry during the back-off');
    clock.now += 11_000;
    source.headers();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(credential.calls, 3);
    assert.equal(await authorization(source), 'Bearer token-3');
  });

  it('rejects with a clear message when no token can be had', async () => {
    const { credential, source } = setup();
    credential.failNext = true;
    await assert.rejects(source.headers() as Promise<unknown>, /Entra ID token for https:\/\/cognitiveservices\.azure\.com\/\.default could not be obtained: AADSTS700016/);
    assert.equal(await authorization(source), 'Bearer token-2', 'the next request tries again');
  });

  it('honours the refresh time the token gives', async () => {
    const clock = { now: 0 };
    let calls = 0;
    const credential: TokenCredential = {
      async getToken() {
        calls++;
        return { token: `t${calls}`, expiresOnTimestamp: clock.now + 3_600_000, refreshAfterTimestamp: clock.now + 1_000 };
      },
    };
    const source = new BearerTokenSource(() => credential.getToken(scope), `Entra ID token for ${scope}`, base, { now: () => clock.now });
    await source.headers();
    clock.now = 1_500;
    source.headers();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(calls, 2);
  });
});
