/**
 * Spend commitments as routing reads them: what each commitment's provider has cost so far in its term, and whether
 * that is behind the commitment's pace (the amount times the share of the term gone by). A commitment with
 * `prefer: true` becomes a prefer rule on every route that has a channel of its provider and a channel of another:
 * while behind its pace, its provider's channels go first.
 *
 * The spend lives in memory, with no read per request: what the ledger booked in the term before this process started
 * is read once per commitment (at start-up, or when a reload or the admin plane adds one), and what this process
 * settles since is kept per provider and UTC day, as running totals. A commitment whose past spend is still being read
 * prefers nothing. Without a ledger (`metering.ledger: false`) only this process's spend counts.
 */
import type { CommitmentAgreement, GatewayConfig } from '../config/types.ts';
import type { PreferRule, RouteChannel, RouteInput } from '../routing/index.ts';
import type { LedgerStore } from '../store/ledger-store.ts';

const dayMs = 86_400_000;

/** A provider's spend since the process started: running totals at the end of each UTC day it spent on. */
interface DailySpend {
  readonly days: number[];
  readonly totals: number[];
}

export class CommitmentBook {
  /** Epoch ms: the ledger answers for what came before, the daily totals for what came after. */
  readonly #startedAt: number;
  /** What the ledger had booked in a term before the process started, by `provider, from, until`. */
  readonly #before = new Map<string, number>();
  readonly #loading = new Map<string, Promise<void>>();
  readonly #since = new Map<string, DailySpend>();

  constructor(startedAt: number) {
    this.#startedAt = startedAt;
  }

  /** Books a settled request's cost against its provider. */
  spend(provider: string, at: number, micros: number): void {
    if (micros <= 0) return;
    let spend = this.#since.get(provider);
    if (spend === undefined) this.#since.set(provider, (spend = { days: [], totals: [] }));
    const day = Math.floor(at / dayMs);
    const last = spend.days.length - 1;
    // A clock that stepped back books into the latest day: the totals stay in order.
    if (last >= 0 && day <= spend.days[last]) spend.totals[last] += micros;
    else {
      spend.days.push(day);
      spend.totals.push((last >= 0 ? spend.totals[last] : 0) + micros);
    }
  }

  /** What the commitment's provider cost in its term so far; undefined while its past spend is being read. */
  spent(commitment: CommitmentAgreement): number | undefined {
    const before = this.#before.get(termKey(commitment));
    if (before === undefined) return undefined;
    return before + this.#sinceStart(commitment.provider, commitment.startsAtMs, commitment.endsAtMs);
  }

  /** In force at `now` and spent less than its pace: the amount times the share of its term gone by. */
  behindPace(commitment: CommitmentAgreement, now: number): boolean {
    const { startsAtMs, endsAtMs } = commitment;
    if (now < startsAtMs || now >= endsAtMs) return false;
    const spent = this.spent(commitment);
    if (spent === undefined) return false;
    return spent < commitment.amountMicros * ((now - startsAtMs) / (endsAtMs - startsAtMs));
  }

  /**
   * Reads the past spend of the commitments not read yet (without a ledger: none). Resolves when every one is known;
   * a failed read is retried by the next call.
   */
  load(commitments: readonly CommitmentAgreement[], ledger: LedgerStore | undefined): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const commitment of commitments) {
      const key = termKey(commitment);
      if (this.#before.has(key)) continue;
      let loading = this.#loading.get(key);
      if (loading === undefined) {
        loading = this.#readBefore(commitment, ledger).then(
          (micros) => {
            this.#before.set(key, micros);
            this.#loading.delete(key);
          },
          (error: unknown) => {
            this.#loading.delete(key);
            throw error;
          },
        );
        this.#loading.set(key, loading);
      }
      pending.push(loading);
    }
    return Promise.all(pending).then(() => undefined);
  }

  async #readBefore(commitment: CommitmentAgreement, ledger: LedgerStore | undefined): Promise<number> {
    const end = Math.min(commitment.endsAtMs, this.#startedAt);
    if (ledger === undefined || end <= commitment.startsAtMs) return 0;
    const rows = await ledger.statement(commitment.startsAtMs, end, 'provider');
    return rows.find((row) => row.group === commitment.provider)?.costMicros ?? 0;
  }

  /** This process's spend with `provider` on the UTC days in [from, to) (whole days: terms start and end at 00:00 UTC). */
  #sinceStart(provider: string, fromMs: number, toMs: number): number {
    const spend = this.#since.get(provider);
    if (spend === undefined) return 0;
    return totalBefore(spend, Math.floor(toMs / dayMs)) - totalBefore(spend, Math.floor(fromMs / dayMs));
  }
}

/** The running total at the end of the last day before `day` (binary search). */
function totalBefore(spend: DailySpend, day: number): number {
  let low = 0;
  let high = spend.days.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (spend.days[middle] < day) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? 0 : spend.totals[low - 1];
}

function termKey(commitment: CommitmentAgreement): string {
  return `${commitment.provider}\n${commitment.startsAtMs}\n${commitment.endsAtMs}`;
}

class BehindPace implements PreferRule {
  readonly name: string;
  readonly kind = 'commitment';
  readonly #commitment: CommitmentAgreement;
  readonly #book: CommitmentBook;

  constructor(commitment: CommitmentAgreement, book: CommitmentBook) {
    this.name = commitment.name;
    this.#commitment = commitment;
    this.#book = book;
  }

  active(input: RouteInput): boolean {
    return this.#book.behindPace(this.#commitment, input.now);
  }

  prefers(channel: RouteChannel): boolean {
    return channel.provider === this.#commitment.provider;
  }
}

export function commitments(config: GatewayConfig): CommitmentAgreement[] {
  return config.agreements.filter((agreement): agreement is CommitmentAgreement => agreement.kind === 'commitment');
}

/** The prefer rules of the commitments with `prefer: true`, with the provider each prefers. */
export function commitmentPreferRules(config: GatewayConfig, book: CommitmentBook): { provider: string; rule: PreferRule }[] {
  return commitments(config)
    .filter((commitment) => commitment.prefer)
    .map((commitment) => ({ provider: commitment.provider, rule: new BehindPace(commitment, book) }));
}
