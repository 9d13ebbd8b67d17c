/**
 * Stored responses of the Responses API (`store: true`): the response, its input and the conversation it closes, so
 * `previous_response_id` can continue it on any cloud. Like the identity store, asynchronous and never touched by a
 * request that does not store or continue one. A response belongs to the tenant that created it: for any other caller
 * it is absent, with exactly the answer an unknown or expired id gets, so an id's existence leaks to no one.
 *
 * Documents go in and come out as JSON (both implementations keep JSON text): what a client later reads is what
 * `JSON.stringify` made of it, never an object shared with the caller.
 */

/** A stored response: the Responses API object as sent to the client, its input items, and the conversation it continues. */
export interface StoredResponse {
  readonly id: string; // "resp_…", unique
  /** The tenant id that created it; undefined for callers without a key (auth.clients: none). */
  readonly tenant: string | undefined;
  readonly createdAt: number; // epoch ms
  /** Epoch ms after which it is gone (reads treat it as absent; purge deletes it). */
  readonly expiresAt: number;
  /** The id it continued (previous_response_id), or undefined. */
  readonly previousId: string | undefined;
  /** The Responses API response object, as JSON-able data. */
  readonly response: unknown;
  /** This turn's input items (what GET /v1/responses/{id}/input_items lists), JSON-able, in order. */
  readonly inputItems: readonly unknown[];
  /** The whole conversation up to and including this response's output, as the frontend needs it to continue (JSON-able). */
  readonly conversation: unknown;
}

export interface ResponseStore {
  /** Inserts; an id already stored is an error (ids are random). */
  put(response: StoredResponse): Promise<void>;
  /** Undefined when absent, expired at `now`, or another tenant's (exactly the same answer in all three cases). */
  get(id: string, tenant: string | undefined, now: number): Promise<StoredResponse | undefined>;
  /** Replaces `response` of a stored one (cancel: status changes); false when absent/expired/another tenant's. */
  update(id: string, tenant: string | undefined, response: unknown, now: number): Promise<boolean>;
  /** False when absent, expired or another tenant's. */
  delete(id: string, tenant: string | undefined, now: number): Promise<boolean>;
  /** Deletes every response expired at `now`, at most `limit` at a time; resolves to how many were deleted. */
  purgeExpired(now: number, limit: number): Promise<number>;
}

/** A response's documents as the stores keep them. */
export interface ResponseTexts {
  readonly response: string;
  readonly inputItems: string;
  readonly conversation: string;
}

/**
 * The JSON texts of what `put` is given, refusing what a store could not give back as it was given: a document that
 * is not JSON (undefined, a function), or times that are not whole milliseconds (SQLite keeps them as integers).
 */
export function responseTexts(stored: StoredResponse): ResponseTexts {
  if (!Number.isSafeInteger(stored.createdAt) || !Number.isSafeInteger(stored.expiresAt)) {
    throw new TypeError(`Response ${stored.id}: createdAt and expiresAt must be whole epoch milliseconds.`);
  }
  return { response: jsonText(stored.response, stored.id, 'response'), inputItems: jsonText(stored.inputItems, stored.id, 'inputItems'), conversation: jsonText(stored.conversation, stored.id, 'conversation') };
}

export function jsonText(value: unknown, id: string, field: string): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`Response ${id}: ${field} is not JSON.`);
  return text;
}

/** A stored response read back from its row or entry (fresh objects every time). */
export function storedResponseOf(
  id: string,
  tenant: string | undefined,
  createdAt: number,
  expiresAt: number,
  previousId: string | undefined,
  texts: ResponseTexts,
): StoredResponse {
  return {
    id,
    tenant,
    createdAt,
    expiresAt,
    previousId,
    response: JSON.parse(texts.response),
    inputItems: JSON.parse(texts.inputItems) as unknown[],
    conversation: JSON.parse(texts.conversation),
  };
}
