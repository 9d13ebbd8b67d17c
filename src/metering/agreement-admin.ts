/**
 * What the admin plane does to agreements: list every agreement in force in the gateway (the file's and its own) with
 * what it accrued or spent so far; create, replace and remove its own. A change is checked as the file's agreements are
 * (beside them), stored with its audit entry, and put in place at once, as a reload would: the next request routes and
 * accrues under it. The file's agreements are changed in the file (then SIGHUP).
 *
 * Changes run one at a time, and never while a reload runs (`exclusive`), so neither puts a configuration in place
 * that was computed before the other's.
 */
import { agreementDocument, type WrittenAgreement } from '../config/agreement-document.ts';
import { ConfigError, withAdminAgreements } from '../config/load-config.ts';
import type { AgreementConfig, GatewayConfig } from '../config/types.ts';
import { GatewayError } from '../errors/index.ts';
import type { AgreementDocument, AgreementStore, StoredAgreement } from '../store/agreement-store.ts';
import type { NewAuditEntry } from '../store/identity-store.ts';
import type { AccrualTotals } from './accruals.ts';
import type { CommitmentBook } from './commitments.ts';
import { formatMicros } from './format-money.ts';

const agreementName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;

export interface AgreementAdminOptions {
  readonly store: AgreementStore;
  /** What the store held at start-up. */
  readonly stored: readonly StoredAgreement[];
  /** The running configuration. */
  readonly config: () => GatewayConfig;
  /**
   * Builds what a configuration shapes (throws, with nothing changed, when it cannot be) and returns the step that puts
   * it in place, which resolves once its commitments' spend is read.
   */
  readonly prepare: (config: GatewayConfig) => () => Promise<void> | void;
  readonly totals: AccrualTotals;
  readonly commitments: CommitmentBook;
  readonly now?: () => number;
}

export interface AgreementView {
  readonly name: string;
  readonly kind: AgreementConfig['kind'];
  /** `config`: the configuration file's (read-only here); `admin`: made through the admin plane. */
  readonly source: AgreementConfig['source'];
  readonly party: string;
  /** In force today (UTC): between its from and until days. */
  readonly in_force: boolean;
  /** The agreement as the configuration writes it. */
  readonly document: WrittenAgreement;
  readonly created_at?: string;
  readonly updated_at?: string;
  /** A revenue share: what it accrued so far (over the whole ledger) and whether its cap is reached. */
  readonly accrued_micros?: number;
  readonly accrued?: string;
  readonly cap_reached?: boolean;
  /** A commitment: spent in its term so far, its pace today and whether routing prefers its provider now. */
  readonly spent_micros?: number | null;
  readonly spent?: string | null;
  readonly pace_micros?: number;
  readonly behind_pace?: boolean;
  readonly currency: string;
}

export class AgreementAdmin {
  readonly #options: AgreementAdminOptions;
  readonly #now: () => number;
  #stored: readonly StoredAgreement[];
  #last: Promise<unknown> = Promise.resolve();

  constructor(options: AgreementAdminOptions) {
    this.#options = options;
    this.#stored = options.stored;
    this.#now = options.now ?? Date.now;
  }

  /** The admin plane's agreements, as stored (a reload adds them to the file's). */
  get stored(): readonly StoredAgreement[] {
    return this.#stored;
  }

  /** Runs `work` after every change under way, and before any asked for later. */
  exclusive<T>(work: () => Promise<T> | T): Promise<T> {
    const run = this.#last.then(work);
    this.#last = run.catch(() => undefined);
    return run;
  }

