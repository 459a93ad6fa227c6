import { EUI64 } from '@joinery/lorawan';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { BusRecord } from '@joinery/bus';
import { JoineryError } from '@joinery/errors';
import { createInProcessClient } from '@joinery/grpc';
import { captureLogs } from '@joinery/logging';
import { BillingService } from '@joinery/proto/billing/v1/billing_pb';
import {
  ChargeRecordedSchema,
  JoinEventSchema,
  JoinKind,
  JoinOutcome,
} from '@joinery/proto/events/v1/events_pb';
import { createMemoryLedger } from './adapters/memory/memory-ledger.js';
import { buildBillingApp } from './app.js';

const dev = (n: number) => `0004A30B0000${n.toString(16).padStart(4, '0').toUpperCase()}`;
const joinRecord = (
  eventId: string,
  devEui: string,
  accountId: string,
  time: string,
  outcome = JoinOutcome.ACCEPTED,
  kind = JoinKind.JOIN_REQUEST,
): BusRecord => ({
  topic: 'joinery.joins.v1',
  key: devEui,
  value: toBinary(
    JoinEventSchema,
    create(JoinEventSchema, {
      eventId,
      devEui: EUI64.parse(devEui).bytes(),
      accountId,
      outcome,
      kind,
      time: timestampFromDate(new Date(time)),
    }),
  ),
});

async function harness() {
  const published: BusRecord[] = [];
  const logs = captureLogs();
  const app = await buildBillingApp({
    ledger: createMemoryLedger(),
    logger: logs.logger,
    config: { amountMinor: 20, currency: 'USD' },
    clock: { now: () => Date.parse('2026-11-24T12:00:00Z') },
    publish: async (records) => void published.push(...records),
  });
  const client = createInProcessClient(BillingService, app.service);
  return { app, client, published, logs };
}

describe('charging', () => {
  test('a device is charged once, at its first accepted join, to the account of that join', async () => {
    const h = await harness();
    await h.app.handleJoinEvents([
      joinRecord('r1', dev(1), 'acc-a', '2026-11-01T10:00:00Z', JoinOutcome.REFUSED),
      joinRecord('j1', dev(1), 'acc-a', '2026-11-02T10:00:00Z'),
      joinRecord('j1', dev(1), 'acc-a', '2026-11-02T10:00:00Z'),
      // Later: a rejoin, a transfer to a new NS, a re-claim by another account.
      joinRecord('j2', dev(1), 'acc-a', '2026-11-03T10:00:00Z', JoinOutcome.ACCEPTED, JoinKind.REJOIN_TYPE_0),
      joinRecord('j3', dev(1), 'acc-b', '2026-12-01T10:00:00Z'),
    ]);
    const { charges } = await h.client.listCharges({});
    assert.equal(charges.length, 1);
    assert.equal(charges[0]?.devEui, dev(1));
    assert.equal(charges[0]?.accountId, 'acc-a');
    assert.equal(charges[0]?.amountMinor, 20n);
    assert.equal(charges[0]?.currency, 'USD');
    assert.equal(charges[0]?.joinEventId, 'j1');
    assert.equal(
      new Date(Number(charges[0]?.chargedAt?.seconds) * 1000).toISOString(),
      '2026-11-02T10:00:00.000Z',
    );
    const metrics = await h.app.registry.metrics();
    assert.match(metrics, /joinery_billing_charges_recorded_total 1\b/);
    assert.match(metrics, /joinery_billing_duplicates_ignored_total 3\b/);
  });

  test('ChargeRecorded is published for the charge, again only if the creating event is redelivered', async () => {
    const h = await harness();
    await h.app.handleJoinEvents([joinRecord('j1', dev(2), 'acc-a', '2026-11-02T10:00:00Z')]);
    await h.app.handleJoinEvents([joinRecord('j9', dev(2), 'acc-a', '2026-11-05T10:00:00Z')]);
    await h.app.handleJoinEvents([joinRecord('j1', dev(2), 'acc-a', '2026-11-02T10:00:00Z')]);
    assert.equal(h.published.length, 2);
    for (const record of h.published) {
      assert.equal(record.topic, 'joinery.billing.v1');
      assert.equal(record.key, dev(2));
      const event = fromBinary(ChargeRecordedSchema, record.value);
      assert.equal(event.eventId, `charge:${dev(2)}`);
      assert.equal(event.accountId, 'acc-a');
      assert.equal(event.amountMinor, 20n);
      assert.equal(event.joinEventId, 'j1');
    }
  });

  test('undecodable records and accepted joins without an account are parked, not charged, not retried', async () => {
    const h = await harness();
    const noAccount = joinRecord('j1', dev(4), '', '2026-11-02T10:00:00Z');
    await h.app.handleJoinEvents([
      {
        topic: 'joinery.joins.v1',
        key: dev(3),
        value: new Uint8Array([0xff, 0xff, 0xff]),
        source: { partition: 2, offset: '41' },
      },
      noAccount,
      joinRecord('j2', dev(5), 'acc-a', '2026-11-02T10:00:00Z'),
    ]);
    const { events } = await h.client.listParked({});
    assert.deepEqual(events.map((e) => [e.key, e.reason, e.partition, e.offset, e.size]).sort(), [
      [dev(3), 'undecodable', 2, '41', 3],
      [dev(4), 'incomplete_accepted_join', -1, '', noAccount.value.length],
    ]);
    assert.ok(!h.logs.text().includes('//8A'), 'parked bytes are not logged');
    assert.deepEqual(
      (await h.client.listCharges({})).charges.map((c) => c.devEui),
      [dev(5)],
    );
    assert.match(await h.app.registry.metrics(), /joinery_billing_parked_total\{reason="undecodable"\} 1\b/);
  });

  test('a failing ledger rejects the batch, so the bus redelivers it', async () => {
    const logs = captureLogs();
    const ledger = createMemoryLedger();
    const app = await buildBillingApp({
      ledger: { ...ledger, recordOnce: async () => Promise.reject(new Error('redis down')) },
      logger: logs.logger,
      config: { amountMinor: 20, currency: 'USD' },
    });
    await assert.rejects(app.handleJoinEvents([joinRecord('j1', dev(6), 'acc-a', '2026-11-02T10:00:00Z')]));
  });
});

