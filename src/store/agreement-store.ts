/**
 * Agreements made through the admin plane, each kept as the document the configuration would hold (`{ name, kind,
 * party, … }`), so the configuration's own checks apply to it. Like the identity store: asynchronous, never touched per
 * request (read at start-up, written by the admin plane), and every write commits with its audit entry.
 */
import type { NewAuditEntry } from './identity-store.ts';

/** An agreement document as JSON: the configuration's syntax. */
export type AgreementDocument = Readonly<Record<string, unknown>>;

export interface StoredAgreement {
  readonly name: string;
  readonly document: AgreementDocument;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AgreementStore {
  /** By name. */
  listAgreements(): Promise<StoredAgreement[]>;
  /** Creates or replaces one (a replacement keeps `createdAt`); `audit` gets what it replaced. */
  putAgreement(name: string, document: AgreementDocument, at: number, audit: (before: StoredAgreement | undefined) => NewAuditEntry): Promise<{ readonly record: StoredAgreement; readonly created: boolean }>;
  /** What was removed; undefined (and nothing audited) when there was no such agreement. */
  deleteAgreement(name: string, audit: (before: StoredAgreement) => NewAuditEntry): Promise<StoredAgreement | undefined>;
}
