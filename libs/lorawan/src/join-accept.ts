import { type CFList, decodeCFList, encodeCFList } from './cf-list.js';
import type { DevNonce } from './dev-nonce.js';
import { DevAddr } from './dev-addr.js';
import { type DLSettings, decodeDLSettings, encodeDLSettings } from './dl-settings.js';
import type { EUI64 } from './eui64.js';
import { lorawanErrors } from './errors.js';
import { JoinNonce } from './join-nonce.js';
import { concatBytes } from './bytes.js';
import { checkMic } from './join-request.js';
import { MType, checkMhdr, mhdrFor } from './mhdr.js';
import { NetID } from './net-id.js';

/**
 * The join-accept fields. `dlSettings` and `cfList` also take their raw wire forms (a DLSettings byte, 16 CFList
 * bytes), as the NS sends them in a JoinReq. `rxDelay` is the whole RxDelay byte (Del in bits 3..0; RFU bits kept).
 */
export interface JoinAcceptFields {
  readonly joinNonce: JoinNonce;
  readonly netId: NetID;
  readonly devAddr: DevAddr;
  readonly dlSettings: DLSettings | number;
  readonly rxDelay: number;
  readonly cfList?: CFList | Uint8Array | undefined;
}

/** A decoded join-accept: typed DLSettings and CFList, and the MIC found in the plaintext. */
export interface JoinAccept {
  readonly joinNonce: JoinNonce;
  readonly netId: NetID;
  readonly devAddr: DevAddr;
  readonly dlSettings: DLSettings;
  readonly rxDelay: number;
  readonly cfList?: CFList;
  readonly mic: Uint8Array;
}

/** LoRaWAN 1.1 JoinReqType (Table 13): which request a join-accept answers. */
export const JoinReqType = { joinRequest: 0xff, rejoin0: 0x00, rejoin1: 0x01, rejoin2: 0x02 } as const;
export type JoinReqType = (typeof JoinReqType)[keyof typeof JoinReqType];

export const joinAcceptMhdr = mhdrFor(MType.joinAccept);

/** `JoinNonce | NetID | DevAddr | DLSettings | RxDelay | [CFList]`: 12 or 28 bytes, wire order. */
export function joinAcceptBody(fields: JoinAcceptFields): Uint8Array {
  const cfList = fields.cfList === undefined ? undefined : encodeCFList(fields.cfList);
  if (!Number.isInteger(fields.rxDelay) || fields.rxDelay < 0 || fields.rxDelay > 0xff)
    throw lorawanErrors.invalid_rx_delay();
  const out = new Uint8Array(cfList === undefined ? 12 : 28);
  out.set(fields.joinNonce.toWire(), 0);
  out.set(fields.netId.toWire(), 3);
  out.set(fields.devAddr.toWire(), 6);
  out[10] = encodeDLSettings(fields.dlSettings);
  out[11] = fields.rxDelay;
  if (cfList !== undefined) out.set(cfList, 12);
  return out;
}

/** OptNeg = 0 MIC input (1.0.x, and 1.1 devices answered as 1.0): `MHDR | body`; CMAC key AppKey / NwkKey. */
export function joinAcceptMicInput10(fields: JoinAcceptFields): Uint8Array {
  return concatBytes(joinAcceptMhdr, joinAcceptBody(fields));
}

/**
 * OptNeg = 1 MIC input: `JoinReqType | JoinEUI | DevNonce | MHDR | body`; CMAC key JSIntKey. For a rejoin answer
 * `devNonce` carries RJcount0 (types 0/2) or RJcount1 (type 1).
 */
export function joinAcceptMicInput11(
  joinReqType: JoinReqType,
  joinEui: EUI64,
  devNonce: DevNonce,
  fields: JoinAcceptFields,
): Uint8Array {
  if (!(Object.values(JoinReqType) as number[]).includes(joinReqType))
    throw lorawanErrors.invalid_join_req_type({ joinReqType });
  return concatBytes(
    joinReqType,
    joinEui.toWire(),
    devNonce.toWire(),
    joinAcceptMhdr,
    joinAcceptBody(fields),
  );
}

/**
 * The join-accept plaintext `body | MIC` (16 or 32 bytes). The PHYPayload is `MHDR | AES-ECB-decrypt(key, plaintext)`:
 * the MIC is added before encrypting, and the device undoes it with AES-encrypt only.
 */
export function joinAcceptPlaintext(fields: JoinAcceptFields, mic: Uint8Array): Uint8Array {
  checkMic(mic);
  return concatBytes(joinAcceptBody(fields), mic);
}

/** Parses a decrypted join-accept plaintext (16 or 32 bytes). */
export function decodeJoinAcceptPlaintext(plaintext: Uint8Array): JoinAccept {
  if (plaintext.length !== 16 && plaintext.length !== 32)
    throw lorawanErrors.invalid_length({ expected: 16, got: plaintext.length });
  const fields = {
    joinNonce: JoinNonce.fromWire(plaintext.subarray(0, 3)),
    netId: NetID.fromWire(plaintext.subarray(3, 6)),
    devAddr: DevAddr.fromWire(plaintext.subarray(6, 10)),
    dlSettings: decodeDLSettings(plaintext[10] as number),
    rxDelay: plaintext[11] as number,
    mic: plaintext.slice(plaintext.length - 4),
  };
  return plaintext.length === 32 ? { ...fields, cfList: decodeCFList(plaintext.subarray(12, 28)) } : fields;
}

/** `MHDR | encrypted`: 17 or 33 bytes. */
export function encodeJoinAcceptPhy(encrypted: Uint8Array): Uint8Array {
  if (encrypted.length !== 16 && encrypted.length !== 32)
    throw lorawanErrors.invalid_length({ expected: 16, got: encrypted.length });
  const out = new Uint8Array(1 + encrypted.length);
  out[0] = joinAcceptMhdr;
  out.set(encrypted, 1);
  return out;
}

/** Checks the MHDR and length of a join-accept PHYPayload and returns the encrypted part. */
export function decodeJoinAcceptPhy(phyPayload: Uint8Array): Uint8Array {
  checkMhdr(phyPayload[0], MType.joinAccept);
  if (phyPayload.length !== 17 && phyPayload.length !== 33)
    throw lorawanErrors.invalid_length({ expected: 17, got: phyPayload.length });
  return phyPayload.slice(1);
}
