/**
 * Stored responses in memory, for tests and `store: { kind: memory }`: the same contract as SQLite, gone with the
 * process. Documents are kept as JSON text, as SQLite keeps them, so both give back the same thing and no caller
 * shares an object with the store.
 *
 * Bounded (a gateway on the memory store runs for days): at most `maxResponses` responses and `maxCharacters`
 * characters of JSON text. A write that would pass either evicts the soonest-expiring responses first (the expired
 * ones, then those closest to going anyway), never the one being written: a conversation a client is continuing
 * expires last. A single response larger than `maxCharacters` is kept alone.
 */
import { jsonText, responseTexts, storedResponseOf, type ResponseStore, type StoredResponse } from '../response-store.ts';

interface Entry {
  readonly id: string;
  readonly tenant: string | undefined;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly previousId: string | undefined;
  response: string;
  readonly inputItems: string;
  readonly conversation: string;
  /** Orders responses that expire in the same millisecond by when they were written. */
  readonly sequence: number;
  /** Its position in the expiry heap. */
  slot: number;
}

export interface MemoryResponseLimits {
  readonly maxResponses: number;
  readonly maxCharacters: number;
}

export const defaultMemoryResponseLimits: MemoryResponseLimits = { maxResponses: 10_000, maxCharacters: 64 * 1024 * 1024 };

export class MemoryResponseStore implements ResponseStore {
  readonly #byId = new Map<string, Entry>();
  /** A binary min-heap by (expiresAt, sequence): eviction and purge take from its top. */
  readonly #heap: Entry[] = [];
  readonly #limits: MemoryResponseLimits;
  #characters = 0;
  #sequence = 0;

  constructor(limits: MemoryResponseLimits = defaultMemoryResponseLimits) {
    this.#limits = limits;
  }

  /** How many responses are held, expired or not. */
  get size(): number {
    return this.#byId.size;
  }

  async put(stored: StoredResponse): Promise<void> {
    if (this.#byId.has(stored.id)) throw new Error(`A response with id ${stored.id} is already stored.`);
    const texts = responseTexts(stored);
    const entry: Entry = {
      id: stored.id,
      tenant: stored.tenant,
      createdAt: stored.createdAt,
      expiresAt: stored.expiresAt,
      previousId: stored.previousId,
      ...texts,
      sequence: this.#sequence++,
      slot: 0,
    };
    this.#evictFor(charactersOf(entry));
    this.#add(entry);
  }

  async get(id: string, tenant: string | undefined, now: number): Promise<StoredResponse | undefined> {
    const entry = this.#live(id, tenant, now);
    return entry === undefined ? undefined : storedResponseOf(entry.id, entry.tenant, entry.createdAt, entry.expiresAt, entry.previousId, entry);
  }

  async update(id: string, tenant: string | undefined, response: unknown, now: number): Promise<boolean> {
    const entry = this.#live(id, tenant, now);
    if (entry === undefined) return false;
    const text = jsonText(response, id, 'response');
    const grown = text.length - entry.response.length;
    if (grown > 0 && this.#characters + grown > this.#limits.maxCharacters) {
      // Taken out while others are evicted, so the response just written stays.
      this.#removeAt(entry.slot);
      this.#forget(entry);
      entry.response = text;
      this.#evictFor(charactersOf(entry));
      this.#add(entry);
    } else {
      entry.response = text;
      this.#characters += grown;
    }
    return true;
  }

  async delete(id: string, tenant: string | undefined, now: number): Promise<boolean> {
    const entry = this.#live(id, tenant, now);
    if (entry === undefined) return false;
    this.#removeAt(entry.slot);
    this.#forget(entry);
    return true;
  }

  async purgeExpired(now: number, limit: number): Promise<number> {
    const most = Math.floor(limit);
    let deleted = 0;
    while (deleted < most && this.#heap.length > 0 && this.#heap[0].expiresAt <= now) {
      this.#forget(this.#removeAt(0));
      deleted++;
    }
    return deleted;
  }

  #live(id: string, tenant: string | undefined, now: number): Entry | undefined {
    const entry = this.#byId.get(id);
    return entry === undefined || entry.tenant !== tenant || entry.expiresAt <= now ? undefined : entry;
  }

  /** Makes room for one more response of `characters` characters, soonest-expiring first. */
  #evictFor(characters: number): void {
    const { maxResponses, maxCharacters } = this.#limits;
    while (this.#heap.length > 0 && (this.#heap.length + 1 > maxResponses || this.#characters + characters > maxCharacters)) {
      this.#forget(this.#removeAt(0));
    }
  }

  #add(entry: Entry): void {
    this.#byId.set(entry.id, entry);
    this.#characters += charactersOf(entry);
    entry.slot = this.#heap.length;
    this.#heap.push(entry);
    this.#up(entry.slot);
  }

  #forget(entry: Entry): void {
    this.#byId.delete(entry.id);
    this.#characters -= charactersOf(entry);
  }

  #removeAt(slot: number): Entry {
    const heap = this.#heap;
    const removed = heap[slot];
    const last = heap.pop()!;
    if (slot < heap.length) {
      heap[slot] = last;
      last.slot = slot;
      this.#down(slot);
      this.#up(last.slot);
    }
    return removed;
  }

  #up(slot: number): void {
    const heap = this.#heap;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!before(heap[slot], heap[parent])) return;
      this.#swap(slot, parent);
      slot = parent;
    }
  }

  #down(slot: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const child = right < heap.length && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], heap[slot])) return;
      this.#swap(slot, child);
      slot = child;
    }
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    const entry = heap[a];
    heap[a] = heap[b];
    heap[b] = entry;
    heap[a].slot = a;
    heap[b].slot = b;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.sequence < b.sequence);
}

function charactersOf(entry: Entry): number {
  return entry.response.length + entry.inputItems.length + entry.conversation.length;
}
