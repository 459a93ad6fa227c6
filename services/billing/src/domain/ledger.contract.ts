// One contract for every ChargeLedger adapter (memory, LMDB, Redis): each test file calls it with its factory.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChargeRecord, ParkedRecord } from './model.js';
import type { ChargeLedger } from './ports.js';

const dev = (n: number) => `00000000000000${n.toString(16).padStart(2, '0').toUpperCase()}`;
const charge = (n: number, accountId: string, chargedAt: number): ChargeRecord => ({
  devEui: dev(n),
  accountId,
  amountMinor: 20,
  currency: 'USD',
  chargedAt,
  joinEventId: `e${n}`,
});

export function chargeLedgerContract(name: string, open: () => Promise<ChargeLedger>): void {
  describe(`ChargeLedger contract: ${name}`, () => {
    test('invoice numbers: sequential per issuer, given once, the same ever after, never twice', async () => {
      const ledger = await open();
      try {
        const issuer = `Issuer ${Math.random()}`;
        assert.equal(await ledger.invoiceNumber(issuer, 'acc-a/2026-10'), 1);
        assert.equal(await ledger.invoiceNumber(issuer, 'acc-b/2026-10'), 2);
        assert.equal(await ledger.invoiceNumber(issuer, 'acc-a/2026-10'), 1);
        assert.equal(await ledger.invoiceNumber(`${issuer} other`, 'acc-a/2026-10'), 1);
        const concurrent = await Promise.all(
          Array.from({ length: 20 }, (_, i) => ledger.invoiceNumber(issuer, `acc-${i % 10}/2026-11`)),
        );
        assert.deepEqual(
          [...new Set(concurrent)].sort((x, y) => x - y),
          Array.from({ length: 10 }, (_, i) => i + 3),
        );
        assert.equal(await ledger.invoiceNumber(issuer, 'acc-a/2026-12'), 13);
      } finally {
        await ledger.close();
      }
    });

    test('an invoice keeps the issue given first: number, date and issuer, even when racing', async () => {
      const ledger = await open();
      try {
        const key = `acc-${Math.random()}/2026-10`;
        const issue = (number: string) => ({
          number,
          issuedAt: Date.UTC(2026, 10, 1),
          issuer: { name: `Issuer ${number}`, address: 'Street 1\nTown', taxId: 'DE1', email: '' },
        });
        assert.equal(await ledger.invoiceIssue(key), undefined);
        const racing = await Promise.all(
          ['INV-000001', 'INV-000002', 'INV-000003'].map((n) => ledger.keepInvoiceIssue(key, issue(n))),
        );
        assert.equal(new Set(racing.map((r) => r.number)).size, 1, 'every racer gets the one kept');
        const kept = racing[0];
        assert.deepEqual(await ledger.keepInvoiceIssue(key, issue('OTHER-1')), kept);
        assert.deepEqual(await ledger.invoiceIssue(key), kept);
        assert.equal(await ledger.invoiceIssue(`${key}-other`), undefined);
      } finally {
        await ledger.close();
      }
    });

    test('one charge per device, ever: the second is refused and the first kept', async () => {
      const ledger = await open();
      try {
        const first = await ledger.recordOnce(charge(1, 'acc-a', 1000));
        assert.equal(first.recorded, true);
        const second = await ledger.recordOnce({ ...charge(1, 'acc-b', 2000), joinEventId: 'e1-later' });
        assert.equal(second.recorded, false);
        assert.deepEqual(second.charge, charge(1, 'acc-a', 1000));
        assert.deepEqual(await ledger.get(dev(1)), charge(1, 'acc-a', 1000));
        assert.equal(await ledger.get(dev(2)), undefined);
        const { charges } = await ledger.list({ limit: 10 });
        assert.deepEqual(charges, [charge(1, 'acc-a', 1000)]);
      } finally {
        await ledger.close();
      }
    });

    test('50 concurrent attempts for one device record exactly one', async () => {
      const ledger = await open();
      try {
        const outcomes = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            ledger.recordOnce({ ...charge(7, `acc-${i}`, 1000 + i), joinEventId: `x${i}` }),
          ),
        );
        assert.equal(outcomes.filter((o) => o.recorded).length, 1);
        const winner = outcomes.find((o) => o.recorded)?.charge;
        for (const o of outcomes) assert.deepEqual(o.charge, winner);
        assert.equal((await ledger.list({ limit: 100 })).charges.length, 1);
      } finally {
        await ledger.close();
      }
    });

    test('listing by account and period, oldest first, in pages', async () => {
      const ledger = await open();
      try {
        for (let n = 1; n <= 9; n++)
          await ledger.recordOnce(charge(n, n % 2 === 0 ? 'even' : 'odd', n * 1000));
        const odd = await ledger.list({ accountId: 'odd', limit: 100 });
        assert.deepEqual(
          odd.charges.map((c) => c.devEui),
          [1, 3, 5, 7, 9].map(dev),
        );
        assert.equal(odd.more, false);
        const period = await ledger.list({ from: 3000, to: 6000, limit: 100 });
        assert.deepEqual(
          period.charges.map((c) => c.devEui),
          [3, 4, 5].map(dev),
        );
        const oddPeriod = await ledger.list({ accountId: 'odd', from: 3000, to: 8000, limit: 100 });
        assert.deepEqual(
          oddPeriod.charges.map((c) => c.devEui),
          [3, 5, 7].map(dev),
        );
        const seen: string[] = [];
        let after: { chargedAt: number; devEui: string } | undefined;
        for (;;) {
          const page = await ledger.list({ limit: 4, ...(after === undefined ? {} : { after }) });
          seen.push(...page.charges.map((c) => c.devEui));
          const last = page.charges[page.charges.length - 1];
          if (!page.more || last === undefined) break;
          after = { chargedAt: last.chargedAt, devEui: last.devEui };
        }
        assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9].map(dev));
      } finally {
        await ledger.close();
      }
    });

    test('parked records are kept, oldest first', async () => {
      const ledger = await open();
      try {
        const parked = (n: number): ParkedRecord => ({
          topic: 'joinery.joins.v1',
          partition: n,
          offset: String(n * 10),
          key: dev(n),
          reason: 'undecodable',
          parkedAt: n,
          size: 3,
          valueBase64: 'AAEC',
        });
        await ledger.park(parked(1));
        await ledger.park(parked(2));
        assert.deepEqual(await ledger.listParked(10), [parked(1), parked(2)]);
        assert.deepEqual(await ledger.listParked(1), [parked(1)]);
      } finally {
        await ledger.close();
      }
    });
  });
}
