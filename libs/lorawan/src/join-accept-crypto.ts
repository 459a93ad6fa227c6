import type { AES128Key } from './aes128-key.js';
import { aesEcbDecrypt, aesEcbEncrypt } from './aes.js';
import { cmacMic } from './aes-cmac.js';
import { checkJoinScheme, composeJoinAccept, softwareKeyOps } from './key-ops.js';
import { lorawanErrors } from './errors.js';
import {
  type JoinAccept,
  type JoinAcceptFields,
  JoinReqType,
  decodeJoinAcceptPhy,
  joinAcceptMhdr,
  decodeJoinAcceptPlaintext,
} from './join-accept.js';
import { bytesEqual } from './hex.js';
import { type MacVersion, isLoRaWAN11 } from './mac-version.js';
import type { DevNonce } from './dev-nonce.js';
import type { EUI64 } from './eui64.js';
import type { JoinNonce } from './join-nonce.js';
import type { NetID } from './net-id.js';
import {
  type JsKeys,
  type SessionKeys10,
  type SessionKeys11,
  deriveJsKeys,
  deriveSessionKeys10,
  deriveSessionKeys11,
} from './session-keys.js';

/**
 * "Encrypting" a join-accept is AES-ECB *decryption* of `body | MIC` (so a device needs only AES-encrypt to read
 * it): NwkKey/AppKey for a join-request answer, JSEncKey for a rejoin answer.
 */
export function encryptJoinAccept(key: AES128Key, plaintext: Uint8Array): Uint8Array {
  return aesEcbDecrypt(key, plaintext);
}

/** Device side: strips and checks the MHDR, AES-encrypts the rest and parses the plaintext (MIC not checked). */
export function decryptJoinAccept(key: AES128Key, phyPayload: Uint8Array): JoinAccept {
  return decodeJoinAcceptPlaintext(aesEcbEncrypt(key, decodeJoinAcceptPhy(phyPayload)));
}

/** Session keys by scheme: OptNeg = 0 (1.0.x, or 1.1 answered as 1.0) gives NwkSKey; OptNeg = 1 gives the 1.1 set. */
export type SessionKeys =
  ({ readonly optNeg: false } & SessionKeys10) | ({ readonly optNeg: true } & SessionKeys11);

export interface JoinCryptoContext {
  readonly macVersion: MacVersion;
  /** 1.1 only: answer with the 1.1 scheme (default true). Must be false or absent for 1.0.x. */
  readonly optNeg?: boolean;
  /** Which request is answered (default 0xFF, a join-request); rejoin answers need OptNeg = 1. */
  readonly joinReqType?: JoinReqType;
  /** 1.1 NwkKey, or the single root key (AppKey) of a 1.0.x device. */
  readonly nwkKey: AES128Key;
  /** 1.1 AppKey; required when OptNeg = 1. */
  readonly appKey?: AES128Key;
  readonly devEui: EUI64;
  readonly joinEui: EUI64;
  /** DevNonce for a join-request; RJcount0 (types 0/2) or RJcount1 (type 1) for a rejoin answer. */
  readonly devNonce: DevNonce;
}

interface Scheme {
  readonly optNeg: boolean;
  readonly joinReqType: JoinReqType;
  readonly appKey?: AES128Key;
}

/** Resolves the scheme's defaults (OptNeg for 1.1, a join-request) and checks it (`checkJoinScheme`). */
function schemeOf(ctx: JoinCryptoContext): Scheme {
  const optNeg = ctx.optNeg ?? isLoRaWAN11(ctx.macVersion);
  const joinReqType = ctx.joinReqType ?? JoinReqType.joinRequest;
  checkJoinScheme(ctx.macVersion, optNeg, joinReqType, ctx.appKey !== undefined);
  return ctx.appKey === undefined ? { optNeg, joinReqType } : { optNeg, joinReqType, appKey: ctx.appKey };
}

function sessionKeysFor(
  ctx: JoinCryptoContext,
  scheme: Scheme,
  joinNonce: JoinNonce,
  netId: NetID,
): SessionKeys {
  if (!scheme.optNeg)
    return { optNeg: false, ...deriveSessionKeys10(ctx.nwkKey, joinNonce, netId, ctx.devNonce) };
  return {
    optNeg: true,
    ...deriveSessionKeys11(ctx.nwkKey, scheme.appKey as AES128Key, joinNonce, ctx.joinEui, ctx.devNonce),
  };
}

