/**
 * Licence agreements as routing sees them: may this channel serve this model on this day? Everything goes through one
 * interface, `LicenceBook.licenceFor(channel, model, day)`; `ConfiguredLicenceBook` answers it from configuration
 * today, and a later implementation answers it from the agreements ledger.
 *
 * Days are UTC calendar days written `YYYY-MM-DD` (which compare correctly as strings); `from` and `until` are both
 * inclusive: a licence until 2032-12-31 is in force on that day and not on 2033-01-01.
 *
 * Rules, in order:
 * 1. An exclusive licence in force on the day forbids every channel it does not cover from serving its models, even a
 *    channel holding a licence of its own (exclusive means exclusive; check-config should flag the overlap).
 * 2. A channel covered by at least one licence for the model needs one in force that day; otherwise it is excluded as
 *    expired (the latest `until`) or not yet in force (the earliest future `from`).
 * 3. A channel no licence covers needs none (self-hosted open models, for instance).
 */
import type { RouteChannel } from './routing-types.ts';

/** A `YYYY-MM-DD` UTC day. */
export type UtcDay = string;

/** Channels named by provider and, optionally, the upstream model (or deployment) they send. */
export interface ChannelSelector {
  readonly provider: string;
  /** The upstream model; undefined: every channel of the provider. */
  readonly model?: string | undefined;
}

/** Whether the selector names the channel. */
export function selectsChannel(selector: ChannelSelector, channel: { readonly provider: string; readonly upstreamModel: string }): boolean {
  return selector.provider === channel.provider && (selector.model === undefined || selector.model === channel.upstreamModel);
}

export interface LicenceTerms {
  readonly name: string;
  /** Who holds it (`Microsoft`); shown when its exclusivity excludes another channel. */
  readonly party?: string;
  /** The channels it covers: one selector or several (any matching). */
  readonly channels: ChannelSelector | readonly ChannelSelector[];
  /** Public model names it covers; every model when absent. */
  readonly models?: readonly string[] | undefined;
  /**
   * The models it covers as resolved by configuration (`models`, or every model its channels serve); preferred over
   * `models` when given. An exclusive licence needs one of the two: it forbids other channels for those models.
   */
  readonly coveredModels?: readonly string[] | undefined;
  readonly from?: UtcDay | undefined;
  readonly until?: UtcDay | undefined;
  readonly exclusive: boolean;
}

export type LicenceVerdict =
  | { readonly status: 'in-force'; readonly licence: string }
  | { readonly status: 'not-required' }
  | { readonly status: 'expired'; readonly licence: string; readonly until: UtcDay }
  | { readonly status: 'not-yet'; readonly licence: string; readonly from: UtcDay }
  | { readonly status: 'exclusive-elsewhere'; readonly licence: string; readonly holder: string };

export interface LicenceBook {
  licenceFor(channel: RouteChannel, model: string, day: UtcDay): LicenceVerdict;
}

const dayPattern = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Whether `value` is a real `YYYY-MM-DD` day (2025-02-30 is not). */
export function isUtcDay(value: string): boolean {
  if (!dayPattern.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

let cachedDayNumber = Number.NaN;
let cachedDay = '';

/** The UTC day of an epoch-millisecond time. Cached per day: no allocation on the hot path. */
export function utcDay(now: number): UtcDay {
  const dayNumber = Math.floor(now / 86_400_000);
  if (dayNumber !== cachedDayNumber) {
    cachedDay = new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);
    cachedDayNumber = dayNumber;
  }
  return cachedDay;
}

const notRequired: LicenceVerdict = { status: 'not-required' };

interface CompiledLicence {
  readonly terms: LicenceTerms;
  readonly selectors: readonly ChannelSelector[];
  readonly models: readonly string[] | undefined;
  readonly inForce: LicenceVerdict;
  readonly expired: LicenceVerdict | undefined;
  readonly notYet: LicenceVerdict | undefined;
  readonly exclusiveElsewhere: LicenceVerdict | undefined;
}

function coversChannel(licence: CompiledLicence, channel: RouteChannel): boolean {
  for (const selector of licence.selectors) if (selectsChannel(selector, channel)) return true;
  return false;
}

function coversModel(licence: CompiledLicence, model: string): boolean {
  return licence.models === undefined || licence.models.includes(model);
}

function inForce(terms: LicenceTerms, day: UtcDay): boolean {
  return (terms.from === undefined || terms.from <= day) && (terms.until === undefined || day <= terms.until);
}

/** Licences from configuration. Validates its terms once (throws naming the licence and field); verdicts are preallocated. */
export class ConfiguredLicenceBook implements LicenceBook {
  readonly #licences: readonly CompiledLicence[];
  readonly #exclusive: readonly CompiledLicence[];

  constructor(licences: readonly LicenceTerms[]) {
    const compiled: CompiledLicence[] = [];
    for (const terms of licences) {
      const where = `licence "${terms.name}"`;
      if (terms.name.length === 0) throw new Error('A licence needs a name.');
      const selectors: readonly ChannelSelector[] = Array.isArray(terms.channels) ? terms.channels : [terms.channels as ChannelSelector];
      if (selectors.length === 0) throw new Error(`${where}: channels must select at least one channel.`);
      for (const selector of selectors) {
        if (typeof selector.provider !== 'string' || selector.provider.length === 0) throw new Error(`${where}: each channel selector needs a provider.`);
      }
      const models = terms.coveredModels ?? terms.models;
      if (terms.from !== undefined && !isUtcDay(terms.from)) throw new Error(`${where}: from must be a day written YYYY-MM-DD, got "${terms.from}".`);
      if (terms.until !== undefined && !isUtcDay(terms.until)) throw new Error(`${where}: until must be a day written YYYY-MM-DD, got "${terms.until}".`);
      if (terms.from !== undefined && terms.until !== undefined && terms.until < terms.from) throw new Error(`${where}: until (${terms.until}) is before from (${terms.from}).`);
      if (terms.exclusive && (models === undefined || models.length === 0)) throw new Error(`${where}: an exclusive licence must name the models it covers.`);
      compiled.push({
        terms,
        selectors,
        models,
        inForce: { status: 'in-force', licence: terms.name },
        expired: terms.until === undefined ? undefined : { status: 'expired', licence: terms.name, until: terms.until },
        notYet: terms.from === undefined ? undefined : { status: 'not-yet', licence: terms.name, from: terms.from },
        exclusiveElsewhere: terms.exclusive ? { status: 'exclusive-elsewhere', licence: terms.name, holder: terms.party ?? terms.name } : undefined,
      });
    }
    this.#licences = compiled;
    this.#exclusive = compiled.filter((licence) => licence.terms.exclusive);
  }

  licenceFor(channel: RouteChannel, model: string, day: UtcDay): LicenceVerdict {
    for (const licence of this.#exclusive) {
      if (coversModel(licence, model) && inForce(licence.terms, day) && !coversChannel(licence, channel)) return licence.exclusiveElsewhere!;
    }
    let expired: CompiledLicence | undefined;
    let notYet: CompiledLicence | undefined;
    for (const licence of this.#licences) {
      const terms = licence.terms;
      if (!coversModel(licence, model) || !coversChannel(licence, channel)) continue;
      if (inForce(terms, day)) return licence.inForce;
      if (terms.from !== undefined && day < terms.from) {
        if (notYet === undefined || terms.from < notYet.terms.from!) notYet = licence;
      } else if (expired === undefined || terms.until! > expired.terms.until!) {
        expired = licence;
      }
    }
    if (notYet !== undefined) return notYet.notYet!;
    if (expired !== undefined) return expired.expired!;
    return notRequired;
  }
}
