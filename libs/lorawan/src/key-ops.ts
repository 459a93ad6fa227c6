import { AES128Key } from './aes128-key.js';
import { aesEcbDecrypt, aesEcbEncrypt } from './aes.js';
import { aesCmac } from './aes-cmac.js';
import type { DevNonce } from './dev-nonce.js';
import type { DLSettings } from './dl-settings.js';
import { encodeDLSettings } from './dl-settings.js';
import { lorawanErrors } from './errors.js';
import type { EUI64 } from './eui64.js';
import { bytesEqual } from './hex.js';
import {
  type JoinAcceptFields,
  JoinReqType,
  encodeJoinAcceptPhy,
  joinAcceptMicInput10,
  joinAcceptMicInput11,
  joinAcceptPlaintext,
} from './join-accept.js';
import { KeyPrefix, jsKeyBlock, sessionKeyBlock10, sessionKeyBlock11 } from './key-derivation-blocks.js';
import { decodeJoinRequest } from './join-request.js';
import { decodeRejoinRequest } from './rejoin-request.js';
import { type MacVersion, isLoRaWAN11 } from './mac-version.js';

/**
 * The primitive crypto port, over key handles `K` that never show their value: an HSM object handle, or an
 * `AES128Key` in software. Everything LoRaWAN-specific (which key signs, 1.0 vs 1.1, JSEncKey for rejoins, OptNeg)
 * is composed from these once, in this module; a vault implements only these.
 */
export interface KeyOps<K> {
  /** AES-CMAC of `data` under `key`, all 16 bytes (the MIC is the first 4). */
  cmac(key: K, data: Uint8Array): Uint8Array;
  /** A new key whose value is AES-ECB-encrypt(`parent`, `block`), LoRaWAN's key derivation. */
  derive(parent: K, block: Uint8Array, use: DerivedKeyUse): K;
  /** AES-ECB decryption under `key`: a join-accept is "encrypted" this way, so a device needs only AES-encrypt. */
  ecbDecrypt(key: K, data: Uint8Array): Uint8Array;
  /** Ends derived keys (an HSM's session objects); nothing to do for software keys. */
  dispose(keys: readonly K[]): void;
}

/** What a derived key is for: a session key may have to leave in clear (`readable`); JS keys never leave. */
export type DerivedKeyUse = 'js-key' | 'session-key' | 'readable-session-key';

/** Root-key handles of one device: the 1.1 NwkKey or the single 1.0.x AppKey, and the 1.1 AppKey. */
export interface RootKeyHandles<K> {
  readonly nwkKey: K;
  /** Required when the join-accept is built with OptNeg = 1. */
  readonly appKey?: K;
}

export interface JoinAcceptScheme {
  readonly macVersion: MacVersion;
  /** 1.1 only: answer with the 1.1 scheme (OptNeg = 1); false answers a 1.1 device as 1.0. */
  readonly optNeg: boolean;
  /** Which request is answered (0xFF join-request; rejoin answers need OptNeg = 1). */
  readonly joinReqType: JoinReqType;
  readonly devEui: EUI64;
  readonly joinEui: EUI64;
  /** DevNonce for a join-request; RJcount0 (types 0/2) or RJcount1 (type 1) for a rejoin. */
  readonly devNonce: DevNonce;
  /** Session keys to derive readable, for a plaintext delivery. */
  readonly readableNwkKeys?: boolean;
  readonly readableAppSKey?: boolean;
}

/** Session-key handles by scheme: NwkSKey for OptNeg = 0, the three 1.1 network keys for OptNeg = 1. */
export type SessionKeyHandles<K> =
  | { readonly optNeg: false; readonly nwkSKey: K; readonly appSKey: K }
  | {
      readonly optNeg: true;
      readonly fNwkSIntKey: K;
      readonly sNwkSIntKey: K;
      readonly nwkSEncKey: K;
      readonly appSKey: K;
    };

export interface ComposedJoinAccept<K> {
  /** MHDR | encrypted(body | MIC), ready for the NS. */
  readonly phyPayload: Uint8Array;
  readonly mic: Uint8Array;
  readonly sessionKeys: SessionKeyHandles<K>;
  /** Every key this call derived (session keys and JS keys), for the caller to dispose of. */
  readonly derived: readonly K[];
}

/** 1.0.x never gets OptNeg or rejoin answers; OptNeg = 1 needs an AppKey (`lorawan:invalid_join_options`). */
export function checkJoinScheme(
  macVersion: MacVersion,
  optNeg: boolean,
  joinReqType: JoinReqType,
  hasAppKey: boolean,
): void {
  if (optNeg && !isLoRaWAN11(macVersion))
    throw lorawanErrors.invalid_join_options({ reason: 'optneg_needs_1.1' });
  if (!optNeg && joinReqType !== JoinReqType.joinRequest)
    throw lorawanErrors.invalid_join_options({ reason: 'rejoin_needs_optneg' });
  if (optNeg && !hasAppKey) throw lorawanErrors.invalid_join_options({ reason: 'appkey_required' });
}

/** The DLSettings byte with bit 7 (OptNeg) set from the scheme, so a 1.0.x device never sees it set. */
function withOptNeg(dlSettings: DLSettings | number, optNeg: boolean): number {
  return (encodeDLSettings(dlSettings) & 0x7f) | (optNeg ? 0x80 : 0);
}