  list(): AgreementView[] {
    const config = this.#options.config();
    return config.agreements.map((agreement) => this.#view(agreement, config));
  }

  get(name: string): AgreementView {
    const config = this.#options.config();
    const agreement = config.agreements.find((candidate) => candidate.name === name);
    if (agreement === undefined) throw notFound(name);
    return this.#view(agreement, config);
  }

  /** Creates or replaces the admin agreement `name` with `body` (the configuration's syntax; `name` may be left out). */
  put(actor: string, name: string, body: unknown): Promise<{ readonly created: boolean; readonly view: AgreementView }> {
    checkName(name);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new GatewayError('invalid_request', 'The body is an agreement as the configuration writes it: { "kind": "revenue-share", "party": "…", … }.');
    }
    const fields = body as Record<string, unknown>;
    if (fields.name !== undefined && fields.name !== name) {
      throw new GatewayError('invalid_request', `"name" is "${String(fields.name)}" but the path names "${name}"; leave it out or make them the same.`, { param: 'name' });
    }
    const document: AgreementDocument = { ...fields, name };
    return this.exclusive(async () => {
      this.#refuseTheFiles(name);
      const others = this.#stored.filter((agreement) => agreement.name !== name);
      // Checked and built before anything is stored: a refused agreement leaves no trace but the error.
      const now = this.#now();
      const next = [...others, { name, document, createdAt: now, updatedAt: now }].sort(byName);
      const commit = this.#options.prepare(this.#configWith(next));
      const { record, created } = await this.#options.store.putAgreement(name, document, now, (before) =>
        audit(now, actor, before === undefined ? 'agreement.create' : 'agreement.update', name, before?.document ?? null, document),
      );
      this.#stored = next.map((agreement) => (agreement.name === name ? record : agreement));
      await commit();
      return { created, view: this.get(name) };
    });
  }

  remove(actor: string, name: string): Promise<AgreementView> {
    return this.exclusive(async () => {
      this.#refuseTheFiles(name);
      const view = this.get(name);
      const next = this.#stored.filter((agreement) => agreement.name !== name);
      const commit = this.#options.prepare(this.#configWith(next));
      const removed = await this.#options.store.deleteAgreement(name, (before) => audit(this.#now(), actor, 'agreement.delete', name, before.document, null));
      if (removed === undefined) throw notFound(name);
      this.#stored = next;
      await commit();
      return view;
    });
  }

  #refuseTheFiles(name: string): void {
    const agreement = this.#options.config().agreements.find((candidate) => candidate.name === name);
    if (agreement?.source === 'config') {
      throw new GatewayError('conflict', `The agreement "${name}" is defined in the configuration file; change it there (then reload with SIGHUP).`, { param: 'name' });
    }
  }

  /** The running configuration with these admin agreements; a refusal lists every problem. */
  #configWith(stored: readonly StoredAgreement[]): GatewayConfig {
    try {
      return withAdminAgreements(this.#options.config(), stored);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const problems = error.problems.map((problem) => `${problem.path.replace(/^agreement "[^"]*" \(admin plane\)\.?/, '') || '(the agreement)'}: ${problem.message}`);
      throw new GatewayError('invalid_request', `The agreement is not valid: ${problems.join('; ')}.`);
    }
  }

  #view(agreement: AgreementConfig, config: GatewayConfig): AgreementView {
    const now = this.#now();
    const currency = config.metering.currency;
    const stored = agreement.source === 'admin' ? this.#stored.find((record) => record.name === agreement.name) : undefined;
    const startsAtMs = agreement.startsAtMs;
    const endsAtMs = agreement.endsAtMs;
    const view: Record<string, unknown> = {
      name: agreement.name,
      kind: agreement.kind,
      source: agreement.source,
      party: agreement.party,
      in_force: (startsAtMs === undefined || now >= startsAtMs) && (endsAtMs === undefined || now < endsAtMs),
      document: agreementDocument(agreement),
    };
    if (stored !== undefined) {
      view.created_at = new Date(stored.createdAt).toISOString();
      view.updated_at = new Date(stored.updatedAt).toISOString();
    }
    if (agreement.kind === 'revenue-share') {
      const accrued = this.#options.totals.get(agreement.name);
      view.accrued_micros = accrued;
      view.accrued = formatMicros(accrued);
      view.cap_reached = agreement.capMicros !== undefined && accrued >= agreement.capMicros;
    } else if (agreement.kind === 'commitment') {
      const book = this.#options.commitments;
      const spent = book.spent(agreement);
      const elapsed = Math.min(1, Math.max(0, (now - agreement.startsAtMs) / (agreement.endsAtMs - agreement.startsAtMs)));
      view.spent_micros = spent ?? null;
      view.spent = spent === undefined ? null : formatMicros(spent);
      view.pace_micros = Math.floor(agreement.amountMicros * elapsed);
      view.behind_pace = book.behindPace(agreement, now);
    }
    view.currency = currency;
    return view as unknown as AgreementView;
  }
}

function checkName(name: string): void {
  if (!agreementName.test(name)) {
    throw new GatewayError('invalid_request', 'An agreement name starts with a letter or digit and holds only letters, digits, ".", "_" and "-" (at most 256).', { param: 'name' });
  }
}

function notFound(name: string): GatewayError {
  return new GatewayError('not_found', `No agreement is named "${name}".`, { param: 'name' });
}

function byName(a: StoredAgreement, b: StoredAgreement): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function audit(at: number, actor: string, action: string, target: string, before: unknown, after: unknown): NewAuditEntry {
  return { at, actor, action, target, before, after };
}
