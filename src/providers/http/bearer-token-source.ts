/**
 * Bearer tokens for upstream calls (Microsoft Entra ID, Google OAuth), cached and refreshed before they expire. A
 * request never waits for a token except the very first one (or after a token expired unrefreshed); refreshes are
 * single-flight, so one refresh costs one fetch however many requests arrive meanwhile.
 */

export interface BearerToken {
  readonly token: string;
  /** Epoch milliseconds. */
  readonly expiresOnTimestamp: number;
  /** Epoch milliseconds after which to refresh; default 5 minutes before expiry. */
  readonly refreshAfterTimestamp?: number;
}

/** Where tokens come from: a credential library, or a test's own minting. */
export type TokenProvider = () => Promise<BearerToken | null>;

export interface BearerTokenSourceOptions {
  /** Refresh this long before expiry when the token gives no refresh time of its own. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  /** After a failed background refresh, wait this long before trying again. Default 10 s. */
  readonly retryAfterFailureMs?: number;
  readonly now?: () => number;
}

export class BearerTokenSource {
  readonly #provider: TokenProvider;
  /** What the tokens are for, in error messages (`Entra ID token for https://…/.default`). */
  readonly #description: string;
  readonly #baseHeaders: Readonly<Record<string, string>>;
  readonly #refreshMarginMs: number;
  readonly #retryAfterFailureMs: number;
  readonly #now: () => number;
  #headers: Readonly<Record<string, string>> | undefined;
  #expiresAt = 0;
  #refreshAt = 0;
  #pending: Promise<Readonly<Record<string, string>>> | undefined;
  #refreshes = 0;

  constructor(provider: TokenProvider, description: string, baseHeaders: Readonly<Record<string, string>>, options: BearerTokenSourceOptions = {}) {
    this.#provider = provider;
    this.#description = description;
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
    let token: BearerToken | null;
    try {
      token = await this.#provider();
    } catch (error) {
      throw new Error(`${this.#description} could not be obtained: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (token === null) throw new Error(`${this.#description} could not be obtained: the credential returned none`);
    const headers = Object.freeze({ ...this.#baseHeaders, authorization: `Bearer ${token.token}` });
    this.#headers = headers;
    this.#expiresAt = token.expiresOnTimestamp;
    this.#refreshAt = token.refreshAfterTimestamp ?? token.expiresOnTimestamp - this.#refreshMarginMs;
    return headers;
  }
}
