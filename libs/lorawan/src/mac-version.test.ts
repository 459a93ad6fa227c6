import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MacVersion, isLoRaWAN11, isMacVersion, macVersions } from './mac-version.js';

test('MAC versions: 1.0.0–1.0.4 use the 1.0 key hierarchy, 1.1 the 1.1 one', () => {
  assert.deepEqual(macVersions.filter(isLoRaWAN11), ['1.1']);
  assert.ok(isMacVersion('1.0.4') && !isMacVersion('1.2') && !isMacVersion(''));
  assert.throws(() => isLoRaWAN11('1.0' as MacVersion), { code: 'lorawan:invalid_mac_version' });
});
