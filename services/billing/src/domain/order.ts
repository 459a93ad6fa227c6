import type { ChargeCursor, ChargeQuery, ChargeRecord } from './model.js';

/** The ledger's one order: (chargedAt, devEui), oldest first. */
export function compareCharges(a: ChargeCursor, b: ChargeCursor): number {
  return a.chargedAt - b.chargedAt || (a.devEui < b.devEui ? -1 : a.devEui > b.devEui ? 1 : 0);
}

/** Whether a charge belongs in a listing (account, period, and past the cursor). */
export function matchesQuery(c: ChargeRecord, q: ChargeQuery): boolean {
  return (
    (q.accountId === undefined || c.accountId === q.accountId) &&
    (q.from === undefined || c.chargedAt >= q.from) &&
    (q.to === undefined || c.chargedAt < q.to) &&
    (q.after === undefined || compareCharges(c, q.after) > 0)
  );
}

/** Index key part that sorts like `compareCharges`: 15-digit zero-padded ms, then the DevEUI. */
export function sortKey(c: ChargeCursor): string {
  return `${String(c.chargedAt).padStart(15, '0')}:${c.devEui}`;
}
