// Invoices as documents: a number once the month is over (sequential per issuer, the same ever after), the issuer,
// the period, one line per activation, totals; the PDF parsed back says the same.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { BusRecord } from '@joinery/bus';
import { createInProcessClient } from '@joinery/grpc';
import { captureLogs } from '@joinery/logging';
import { BillingService } from '@joinery/proto/billing/v1/billing_pb';
import { JoinEventSchema, JoinKind, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { createMemoryLedger } from './adapters/memory/memory-ledger.js';
import { formatMoney } from './adapters/pdf/invoice-pdf.js';
import { buildBillingApp } from './app.js';
import { billingConfigSchema, invoicingOf } from './config.js';
import { pdfText } from './testing/pdf-text.js';
import { loadConfig } from '@joinery/config';
import { EUI64 } from '@joinery/lorawan';

const dev = (n: number) => `0004A30B0000${n.toString(16).padStart(4, '0').toUpperCase()}`;
const join = (n: number, accountId: string, time: string): BusRecord => ({
  topic: 'joinery.joins.v1',
  key: dev(n),
  value: toBinary(
    JoinEventSchema,
    create(JoinEventSchema, {
      eventId: `j${n}`,
      devEui: EUI64.parse(dev(n)).bytes(),
      accountId,
      outcome: JoinOutcome.ACCEPTED,
      kind: JoinKind.JOIN_REQUEST,
      time: timestampFromDate(new Date(time)),
    }),
  ),
});

const issuer = {
  name: 'Example Networks GmbH',
  address: 'Hauptstrasse 1\n10115 Berlin',
  taxId: 'DE123456789',
  email: 'billing@example.net',
};

async function harness(
  now: { ms: number },
  by = issuer,
  ledger = createMemoryLedger(),
  numberPrefix = 'EXN-',
) {
  const app = await buildBillingApp({
    ledger,
    logger: captureLogs().logger,
    config: { amountMinor: 125, currency: 'EUR' },
    clock: { now: () => now.ms },
    invoicing: { issuer: by, numberPrefix },
  });
  return { app, ledger, client: createInProcessClient(BillingService, app.service) };
}

describe('invoices', () => {
  test('a month that is over gets the next number of the issuer once, and keeps it; until then a draft', async () => {
    const now = { ms: Date.parse('2026-11-20T00:00:00Z') };
    const h = await harness(now);
    await h.app.handleJoinEvents([
      join(1, 'acc-a', '2026-10-03T08:00:00Z'),
      join(2, 'acc-a', '2026-10-04T08:00:00Z'),
      join(3, 'acc-b', '2026-10-05T08:00:00Z'),
      join(4, 'acc-a', '2026-11-02T08:00:00Z'),
    ]);
    const open = await h.client.getInvoice({ accountId: 'acc-a', year: 2026, month: 11 });
    assert.equal(open.number, '');
    assert.equal(open.issuedAt, undefined);

    const october = await h.client.getInvoice({ accountId: 'acc-a', year: 2026, month: 10 });
    assert.equal(october.number, 'EXN-000001');
    assert.equal(timestampDate(october.issuedAt!).toISOString(), '2026-11-01T00:00:00.000Z');
    assert.deepEqual(october.issuer, { $typeName: 'joinery.billing.v1.InvoiceIssuer', ...issuer });
    assert.deepEqual(
      october.lines.map((l) => [l.devEui, l.quantity, l.unitMinor, l.amountMinor, l.currency]),
      [
        [dev(1), 1, 125n, 125n, 'EUR'],
        [dev(2), 1, 125n, 125n, 'EUR'],
      ],
    );
    assert.deepEqual(
      october.totals.map((t) => [t.currency, t.totalMinor]),
      [['EUR', 250n]],
    );
    // The listing numbers acc-b's October next; asking again changes nothing.
    const listed = await h.client.listInvoices({});
    assert.deepEqual(
      listed.invoices.map((i) => [i.accountId, i.month, i.number, i.lineCount]),
      [
        ['acc-a', 11, '', 1],
        ['acc-a', 10, 'EXN-000001', 2],
        ['acc-b', 10, 'EXN-000002', 1],
      ],
    );
    assert.equal(
      (await h.client.getInvoice({ accountId: 'acc-a', year: 2026, month: 10 })).number,
      'EXN-000001',
    );
    // November ends: acc-a's November gets the next number; a month without charges stays without one.
    now.ms = Date.parse('2026-12-01T00:00:01Z');
    assert.equal(
      (await h.client.getInvoice({ accountId: 'acc-a', year: 2026, month: 11 })).number,
      'EXN-000003',
    );
    assert.equal((await h.client.getInvoice({ accountId: 'acc-b', year: 2026, month: 11 })).number, '');
    const onlyB = await h.client.listInvoices({ accountId: 'acc-b' });
    assert.deepEqual(
      onlyB.invoices.map((i) => i.number),
      ['EXN-000002'],
    );
  });

  test('the PDF parsed back has the number, the issuer, the period, every line and the total', async () => {
    const now = { ms: Date.parse('2026-12-05T00:00:00Z') };
    const h = await harness(now);
    await h.app.handleJoinEvents([
      join(10, 'acc-pdf', '2026-11-03T08:00:00Z'),
      join(11, 'acc-pdf', '2026-11-09T08:00:00Z'),
      join(12, 'acc-pdf', '2026-11-30T23:59:00Z'),
    ]);
    const invoice = await h.client.getInvoice({
      accountId: 'acc-pdf',
      year: 2026,
      month: 11,
      includePdf: true,
    });
    assert.equal(Buffer.from(invoice.pdf.subarray(0, 5)).toString(), '%PDF-');
    const text = await pdfText(invoice.pdf);
    assert.match(text, /Invoice EXN-000001/);
    assert.match(text, /Example Networks GmbH/);
    assert.match(text, /Tax id: DE123456789/);
    assert.match(text, /Period: 2026-11 \(2026-11-01 to 2026-11-30, UTC\)/);
    assert.match(text, /Invoice date: 2026-12-01/);
    assert.match(text, /Billed to: account acc-pdf/);
    for (const n of [10, 11, 12]) assert.match(text, new RegExp(`Activation of device ${dev(n)}`));
    assert.equal(text.match(/1\.25 EUR/g)?.length, 6, text);
    assert.match(text, /Total 3\.75 EUR/);
    // The same invoice renders the same file.
    const again = await h.client.getInvoice({
      accountId: 'acc-pdf',
      year: 2026,
      month: 11,
      includePdf: true,
    });
    assert.deepEqual(Buffer.from(again.pdf), Buffer.from(invoice.pdf));
    // Without asking, no PDF.
    assert.equal((await h.client.getInvoice({ accountId: 'acc-pdf', year: 2026, month: 11 })).pdf.length, 0);
  });

  test('the CSV carries the number, date, period and issuer on every row, every field escaped', async () => {
    const now = { ms: Date.parse('2026-12-05T00:00:00Z') };
    const hostile = {
      name: '=HYPERLINK("http://evil.example","pay here"), Ltd.',
      address: '@Street 1\n-10115 Berlin',
      taxId: '+49 123',
      email: 'billing@example.net',
    };
    const h = await harness(now, hostile);
    await h.app.handleJoinEvents([join(20, 'acc-csv', '2026-11-03T08:00:00Z')]);
    const first = await h.client.getInvoice({ accountId: 'acc-csv', year: 2026, month: 11 });
    const document = `EXN-000001,2026-12-01,2026-11,"'=HYPERLINK(""http://evil.example"",""pay here""), Ltd.","'@Street 1\n-10115 Berlin","'+49 123",billing@example.net`;
    assert.equal(
      first.csv,
      'devEui,accountId,amountMinor,currency,chargedAt,joinEventId,invoiceNumber,invoiceDate,period,issuerName,issuerAddress,issuerTaxId,issuerEmail\n' +
        `${dev(20)},acc-csv,125,EUR,2026-11-03T08:00:00.000Z,j20,${document}\n` +
        `total,acc-csv,125,EUR,,,${document}\n`,
    );
    // Downloaded again (and after a listing numbered other invoices), the same file.
    await h.client.listInvoices({});
    assert.equal((await h.client.getInvoice({ accountId: 'acc-csv', year: 2026, month: 11 })).csv, first.csv);
  });

  test('an issued invoice keeps its number, date and issuer when the issuer configuration changes', async () => {
    const now = { ms: Date.parse('2026-11-20T00:00:00Z') };
    const before = await harness(now);
    await before.app.handleJoinEvents([
      join(30, 'acc-r', '2026-10-03T08:00:00Z'),
      join(31, 'acc-r', '2026-11-03T08:00:00Z'),
    ]);
    const october = await before.client.getInvoice({ accountId: 'acc-r', year: 2026, month: 10 });
    assert.equal(october.number, 'EXN-000001');
    // The operator renames the issuer, moves it and changes the prefix; the same ledger, restarted.
    const renamed = { ...issuer, name: 'Example Networks AG', address: 'Neue Strasse 2\n8000 Zurich' };
    now.ms = Date.parse('2026-12-02T00:00:00Z');
    const after = await harness(now, renamed, before.ledger, 'EXA-');
    const again = await after.client.getInvoice({
      accountId: 'acc-r',
      year: 2026,
      month: 10,
      includePdf: true,
    });
    assert.equal(again.number, 'EXN-000001');
    assert.deepEqual(again.issuer, october.issuer);
    assert.equal(again.csv, october.csv);
    assert.match(await pdfText(again.pdf), /Hauptstrasse 1/);
    // The month issued after the change is the renamed issuer's: its own sequence, its prefix, its address.
    const november = await after.client.getInvoice({ accountId: 'acc-r', year: 2026, month: 11 });
    assert.equal(november.number, 'EXA-000001');
    assert.equal(november.issuer?.name, 'Example Networks AG');
    assert.deepEqual(
      (await after.client.listInvoices({ accountId: 'acc-r' })).invoices.map((i) => i.number),
      ['EXA-000001', 'EXN-000001'],
    );
  });

  test('money is written as its currency writes it; the issuer comes from JOINERY_INVOICE_ISSUER_*', () => {
    assert.equal(formatMoney(1234, 'USD'), '12.34 USD');
    assert.equal(formatMoney(5, 'EUR'), '0.05 EUR');
    assert.equal(formatMoney(1234, 'JPY'), '1234 JPY');
    const config = loadConfig(billingConfigSchema, {
      JOINERY_INVOICE_ISSUER_NAME: 'ACME',
      JOINERY_INVOICE_ISSUER_ADDRESS: 'Street 1\\nTown',
      JOINERY_INVOICE_NUMBER_PREFIX: 'A/',
    });
    assert.deepEqual(invoicingOf(config), {
      issuer: { name: 'ACME', address: 'Street 1\nTown', taxId: '', email: '' },
      numberPrefix: 'A/',
    });
    assert.equal(invoicingOf(loadConfig(billingConfigSchema, {})).issuer.name, 'Joinery');
    assert.throws(() => loadConfig(billingConfigSchema, { JOINERY_INVOICE_NUMBER_PREFIX: 'no spaces' }));
  });
});
