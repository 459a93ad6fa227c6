// Invoices over REST against embedded mode, after a real join: the list, the document as JSON, CSV and PDF (parsed
// back), `joinery api` saving the PDF, and another account seeing none of it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pdfText } from '@joinery/billing/testing';
import { captureLogs } from '@joinery/logging';
import {
  batchRow,
  simulatedDevice,
  SimulatedNetworkServer,
  type SimulatedDevice,
} from '@joinery/testing/simulated-network';
import { createApiClient, type ApiClient } from './cli/api-client.js';
import type { RegisteredNetworkServer } from './cli/ns-bundle.js';
import { runCli } from './cli/run-cli.js';
import { startEmbedded, type RunningEmbedded } from './embedded.js';
import { loopbackEmbeddedEnv } from './testing/loopback-env.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-invoices-'));
let running: RunningEmbedded;
let admin: ApiClient;
let ownerA: ApiClient;
let ownerB: ApiClient;
let accountA: string;
let keyA: string;
let device: SimulatedDevice;
const now = new Date();
const period = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;

before(async () => {
  running = await startEmbedded(
    loopbackEmbeddedEnv(join(dir, 'data'), {
      JOINERY_INVOICE_ISSUER_NAME: 'Example Networks',
      JOINERY_INVOICE_ISSUER_TAX_ID: 'DE123456789',
    }),
    captureLogs().logger,
  );
  const url = `http://127.0.0.1:${running.apiPort}`;
  admin = createApiClient(url, running.adminToken);
  const a = await admin.request<{ id: string; apiKey: string }>('POST', '/api/v1/accounts', { name: 'A' });
  const b = await admin.request<{ id: string; apiKey: string }>('POST', '/api/v1/accounts', { name: 'B' });
  [accountA, keyA] = [a.id, a.apiKey];
  ownerA = createApiClient(url, a.apiKey);
  ownerB = createApiClient(url, b.apiKey);
  const joinEui = '70B3D57ED00A0001';
  device = simulatedDevice('1.0.3');
  await admin.request('POST', '/api/v1/device-batches', { joinEui, devices: [batchRow(device)] });
  const ns = await ownerA.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', {
    name: 'n',
    netId: '000013',
  });
  await ownerA.request('POST', '/api/v1/claims', {
    devEui: device.devEui,
    claimCode: device.claimCode,
    networkServerId: ns.id,
  });
  const client = new SimulatedNetworkServer(new URL(`https://127.0.0.1:${running.biPort}/`), ns);
  const joined = await client.join(device, joinEui);
  client.close();
  assert.equal(joined.ok, true, joined.resultCode);
  for (let i = 0; ; i++) {
    const { charges } = await ownerA.request<{ charges: unknown[] }>('GET', '/api/v1/billing/charges');
    if (charges.length === 1) break;
    if (i > 100) throw new Error('no charge');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
after(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface InvoiceJson {
  number: string | null;
  status: string;
  issuer: { name: string; taxId: string };
  period: string;
  lines: { devEui: string; amountMinor: number }[];
  totals: { currency: string; totalMinor: number }[];
}

test('GET /api/v1/billing/invoices lists the month with charges; the document comes as JSON, CSV and PDF', async () => {
  const list = await ownerA.request<{ items: { period: string; status: string; lineCount: number }[] }>(
    'GET',
    '/api/v1/billing/invoices',
  );
  assert.deepEqual(
    list.items.map((i) => [i.period, i.status, i.lineCount]),
    [[period, 'draft', 1]],
  );
  const invoice = await ownerA.request<InvoiceJson>('GET', `/api/v1/billing/invoices/${period}`);
  // The month is not over: a draft, without a number yet.
  assert.equal(invoice.number, null);
  assert.deepEqual([invoice.issuer.name, invoice.issuer.taxId], ['Example Networks', 'DE123456789']);
  assert.deepEqual(
    invoice.lines.map((l) => [l.devEui, l.amountMinor]),
    [[device.devEui, 20]],
  );
  assert.deepEqual(invoice.totals, [{ currency: 'USD', totalMinor: 20 }]);
  const csv = await ownerA.text(`/api/v1/billing/invoices/${period}?format=csv`);
  // Every row names its invoice (a draft: no number, no date yet) and the configured issuer.
  assert.match(
    csv,
    new RegExp(
      `^${device.devEui},${accountA},20,USD,[^,]+,[^,]+,,,${period},Example Networks,,DE123456789,$`,
      'm',
    ),
  );
  const pdf = await ownerA.call('GET', `/api/v1/billing/invoices/${period}?format=pdf`);
  assert.equal(pdf.contentType, 'application/pdf');
  const text = await pdfText(pdf.bytes);
  assert.match(text, /Invoice \(draft\)/);
  assert.match(text, /Example Networks/);
  assert.match(text, new RegExp(`Activation of device ${device.devEui}`));
  assert.match(text, /Total 0\.20 USD/);
});

test('joinery api getInvoice --format pdf --output saves the document', async () => {
  const file = join(dir, 'invoice.pdf');
  let stderr = '';
  const code = await runCli(['api', 'getInvoice', '--period', period, '--format', 'pdf', '--output', file], {
    env: { JOINERY_API_PORT: String(running.apiPort), JOINERY_TOKEN: keyA },
    stdout: () => {},
    stderr: (t) => (stderr += t),
  });
  assert.equal(code, 0, stderr);
  assert.match(await pdfText(readFileSync(file)), new RegExp(device.devEui));
});

test('another account sees none of it: its own empty list, and its own invoice whatever accountId says', async () => {
  const list = await ownerB.request<{ items: unknown[] }>('GET', '/api/v1/billing/invoices');
  assert.deepEqual(list.items, []);
  const asked = await ownerB.request<InvoiceJson>(
    'GET',
    `/api/v1/billing/invoices/${period}?accountId=${encodeURIComponent(accountA)}`,
  );
  assert.deepEqual(asked.lines, []);
  const pdf = await pdfText(
    (await ownerB.call('GET', `/api/v1/billing/invoices/${period}?format=pdf`)).bytes,
  );
  assert.doesNotMatch(pdf, new RegExp(device.devEui));
  // The admin sees every account's, and must name the account of one invoice.
  const all = await admin.request<{ items: { accountId: string }[] }>('GET', '/api/v1/billing/invoices');
  assert.deepEqual(
    all.items.map((i) => i.accountId),
    [accountA],
  );
  await assert.rejects(
    admin.request('GET', `/api/v1/billing/invoices/${period}`),
    /admin must name the account/,
  );
  const bad = await admin.call('GET', '/api/v1/billing/invoices?cursor=bm9wZQ').catch((err: unknown) => err);
  assert.equal((bad as { code?: string }).code, 'invalid_request');
});

test('joinery invoices list / get: JSON, CSV on stdout, PDF to a file', async () => {
  const env = { JOINERY_API_PORT: String(running.apiPort), JOINERY_TOKEN: keyA };
  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  };
  const list = await cli('invoices', 'list');
  assert.equal(list.code, 0, list.stderr);
  assert.equal((JSON.parse(list.stdout) as { items: { period: string }[] }).items[0]?.period, period);
  const csv = await cli('invoices', 'get', period, '--format', 'csv');
  assert.equal(csv.code, 0, csv.stderr);
  assert.match(
    csv.stdout,
    /^devEui,accountId,amountMinor,currency,chargedAt,joinEventId,invoiceNumber,invoiceDate,period,issuerName,issuerAddress,issuerTaxId,issuerEmail\n/,
  );
  const noFile = await cli('invoices', 'get', period, '--format', 'pdf');
  assert.equal(noFile.code, 2);
  const file = join(dir, 'cli-invoice.pdf');
  const pdf = await cli('invoices', 'get', period, '--format', 'pdf', '--output', file);
  assert.equal(pdf.code, 0, pdf.stderr);
  assert.match(await pdfText(readFileSync(file)), /Invoice \(draft\)/);
});