/**
 * The join-accept and its session keys, composed from the primitives: the MIC under the root key (1.0 layout) or
 * JSIntKey (1.1), the encryption under the root key or, answering a rejoin, JSEncKey, and the session keys of the
 * scheme. The OptNeg bit of `fields.dlSettings` is overwritten from the scheme.
 */
export function composeJoinAccept<K>(
  ops: KeyOps<K>,
  roots: RootKeyHandles<K>,
  scheme: JoinAcceptScheme,
  fields: JoinAcceptFields,
): ComposedJoinAccept<K> {
  checkJoinScheme(scheme.macVersion, scheme.optNeg, scheme.joinReqType, roots.appKey !== undefined);
  const { nwkKey, appKey } = roots;
  const accept: JoinAcceptFields = { ...fields, dlSettings: withOptNeg(fields.dlSettings, scheme.optNeg) };
  const nwkUse: DerivedKeyUse = scheme.readableNwkKeys === true ? 'readable-session-key' : 'session-key';
  const appUse: DerivedKeyUse = scheme.readableAppSKey === true ? 'readable-session-key' : 'session-key';
  const derived: K[] = [];
  const derive = (parent: K, block: Uint8Array, use: DerivedKeyUse) => {
    const key = ops.derive(parent, block, use);
    derived.push(key);
    return key;
  };
  try {
    if (!scheme.optNeg) {
      const mic = ops.cmac(nwkKey, joinAcceptMicInput10(accept)).subarray(0, 4);
      const phyPayload = encodeJoinAcceptPhy(ops.ecbDecrypt(nwkKey, joinAcceptPlaintext(accept, mic)));
      const block = (prefix: 0x01 | 0x02) =>
        sessionKeyBlock10(prefix, fields.joinNonce, fields.netId, scheme.devNonce);
      const nwkSKey = derive(nwkKey, block(KeyPrefix.nwkSKey), nwkUse);
      const appSKey = derive(nwkKey, block(KeyPrefix.appSKey), appUse);
      return { phyPayload, mic, sessionKeys: { optNeg: false, nwkSKey, appSKey }, derived };
    }
    const jsIntKey = derive(nwkKey, jsKeyBlock(KeyPrefix.jsIntKey, scheme.devEui), 'js-key');
    const micInput = joinAcceptMicInput11(scheme.joinReqType, scheme.joinEui, scheme.devNonce, accept);
    const mic = ops.cmac(jsIntKey, micInput).subarray(0, 4);
    const encKey =
      scheme.joinReqType === JoinReqType.joinRequest
        ? nwkKey
        : derive(nwkKey, jsKeyBlock(KeyPrefix.jsEncKey, scheme.devEui), 'js-key');
    const phyPayload = encodeJoinAcceptPhy(ops.ecbDecrypt(encKey, joinAcceptPlaintext(accept, mic)));
    const block = (prefix: 0x01 | 0x02 | 0x03 | 0x04) =>
      sessionKeyBlock11(prefix, fields.joinNonce, scheme.joinEui, scheme.devNonce);
    const sessionKeys = {
      optNeg: true as const,
      fNwkSIntKey: derive(nwkKey, block(KeyPrefix.fNwkSIntKey), nwkUse),
      sNwkSIntKey: derive(nwkKey, block(KeyPrefix.sNwkSIntKey), nwkUse),
      nwkSEncKey: derive(nwkKey, block(KeyPrefix.nwkSEncKey), nwkUse),
      appSKey: derive(appKey as K, block(KeyPrefix.appSKey), appUse),
    };
    return { phyPayload, mic, sessionKeys, derived };
  } catch (err) {
    // Nothing derived may outlive a failed composition: the caller never sees these handles.
    ops.dispose(derived);
    throw err;
  }
}

/** The 4-byte MIC over all of `phyPayload` but its last 4 bytes, compared in constant time against them. */
function micMatches<K>(ops: KeyOps<K>, key: K, phyPayload: Uint8Array): boolean {
  const mic = ops.cmac(key, phyPayload.subarray(0, phyPayload.length - 4)).subarray(0, 4);
  return bytesEqual(mic, phyPayload.subarray(phyPayload.length - 4));
}

/**
 * A join-request's MIC: the root key (AppKey for 1.0.x, NwkKey for 1.1) over MHDR … DevNonce. The frame is decoded
 * first (typed errors for a malformed one).
 */
export function joinRequestMicValid<K>(ops: KeyOps<K>, nwkKey: K, phyPayload: Uint8Array): boolean {
  decodeJoinRequest(phyPayload);
  return micMatches(ops, nwkKey, phyPayload);
}

/** A rejoin-request type 1 MIC: JSIntKey, derived from the NwkKey and the DevEUI. */
export function rejoinType1MicValid<K>(
  ops: KeyOps<K>,
  nwkKey: K,
  devEui: EUI64,
  phyPayload: Uint8Array,
): boolean {
  decodeRejoinRequest(phyPayload);
  const jsIntKey = ops.derive(nwkKey, jsKeyBlock(KeyPrefix.jsIntKey, devEui), 'js-key');
  try {
    return micMatches(ops, jsIntKey, phyPayload);
  } finally {
    ops.dispose([jsIntKey]);
  }
}

/** The primitives in software, on `AES128Key`s (software vault, test clients). */
export const softwareKeyOps: KeyOps<AES128Key> = {
  cmac: (key, data) => aesCmac(key, data),
  derive: (parent, block) => AES128Key.fromBytes(aesEcbEncrypt(parent, block)),
  ecbDecrypt: (key, data) => aesEcbDecrypt(key, data),
  dispose: () => undefined,
};
