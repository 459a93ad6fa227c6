import { AES128Key } from './aes128-key.js';
import { aesEcbEncrypt } from './aes.js';
import type { DevNonce } from './dev-nonce.js';
import type { EUI64 } from './eui64.js';
import type { JoinNonce } from './join-nonce.js';
import { KeyPrefix, jsKeyBlock, sessionKeyBlock10, sessionKeyBlock11 } from './key-derivation-blocks.js';
import type { NetID } from './net-id.js';

/**
 * Software derivation: AES-ECB encryption of each block under the root key (an HSM does the same step per block).
 * ECB handles blocks independently, so the blocks under one root key go through in a single call.
 */
function derive(root: AES128Key, ...blocks: Uint8Array[]): AES128Key[] {
  const input = new Uint8Array(blocks.length * 16);
  blocks.forEach((block, i) => input.set(block, i * 16));
  const out = aesEcbEncrypt(root, input);
  const keys = blocks.map((_, i) => AES128Key.fromBytes(out.subarray(i * 16, i * 16 + 16)));
  out.fill(0);
  return keys;
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
  const [nwkSKey, appSKey] = derive(
    key,
    sessionKeyBlock10(KeyPrefix.nwkSKey, joinNonce, netId, devNonce),
    sessionKeyBlock10(KeyPrefix.appSKey, joinNonce, netId, devNonce),
  ) as [AES128Key, AES128Key];
  return { nwkSKey, appSKey };
}

/** 1.1 (OptNeg = 1) session keys: network keys under NwkKey, AppSKey under AppKey; RJcount as `devNonce` for rejoins. */
export function deriveSessionKeys11(
  nwkKey: AES128Key,
  appKey: AES128Key,
  joinNonce: JoinNonce,
  joinEui: EUI64,
  devNonce: DevNonce,
): SessionKeys11 {
  const [fNwkSIntKey, sNwkSIntKey, nwkSEncKey] = derive(
    nwkKey,
    sessionKeyBlock11(KeyPrefix.fNwkSIntKey, joinNonce, joinEui, devNonce),
    sessionKeyBlock11(KeyPrefix.sNwkSIntKey, joinNonce, joinEui, devNonce),
    sessionKeyBlock11(KeyPrefix.nwkSEncKey, joinNonce, joinEui, devNonce),
  ) as [AES128Key, AES128Key, AES128Key];
  const [appSKey] = derive(appKey, sessionKeyBlock11(KeyPrefix.appSKey, joinNonce, joinEui, devNonce)) as [
    AES128Key,
  ];
  return { fNwkSIntKey, sNwkSIntKey, nwkSEncKey, appSKey };
}

/**
 * The JS keys last derived from each NwkKey object. They depend only on NwkKey and DevEUI, so they are kept for the
 * life of the root-key object: the same `AES128Key` objects then keep their cached cipher and CMAC subkeys, which
 * saves two cipher set-ups per 1.1 join. One entry per NwkKey (a root key belongs to one device).
 */
const jsKeyCache = new WeakMap<AES128Key, { readonly devEui: EUI64; readonly keys: JsKeys }>();

/** 1.1 JSIntKey / JSEncKey: depend only on NwkKey and DevEUI, not on the join. */
export function deriveJsKeys(nwkKey: AES128Key, devEui: EUI64): JsKeys {
  const cached = jsKeyCache.get(nwkKey);
  if (cached !== undefined && cached.devEui.equals(devEui)) return cached.keys;
  const [jsIntKey, jsEncKey] = derive(
    nwkKey,
    jsKeyBlock(KeyPrefix.jsIntKey, devEui),
    jsKeyBlock(KeyPrefix.jsEncKey, devEui),
  ) as [AES128Key, AES128Key];
  const keys = { jsIntKey, jsEncKey };
  jsKeyCache.set(nwkKey, { devEui, keys });
  return keys;
}
