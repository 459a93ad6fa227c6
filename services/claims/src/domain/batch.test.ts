import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { admin, claimCodeOf, createHarness, devEui, joinEui, nwkKeyHex } from '../testing/harness.js';
import { parseBatchCsv, validateBatch, type BatchRowInput } from './batch.js';
import { claimsErrors } from './errors.js';
import { verifyClaimCode } from './secrets.js';

const row = (n: number, overrides: Partial<BatchRowInput> = {}): BatchRowInput => ({
  devEui: devEui(n),
  macVersion: '1.0.3',
  nwkKey: nwkKeyHex,
  claimCode: claimCodeOf(n),
  ...overrides,
});

function assertBatchError(fn: () => unknown, details: { row: number; field: string }) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(JoineryError.is(err, claimsErrors.invalid_batch.code));
    assert.equal(err.details['row'], details.row);
    assert.equal(err.details['field'], details.field);
    assert.equal(typeof err.details['reason'], 'string');
    return true;
  });
}

describe('batch validation', () => {
  const cases: [string, BatchRowInput, string][] = [
    ['bad DevEUI', row(2, { devEui: '1234' }), 'devEui'],
    ['bad MAC version', row(2, { macVersion: '2.0' }), 'macVersion'],
    ['missing root key', row(2, { nwkKey: undefined }), 'nwkKey'],
    ['short root key', row(2, { nwkKey: 'ABCD' }), 'nwkKey'],
    ['1.1 without AppKey', row(2, { macVersion: '1.1' }), 'appKey'],
    ['1.0.x with AppKey', row(2, { appKey: nwkKeyHex }), 'appKey'],
    [
      'wrapped key of the wrong size',
      row(2, { nwkKey: { kekLabel: 't', wrapped: 'AA'.repeat(16) } }),
      'nwkKey',
    ],
    [
      'mixed plain and wrapped',
      row(2, { macVersion: '1.1', appKey: { kekLabel: 't', wrapped: 'AA'.repeat(24) } }),
      'appKey',
    ],
    ['claim code with a colon', row(2, { claimCode: 'AB:CD' }), 'claimCode'],
    ['claim code too short', row(2, { claimCode: 'ABC' }), 'claimCode'],
    ['bad JoinEUI', row(2, { joinEui: 'XYZ' }), 'joinEui'],
    ['duplicate DevEUI', row(1), 'devEui'],
  ];
  for (const [name, bad, field] of cases)
    test(`names row and field: ${name}`, () =>
      assertBatchError(() => validateBatch([row(1), bad, row(3)], joinEui), { row: 2, field }));

  test('normalizes EUIs, MAC versions and keys', () => {
    const [r] = validateBatch(
      [row(1, { devEui: '0x00000000000000ab', macVersion: '1.1.0', appKey: nwkKeyHex.toLowerCase() })],
      joinEui.toLowerCase(),
    );
    assert.equal(r?.devEui, '00000000000000AB');
    assert.equal(r?.joinEui, joinEui);
    assert.equal(r?.macVersion, '1.1');
    assert.equal(r?.keys.kind, 'plain');
  });

  test('a row without JoinEUI needs the batch JoinEUI', () => {
    assertBatchError(() => validateBatch([row(1)], null), { row: 1, field: 'joinEui' });
    assertBatchError(() => validateBatch([], joinEui), { row: 0, field: 'devices' });
  });

  test('CSV with plain and with wrapped keys', () => {
    const plain = parseBatchCsv(
      `devEui,macVersion,nwkKey,appKey,claimCode\n${devEui(1)},1.1,${nwkKeyHex},${nwkKeyHex},PIN0001\n\n${devEui(2)},1.0.3,${nwkKeyHex},,PIN0002\n`,
    );
    const rows = validateBatch(plain, joinEui);
    assert.equal(rows.length, 2);
    assert.equal(rows[1]?.keys.kind, 'plain');
    const wrapped = parseBatchCsv(
      `devEui,joinEui,macVersion,kekLabel,wrappedNwkKey,claimCode\r\n${devEui(1)},${joinEui},1.0.2,mfg-1,${'AB'.repeat(24)},PIN0001\r\n`,
    );
    const [w] = validateBatch(wrapped, null);
    assert.deepEqual(
      w?.keys.kind === 'wrapped'
        ? [w.keys.kekLabel, w.keys.wrappedNwkKey.length, w.keys.wrappedAppKey]
        : null,
      ['mfg-1', 24, null],
    );
    assertBatchError(() => parseBatchCsv('devEui,macVersion,claimCode,color\n'), { row: 0, field: 'color' });
    assertBatchError(() => parseBatchCsv(`devEui,macVersion,nwkKey,claimCode\n${devEui(1)},1.0.3\n`), {
      row: 1,
      field: 'csv',
    });
    assertBatchError(() => parseBatchCsv('devEui,nwkKey,claimCode\n'), { row: 0, field: 'macVersion' });
  });
});

