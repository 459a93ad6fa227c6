import type { DevNonce } from './dev-nonce.js';
import type { EUI64 } from './eui64.js';
import { lorawanErrors } from './errors.js';
import type { JoinNonce } from './join-nonce.js';
import type { NetID } from './net-id.js';

/**
 * The first byte of each key-derivation block. 1.0 and 1.1 share 0x01 (NwkSKey / FNwkSIntKey) and 0x02 (AppSKey);
 * the blocks differ in what follows.
 */
export const KeyPrefix = {
  nwkSKey: 0x01,
  fNwkSIntKey: 0x01,
  appSKey: 0x02,
  sNwkSIntKey: 0x03,
  nwkSEncKey: 0x04,
  jsEncKey: 0x05,
  jsIntKey: 0x06,
} as const;

export type SessionKeyPrefix10 = 0x01 | 0x02;
export type SessionKeyPrefix11 = 0x01 | 0x02 | 0x03 | 0x04;
export type JsKeyPrefix = 0x05 | 0x06;

function checkPrefix(prefix: number, allowed: readonly number[]): void {
  if (!allowed.includes(prefix)) throw lorawanErrors.invalid_block({ reason: 'prefix', prefix });
}

/**
 * LoRaWAN 1.0.x (and 1.1 with OptNeg = 0) session-key block: `prefix | JoinNonce | NetID | DevNonce | pad16`,
 * all fields in wire order. The key is `AES-ECB-encrypt(root key, block)`; an HSM can run that step itself.
 */
export function sessionKeyBlock10(
  prefix: SessionKeyPrefix10,
  joinNonce: JoinNonce,
  netId: NetID,
  devNonce: DevNonce,
): Uint8Array {
  checkPrefix(prefix, [0x01, 0x02]);
  const block = new Uint8Array(16);
  block[0] = prefix;
  block.set(joinNonce.toWire(), 1);
  block.set(netId.toWire(), 4);
  block.set(devNonce.toWire(), 7);
  return block;
}

/**
 * LoRaWAN 1.1 (OptNeg = 1) session-key block: `prefix | JoinNonce | JoinEUI | DevNonce | pad16`. For a rejoin
 * answer `devNonce` carries RJcount0 (types 0/2) or RJcount1 (type 1). AppSKey (0x02) is encrypted under AppKey,
 * the others under NwkKey.
 */
export function sessionKeyBlock11(
  prefix: SessionKeyPrefix11,
  joinNonce: JoinNonce,
  joinEui: EUI64,
  devNonce: DevNonce,
): Uint8Array {
  checkPrefix(prefix, [0x01, 0x02, 0x03, 0x04]);
  const block = new Uint8Array(16);
  block[0] = prefix;
  block.set(joinNonce.toWire(), 1);
  block.set(joinEui.toWire(), 4);
  block.set(devNonce.toWire(), 12);
  return block;
}

/** LoRaWAN 1.1 JS key block: `prefix | DevEUI | pad16` (0x05 JSEncKey, 0x06 JSIntKey), encrypted under NwkKey. */
export function jsKeyBlock(prefix: JsKeyPrefix, devEui: EUI64): Uint8Array {
  checkPrefix(prefix, [0x05, 0x06]);
  const block = new Uint8Array(16);
  block[0] = prefix;
  block.set(devEui.toWire(), 1);
  return block;
}
