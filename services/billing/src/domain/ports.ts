import type { Logger } from '@joinery/logging';
import type { IssuedInvoice } from './invoice.js';
import type { ChargeQuery, ChargeRecord, ParkedRecord } from './model.js';

export type { Logger };

/**
 * The ledger: at most one charge per DevEUI, ever. Listing is ordered by (chargedAt, devEui), oldest first.
 */
export interface ChargeLedger {
  /**
   * Stores the charge unless the device already has one, atomically; returns the charge the device has now and
   * whether this call created it. Calling again with the same charge repairs any index a crash left behind.
   */
  recordOnce(charge: ChargeRecord): Promise<{ readonly recorded: boolean; readonly charge: ChargeRecord }>;
  get(devEui: string): Promise<ChargeRecord | undefined>;
  /** Up to `limit` charges in order; `more` when there are further ones. */
  list(query: ChargeQuery): Promise<{ readonly charges: ChargeRecord[]; readonly more: boolean }>;
  park(record: ParkedRecord): Promise<void>;
  /**
   * The number of invoice `invoiceKey` in the sequence of `issuer`: the last one given plus one on the first call
   * (atomically: two callers never get the same), the same number on every later call.
   */
  invoiceNumber(issuer: string, invoiceKey: string): Promise<number>;
  /**
   * Keeps `issue` as invoice `invoiceKey`'s unless one is kept already (atomically: racing callers all get the one
   * kept first) and returns the one kept.
   */
  keepInvoiceIssue(invoiceKey: string, issue: IssuedInvoice): Promise<IssuedInvoice>;
  /** The issue kept for invoice `invoiceKey`, if any. */
  invoiceIssue(invoiceKey: string): Promise<IssuedInvoice | undefined>;
  /** Oldest first. */
  listParked(limit: number): Promise<ParkedRecord[]>;
  close(): Promise<void>;
}

export interface Clock {
  /** Unix ms. */
  now(): number;
}
