import type { IssuedInvoice } from '../../domain/invoice.js';
import type { ChargeRecord, ParkedRecord } from '../../domain/model.js';
import { compareCharges, matchesQuery } from '../../domain/order.js';
import type { ChargeLedger } from '../../domain/ports.js';

/** The ledger in memory: unit tests and the domain's own checks. */
export function createMemoryLedger(): ChargeLedger {
  const charges = new Map<string, ChargeRecord>();
  const parked: ParkedRecord[] = [];
  const numbers = new Map<string, number>();
  const sequences = new Map<string, number>();
  const issues = new Map<string, IssuedInvoice>();
  return {
    async recordOnce(charge) {
      const existing = charges.get(charge.devEui);
      if (existing !== undefined) return { recorded: false, charge: existing };
      charges.set(charge.devEui, charge);
      return { recorded: true, charge };
    },
    async get(devEui) {
      return charges.get(devEui);
    },
    async list(query) {
      const matching = [...charges.values()].filter((c) => matchesQuery(c, query)).sort(compareCharges);
      return { charges: matching.slice(0, query.limit), more: matching.length > query.limit };
    },
    async park(record) {
      parked.push(record);
    },
    async listParked(limit) {
      return parked.slice(0, limit);
    },
    async invoiceNumber(issuer, invoiceKey) {
      const key = `${issuer}\u0000${invoiceKey}`;
      const known = numbers.get(key);
      if (known !== undefined) return known;
      const next = (sequences.get(issuer) ?? 0) + 1;
      sequences.set(issuer, next);
      numbers.set(key, next);
      return next;
    },
    async keepInvoiceIssue(invoiceKey, issue) {
      const kept = issues.get(invoiceKey) ?? issue;
      issues.set(invoiceKey, kept);
      return kept;
    },
    async invoiceIssue(invoiceKey) {
      return issues.get(invoiceKey);
    },
    async close() {},
  };
}