describe('batch import', () => {
  test('imports, hands root keys to the keys port, keeps only the claim code hash, and returns QR codes', async () => {
    const h = await createHarness();
    const result = await h.claims.devices.importBatch(admin, {
      rows: [row(1), row(2, { macVersion: '1.1', appKey: nwkKeyHex })],
      joinEui,
      manufacturer: 'acme',
      batchId: 'b-42',
      includeQrCodes: true,
      profileId: '000A0001',
    });
    assert.deepEqual(result, {
      imported: 2,
      batchId: 'b-42',
      qrCodes: [
        `LW:D0:${joinEui}:${devEui(1)}:000A0001:O${claimCodeOf(1)}`,
        `LW:D0:${joinEui}:${devEui(2)}:000A0001:O${claimCodeOf(2)}`,
      ],
    });
    assert.deepEqual([...h.keys.devices.keys()], [devEui(1), devEui(2)]);
    const stored = await h.store.getDevice(devEui(1));
    assert.ok(stored);
    const text = JSON.stringify(stored);
    assert.ok(!text.includes(claimCodeOf(1)));
    assert.ok(!text.toUpperCase().includes(nwkKeyHex));
    assert.ok(await verifyClaimCode(claimCodeOf(1), stored.claimCodeHash));
    assert.ok(!(await verifyClaimCode(claimCodeOf(2), stored.claimCodeHash)));
    assert.equal(
      await h.claims.devices.qrCode(admin, devEui(1), '', null),
      `LW:D0:${joinEui}:${devEui(1)}:00000000`,
    );
    assert.equal(
      await h.claims.devices.qrCode(admin, devEui(1), claimCodeOf(1), null),
      `LW:D0:${joinEui}:${devEui(1)}:00000000:O${claimCodeOf(1)}`,
    );
    await assert.rejects(h.claims.devices.qrCode(admin, devEui(1), 'WRONG1', null), (e: unknown) =>
      JoineryError.is(e, claimsErrors.wrong_claim_code.code),
    );
  });

  test('wrapped keys need a registered transport KEK; a keys failure stores nothing', async () => {
    const h = await createHarness();
    const input = {
      rows: [row(1, { nwkKey: { kekLabel: 'mfg', wrapped: 'AB'.repeat(24) } })],
      joinEui,
      manufacturer: 'acme',
      batchId: null,
      includeQrCodes: false,
      profileId: null,
    };
    await assert.rejects(h.claims.devices.importBatch(admin, input), (e: unknown) =>
      JoineryError.is(e, 'keys:unknown_kek'),
    );
    assert.equal(await h.store.getDevice(devEui(1)), undefined);
    await h.keys.createKek('mfg', 'transport');
    assert.equal((await h.claims.devices.importBatch(admin, input)).imported, 1);
  });

  test('only admins import; an existing DevEUI fails the batch with its row', async () => {
    const h = await createHarness();
    const input = {
      rows: [row(1)],
      joinEui,
      manufacturer: 'acme',
      batchId: null,
      includeQrCodes: false,
      profileId: null,
    };
    const { apiKey } = await h.claims.accounts.createAccount(admin, 'a');
    await assert.rejects(
      h.claims.devices.importBatch(await h.claims.accounts.authenticate(apiKey), input),
      (e: unknown) => JoineryError.is(e, claimsErrors.admin_only.code),
    );
    await h.claims.devices.importBatch(admin, input);
    await assert.rejects(
      h.claims.devices.importBatch(admin, { ...input, rows: [row(5), row(1)] }),
      (e: unknown) => JoineryError.is(e, claimsErrors.invalid_batch.code) && e.details['row'] === 2,
    );
    assert.equal(await h.store.getDevice(devEui(5)), undefined);
  });

  test('the store refusing a batch (a concurrent import) deletes the imported root keys again', async () => {
    const h = await createHarness();
    const original = h.store.insertDevices.bind(h.store);
    h.store.insertDevices = async () => {
      throw claimsErrors.device_exists({ devEui: devEui(2) });
    };
    await assert.rejects(
      h.claims.devices.importBatch(admin, {
        rows: [row(1), row(2)],
        joinEui,
        manufacturer: 'acme',
        batchId: null,
        includeQrCodes: false,
        profileId: null,
      }),
      (e: unknown) => JoineryError.is(e, claimsErrors.device_exists.code),
    );
    assert.equal(h.keys.devices.size, 0);
    h.store.insertDevices = original;
  });

  // scrypt at log2N 10 here to keep the suite quick on 2 cores; the default cost (log2N 12) is measured in README.
  test('10,000 devices in one call: all or nothing on a bad row, then all imported', async () => {
    const h = await createHarness({ scryptCost: { log2N: 10, r: 8, p: 1 } });
    const rows = Array.from({ length: 10_000 }, (_, i) => row(i + 1));
    const bad = [...rows];
    bad[7776] = row(7777, { nwkKey: 'NOT-HEX' });
    await assert.rejects(
      h.claims.devices.importBatch(admin, {
        rows: bad,
        joinEui,
        manufacturer: 'acme',
        batchId: null,
        includeQrCodes: false,
        profileId: null,
      }),
      (e: unknown) =>
        JoineryError.is(e, claimsErrors.invalid_batch.code) &&
        e.details['row'] === 7777 &&
        e.details['field'] === 'nwkKey',
    );
    assert.equal(h.keys.devices.size, 0);
    assert.equal(await h.store.getDevice(devEui(1)), undefined);
    const result = await h.claims.devices.importBatch(admin, {
      rows,
      joinEui,
      manufacturer: 'acme',
      batchId: 'big',
      includeQrCodes: false,
      profileId: null,
    });
    assert.equal(result.imported, 10_000);
    assert.equal(h.keys.devices.size, 10_000);
    assert.equal(h.publisher.events.length, 10_000);
    assert.equal((await h.store.getDevice(devEui(10_000)))?.state, 'unclaimed');
    const page = await h.claims.devices.listDevices(admin, {
      accountId: null,
      batchId: 'big',
      pageSize: 1000,
      pageToken: null,
    });
    assert.equal(page.devices.length, 1000);
  });
});
