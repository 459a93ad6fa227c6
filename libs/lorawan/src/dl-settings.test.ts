import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDLSettings, encodeDLSettings } from './dl-settings.js';

test('DLSettings: OptNeg bit 7, RX1DROffset bits 6..4, RX2DR bits 3..0', () => {
  assert.deepEqual(decodeDLSettings(0x95), { optNeg: true, rx1DrOffset: 1, rx2DataRate: 5 });
  assert.deepEqual(decodeDLSettings(0x7f), { optNeg: false, rx1DrOffset: 7, rx2DataRate: 15 });
  assert.equal(encodeDLSettings({ optNeg: true, rx1DrOffset: 1, rx2DataRate: 5 }), 0x95);
  assert.equal(encodeDLSettings(0x12), 0x12);
});

test('DLSettings out of range is lorawan:invalid_dl_settings', () => {
  assert.throws(() => encodeDLSettings({ optNeg: false, rx1DrOffset: 8, rx2DataRate: 0 }), {
    code: 'lorawan:invalid_dl_settings',
  });
  assert.throws(() => encodeDLSettings({ optNeg: false, rx1DrOffset: 0, rx2DataRate: 16 }), {
    code: 'lorawan:invalid_dl_settings',
  });
  assert.throws(() => encodeDLSettings(256), { code: 'lorawan:invalid_dl_settings' });
  assert.throws(() => decodeDLSettings(-1), { code: 'lorawan:invalid_dl_settings' });
});
