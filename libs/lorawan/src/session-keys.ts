import { AES128Key } from './aes128-key.js';
import { aesEcbEncrypt } from './aes.js';
import type { DevNonce } from './dev-nonce.js';
import type { EUI64 } from './eui64.js';
import type { JoinNonce } from './join-nonce.js';
import { KeyPrefix, jsKeyBlock, sessionKeyBlock10, sessionKeyBlock11 } from './key-derivation-blocks.js';
import type { NetID } from './net-id.js';

/** Software derivation: one AES-ECB encryption of the block under the root key (an HSM does the same step). */
function derive(root: AES128Key, block: Uint8Array): AES128Key {
  const out = aesEcbEncrypt(root, block);
  const key = AES128Key.fromBytes(out);
  out.fill(0);
  return key;
}

export interface SessionKeys10 {
  readonly nwkSKey: AES128Key;
  readonly appSKey: AES128Key;
}

export interface SessionKeys11 {
  readonly fNwkSIntKey: AES128Key;
  readonly sNwkSIntKey: AES128Key;
  readonly nwkSEncKey: AES128Key;
  readonly appSKey: AES128Key;
}

export interface JsKeys {
  readonly jsIntKey: AES128Key;
  readonly jsEncKey: AES128Key;
}

/**
 * 1.0.x session keys (also a 1.1 device answered with OptNeg = 0, where `key` is its NwkKey and
 * FNwkSIntKey = SNwkSIntKey = NwkSEncKey = NwkSKey).
 */
export function deriveSessionKeys10(
  key: AES128Key,
  joinNonce: JoinNonce,
  netId: NetID,
  devNonce: DevNonce,
): SessionKeys10 {
  return {
    nwkSKey: derive(key, sessionKeyBlock10(KeyPrefix.nwkSKey, joinNonce, netId, devNonce)),
    appSKey: derive(key, sessionKeyBlock10(KeyPrefix.appSKey, joinNonce, netId, devNonce)),
  };
}

/** 1.1 (OptNeg = 1) session keys: network keys under NwkKey, AppSKey under AppKey; RJcount as `devNonce` for rejoins. */
export function deriveSessionKeys11(
  nwkKey: AES128Key,
  appKey: AES128Key,
  joinNonce: JoinNonce,
  joinEui: EUI64,
  devNonce: DevNonce,
): SessionKeys11 {
  return {
    fNwkSIntKey: derive(nwkKey, sessionKeyBlock11(KeyPrefix.fNwkSIntKey, joinNonce, joinEui, devNonce)),
    sNwkSIntKey: derive(nwkKey, sessionKeyBlock11(KeyPrefix.sNwkSIntKey, joinNonce, joinEui, devNonce)),
    nwkSEncKey: derive(nwkKey, sessionKeyBlock11(KeyPrefix.nwkSEncKey, joinNonce, joinEui, devNonce)),
    appSKey: derive(appKey, sessionKeyBlock11(KeyPrefix.appSKey, joinNonce, joinEui, devNonce)),
  };
}

/** 1.1 JSIntKey / JSEncKey: depend only on NwkKey and DevEUI, not on the join. */
export function deriveJsKeys(nwkKey: AES128Key, devEui: EUI64): JsKeys {
  return {
    jsIntKey: derive(nwkKey, jsKeyBlock(KeyPrefix.jsIntKey, devEui)),
    jsEncKey: derive(nwkKey, jsKeyBlock(KeyPrefix.jsEncKey, devEui)),
  };
}
