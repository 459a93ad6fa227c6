import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hexOf, importBatchRow, simulatedDevice } from './device.js';

test('the ImportBatch row of a LoRaWAN 1.0.4 device carries its NwkKey as hex and no AppKey', () => {
  const d = simulatedDevice('1.0.4');
  assert.deepEqual(importBatchRow(d), {
    devEui: d.devEui,
    macVersion: '1.0.4',
    nwkKey: { key: { case: 'hex', value: hexOf(d.nwkKey) } },
    claimCode: d.claimCode,
  });
});

test('the ImportBatch row of a LoRaWAN 1.1 device carries its AppKey too', () => {
  const d = simulatedDevice('1.1');
  const row = importBatchRow(d);
  assert.equal(row.macVersion, '1.1');
  assert.deepEqual(row.appKey, { key: { case: 'hex', value: hexOf(d.appKey!) } });
  assert.match(row.appKey.key.value, /^[0-9A-F]{32}$/);
  assert.notEqual(row.appKey.key.value, row.nwkKey.key.value);
});
