/**
 * Microsoft Entra ID bearer tokens for upstream calls, cached and refreshed before they expire. A request never waits
 * for a token except the very first one (or after a token expired unrefreshed); refreshes are single-flight, so one
 * refresh costs one `getToken` call however many requests arrive meanwhile.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';

export interface EntraTokenSourceOptions {
  /** Refresh this long before expiry when the token gives no refresh time of its own. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  /** After a failed background refresh, wait this long before trying again. Default 10 s. */
  readonly retryAfterFailureMs?: number;
  readonly now?: () => number;
}

export class EntraTokenSource {
  readonly #credential: TokenCredential;
  readonly #scope: string;
  readonly #baseHeaders: Readonly<Record<string, string>>;
  readonly #refreshMarginMs: number;
  readonly #retryAfterFailureMs: number;
  readonly #now: () => number;
  #headers: Readonly<Record<string, string>> | undefined;
  #expiresAt = 0;
  #refreshAt = 0;
  #pending: Promise<Readonly<Record<string, string>>> | undefined;
  #refreshes = 0;

  constructor(credential: TokenCredential, scope: string, baseHeaders: Readonly<Record<string, string>>, options: EntraTokenSourceOptions = {}) {
    this.#credential = credential;
    this.#scope = scope;
    this.#baseHeaders = baseHeaders;
    this.#refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.#retryAfterFailureMs = options.retryAfterFailureMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** How many times a token was fetched (for tests and diagnostics). */
  get refreshes(): number {
    return this.#refreshes;
  }

  /** The headers with a valid bearer token: the cached object while fresh, a promise only when none is valid. */
  headers(): Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>> {
    const now = this.#now();
    const headers = this.#headers;
    if (headers !== undefined && now < this.#refreshAt) return headers;
    if (headers !== undefined && now < this.#expiresAt) {
      // Still valid: serve it and refresh in the background.
      this.#refresh().catch(() => {
        this.#refreshAt = Math.min(this.#expiresAt, this.#now() + this.#retryAfterFailureMs);
      });
      return headers;
    }
    return this.#refresh();
  }

  #refresh(): Promise<Readonly<Record<string, string>>> {
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<Readonly<Record<string, string>>> {
    this.#refreshes++;
    let token: AccessToken | null;
    try {
      token = await this.#credential.getToken(this.#scope);
    } catch (error) {
      throw new Error(`Entra ID token for ${this.#scope} could not be obtained: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (token === null) throw new Error(`Entra ID token for ${this.#scope} could not be obtained: the credential returned none`);
    const headers = Object.freeze({ ...this.#baseHeaders, authorization: `Bearer ${token.token}` });
    this.#headers = headers;
    this.#expiresAt = token.expiresOnTimestamp;
    this.#refreshAt = token.refreshAfterTimestamp ?? token.expiresOnTimestamp - this.#refreshMarginMs;
    return headers;
  }
}
