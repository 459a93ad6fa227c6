import type { Database, RootDatabase } from '@joinery/store';
import type { IssuedInvoice } from '../../domain/invoice.js';
import type { ChargeRecord, ParkedRecord } from '../../domain/model.js';
import { matchesQuery, sortKey } from '../../domain/order.js';
import type { ChargeLedger } from '../../domain/ports.js';

/**
 * The ledger in LMDB (embedded mode). Charges by DevEUI, plus two ordered indexes (all charges; per account) whose
 * keys sort like the listing order. `recordOnce` is one write transaction: the check and the three writes commit
 * together (LMDB serialises write transactions) and are on disk before its promise resolves; concurrent ones share
 * one fsync. Nothing throws inside it after a write, so lmdb-js's asynchronous transactions need no rollback.
 */
export function createLmdbLedger(root: RootDatabase): ChargeLedger {
  const charges: Database<ChargeRecord, string> = root.openDB({ name: 'billing-charges' });
  const byTime: Database<string, string> = root.openDB({ name: 'billing-by-time' });
  const byAccount: Database<string, string> = root.openDB({ name: 'billing-by-account' });
  const parked: Database<ParkedRecord, number> = root.openDB({ name: 'billing-parked' });
  // `<issuer>\0<invoice key>` → its number; `<issuer>\0` → the last number given.
  const invoiceNumbers: Database<number, string> = root.openDB({ name: 'billing-invoice-numbers' });
  // `<invoice key>` → its number, date and issuer as first issued.
  const invoiceIssues: Database<IssuedInvoice, string> = root.openDB({ name: 'billing-invoice-issues' });
  let parkedSequence = 0;
  for (const key of parked.getKeys({ reverse: true, limit: 1 })) parkedSequence = key;

  const accountPrefix = (accountId: string) => `${accountId}\u0000`;

  return {
    async recordOnce(charge) {
      return root.transaction(() => {
        const existing = charges.get(charge.devEui);
        if (existing !== undefined) return { recorded: false, charge: existing };
        charges.putSync(charge.devEui, charge);
        byTime.putSync(sortKey(charge), charge.devEui);
        byAccount.putSync(`${accountPrefix(charge.accountId)}${sortKey(charge)}`, charge.devEui);
        return { recorded: true, charge };
      });
    },
    async get(devEui) {
      return charges.get(devEui);
    },
    async list(query) {
      const index = query.accountId === undefined ? byTime : byAccount;
      const prefix = query.accountId === undefined ? '' : accountPrefix(query.accountId);
      const lower = Math.max(query.from ?? 0, query.after?.chargedAt ?? 0);
      const start = `${prefix}${sortKey({ chargedAt: lower, devEui: '' })}`;
      const end =
        query.to === undefined
          ? `${prefix}\uffff`
          : `${prefix}${sortKey({ chargedAt: query.to, devEui: '' })}`;
      const out: ChargeRecord[] = [];
      for (const { value: devEui } of index.getRange({ start, end })) {
        const c = charges.get(devEui);
        if (c === undefined || !matchesQuery(c, query)) continue;
        if (out.length === query.limit) return { charges: out, more: true };
        out.push(c);
      }
      return { charges: out, more: false };
    },
    async park(record) {
      await root.transaction(() => {
        parkedSequence += 1;
        parked.putSync(parkedSequence, record);
      });
    },
    async listParked(limit) {
      return [...parked.getRange({ limit })].map((e) => e.value);
    },
    async invoiceNumber(issuer, invoiceKey) {
      return root.transaction(() => {
        const key = `${issuer}\u0000${invoiceKey}`;
        const known = invoiceNumbers.get(key);
        if (known !== undefined) return known;
        const next = (invoiceNumbers.get(`${issuer}\u0000`) ?? 0) + 1;
        invoiceNumbers.putSync(`${issuer}\u0000`, next);
        invoiceNumbers.putSync(key, next);
        return next;
      });
    },
    async keepInvoiceIssue(invoiceKey, issue) {
      return root.transaction(() => {
        const kept = invoiceIssues.get(invoiceKey);
        if (kept !== undefined) return kept;
        invoiceIssues.putSync(invoiceKey, issue);
        return issue;
      });
    },
    async invoiceIssue(invoiceKey) {
      return invoiceIssues.get(invoiceKey);
    },
    async close() {},
  };
}
