/**
 * An agreement as the configuration writes it (`{ name, kind, party, percent: 20, cap: "250000000.00", … }`): what the
 * admin plane shows for every agreement, and what the file's agreements are checked as beside the admin plane's.
 * Loading the document again gives the same agreement.
 */
import { formatMicros } from '../config-schema/values.ts';
import type { AgreementConfig, ChannelSelector } from './types.ts';

export type WrittenAgreement = Record<string, unknown>;

function selector(channel: ChannelSelector): WrittenAgreement {
  return channel.model === undefined ? { provider: channel.provider } : { provider: channel.provider, model: channel.model };
}

/** Only the fields that are set: an absent field and its default read the same. */
function set(fields: WrittenAgreement): WrittenAgreement {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

export function agreementDocument(agreement: AgreementConfig): WrittenAgreement {
  const common = { name: agreement.name, kind: agreement.kind, party: agreement.party };
  switch (agreement.kind) {
    case 'licence':
      return set({ ...common, channels: selector(agreement.channels), models: agreement.models && [...agreement.models], from: agreement.from, until: agreement.until, exclusive: agreement.exclusive });
    case 'revenue-share':
      return set({
        ...common,
        percent: agreement.percentBasisPoints / 100,
        basis: agreement.basis,
        channels: agreement.channels?.map(selector),
        models: agreement.models && [...agreement.models],
        tenants: agreement.tenants && [...agreement.tenants],
        from: agreement.from,
        until: agreement.until,
        cap: agreement.capMicros === undefined ? undefined : formatMicros(agreement.capMicros),
      });
    case 'commitment':
      return set({ ...common, provider: agreement.provider, amount: formatMicros(agreement.amountMicros), from: agreement.from, until: agreement.until, prefer: agreement.prefer });
  }
}