/** Session keys for a join answered under this context (software vault and test clients). */
export function deriveSessionKeys(ctx: JoinCryptoContext, joinNonce: JoinNonce, netId: NetID): SessionKeys {
  return sessionKeysFor(ctx, schemeOf(ctx), joinNonce, netId);
}

export interface BuiltJoinAccept {
  /** MHDR | encrypted(body | MIC), 17 or 33 bytes, ready for the NS. */
  readonly phyPayload: Uint8Array;
  readonly mic: Uint8Array;
  readonly sessionKeys: SessionKeys;
  /** Present for OptNeg = 1 (they key the MIC and, for rejoins, the encryption). */
  readonly jsKeys?: JsKeys;
}

/**
 * Pure-software join-accept: `composeJoinAccept` over `softwareKeyOps`, the composition every vault uses. The OptNeg
 * bit of `dlSettings` is overwritten from the scheme.
 */
export function buildJoinAccept(ctx: JoinCryptoContext, fields: JoinAcceptFields): BuiltJoinAccept {
  const scheme = schemeOf(ctx);
  const built = composeJoinAccept(
    softwareKeyOps,
    scheme.appKey === undefined ? { nwkKey: ctx.nwkKey } : { nwkKey: ctx.nwkKey, appKey: scheme.appKey },
    {
      macVersion: ctx.macVersion,
      optNeg: scheme.optNeg,
      joinReqType: scheme.joinReqType,
      devEui: ctx.devEui,
      joinEui: ctx.joinEui,
      devNonce: ctx.devNonce,
    },
    fields,
  );
  const { phyPayload, mic, sessionKeys } = built;
  if (!sessionKeys.optNeg) return { phyPayload, mic, sessionKeys };
  return { phyPayload, mic, sessionKeys, jsKeys: deriveJsKeys(ctx.nwkKey, ctx.devEui) };
}

export interface OpenedJoinAccept {
  readonly joinAccept: JoinAccept;
  readonly sessionKeys: SessionKeys;
}

/** The MIC input over the raw decrypted body, so a frame is authenticated before any field is parsed. */
function rawMicInput(
  body: Uint8Array,
  optNeg: boolean,
  joinReqType: JoinReqType,
  joinEui: EUI64,
  devNonce: DevNonce,
): Uint8Array {
  const prefix = optNeg
    ? Uint8Array.of(joinReqType, ...joinEui.toWire(), ...devNonce.toWire(), joinAcceptMhdr)
    : Uint8Array.of(joinAcceptMhdr);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}

/**
 * Device side (test clients): decrypts a join-accept, picks the MIC layout from the OptNeg bit as a device does
 * (a 1.0.x device treats bit 7 as RFU and always uses the 1.0 layout), checks the MIC over the raw bytes first,
 * then parses the fields and derives the session keys. A MIC mismatch throws `lorawan:mic_mismatch`.
 */
export function openJoinAccept(ctx: JoinCryptoContext, phyPayload: Uint8Array): OpenedJoinAccept {
  const is11 = isLoRaWAN11(ctx.macVersion);
  const joinReqType = ctx.joinReqType ?? JoinReqType.joinRequest;
  const jsKeys = is11 ? deriveJsKeys(ctx.nwkKey, ctx.devEui) : undefined;
  const decKey =
    jsKeys !== undefined && joinReqType !== JoinReqType.joinRequest ? jsKeys.jsEncKey : ctx.nwkKey;
  const plaintext = aesEcbEncrypt(decKey, decodeJoinAcceptPhy(phyPayload));
  const body = plaintext.subarray(0, plaintext.length - 4);
  const optNeg = jsKeys !== undefined && ((plaintext[10] as number) & 0x80) !== 0;
  const micInput = rawMicInput(body, optNeg, joinReqType, ctx.joinEui, ctx.devNonce);
  const expected = cmacMic(optNeg && jsKeys !== undefined ? jsKeys.jsIntKey : ctx.nwkKey, micInput);
  if (!bytesEqual(expected, plaintext.subarray(plaintext.length - 4)))
    throw lorawanErrors.mic_mismatch({ frame: 'join-accept' });
  const joinAccept = decodeJoinAcceptPlaintext(plaintext);
  const sessionKeys = deriveSessionKeys(
    { ...ctx, optNeg, joinReqType },
    joinAccept.joinNonce,
    joinAccept.netId,
  );
  return { joinAccept, sessionKeys };
}