describe('queries', () => {
  test('charges by account and period, in pages; invoices per calendar month with CSV and totals', async () => {
    const h = await harness();
    const records: BusRecord[] = [];
    for (let n = 1; n <= 25; n++)
      records.push(
        joinRecord(
          `j${n}`,
          dev(n),
          n % 5 === 0 ? 'acc-b' : 'acc-a',
          `2026-${n <= 12 ? '10' : '11'}-${String((n % 28) + 1).padStart(2, '0')}T08:00:00Z`,
        ),
      );
    await h.app.handleJoinEvents(records);
    const pages: string[][] = [];
    let pageToken = '';
    do {
      const page = await h.client.listCharges({ accountId: 'acc-a', pageSize: 7, pageToken });
      pages.push(page.charges.map((c) => c.devEui));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    assert.deepEqual(
      pages.map((p) => p.length),
      [7, 7, 6],
    );
    assert.equal(new Set(pages.flat()).size, 20);

    const invoice = await h.client.getInvoice({ accountId: 'acc-b', year: 2026, month: 11 });
    assert.deepEqual(
      invoice.charges.map((c) => c.devEui),
      [dev(15), dev(20), dev(25)],
    );
    assert.equal(invoice.totalMinor, 60n);
    assert.equal(invoice.currency, 'USD');
    const lines = invoice.csv.trim().split('\n');
    const header =
      'devEui,accountId,amountMinor,currency,chargedAt,joinEventId,invoiceNumber,invoiceDate,period,issuerName,issuerAddress,issuerTaxId,issuerEmail';
    assert.equal(lines[0], header);
    assert.equal(lines.length, 5);
    // The month is not over: a draft, without number or date.
    assert.equal(lines[4], 'total,acc-b,60,USD,,,,,2026-11,Joinery,,,');
    const empty = await h.client.getInvoice({ accountId: 'acc-b', year: 2025, month: 1 });
    assert.equal(empty.totalMinor, 0n);
    assert.equal(empty.csv, `${header}\ntotal,acc-b,0,USD,,,,,2025-01,Joinery,,,\n`);
  });

  test('bad requests are refused with codes', async () => {
    const h = await harness();
    await assert.rejects(h.client.getInvoice({ accountId: 'a', year: 2026, month: 13 }), (e: unknown) =>
      JoineryError.is(e, 'billing:invalid_argument'),
    );
    await assert.rejects(h.client.listCharges({ pageToken: 'garbage' }), (e: unknown) =>
      JoineryError.is(e, 'billing:invalid_page_token'),
    );
    assert.equal((await h.client.getCharge({ devEui: dev(99) })).charge, undefined);
  });
});
