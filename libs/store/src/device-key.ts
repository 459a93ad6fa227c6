import { storeErrors } from './store-errors.js';

const hex16 = /^[0-9a-fA-F]{16}$/;
const part = /^[^{}\s]+$/;

/**
 * The Redis key of one device's state: `deviceKey('joinery:keys', '0102030405060708', 'nonce')` →
 * `joinery:keys:{0102030405060708}:nonce`. The DevEUI (upper-case hex, big-endian) is the Redis Cluster hash tag,
 * so every key of a device lives in one slot and one script or MULTI can touch them all.
 */
export function deviceKey(prefix: string, devEui: string | Uint8Array, ...parts: string[]): string {
  for (const p of [prefix, ...parts]) {
    if (!part.test(p)) throw storeErrors.invalid_key_part({ part: p.slice(0, 64) });
  }
  return [prefix, `{${devEuiHex(devEui)}}`, ...parts].join(':');
}

function devEuiHex(devEui: string | Uint8Array): string {
  if (typeof devEui === 'string') {
    if (!hex16.test(devEui)) throw storeErrors.invalid_dev_eui({ length: devEui.length });
    return devEui.toUpperCase();
  }
  if (devEui.length !== 8) throw storeErrors.invalid_dev_eui({ length: devEui.length });
  return Buffer.from(devEui).toString('hex').toUpperCase();
}
