import type { ChargeRecord, ParkedRecord } from '../../domain/model.js';
import { compareCharges, matchesQuery } from '../../domain/order.js';
import type { ChargeLedger } from '../../domain/ports.js';

/** The ledger in memory: unit tests and the domain's own checks. */
export function createMemoryLedger(): ChargeLedger {
  const charges = new Map<string, ChargeRecord>();
  const parked: ParkedRecord[] = [];
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
    async close() {},
  };
}
