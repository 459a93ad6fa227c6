// The two ends of a join as a network server sees them: the device's join-request inside a BI JoinReq, and the
// JoinAns opened as the device would open it, with the session keys unwrapped under the NS's KEK.
import {
  AES128Key,
  DevNonce,
  EUI64,
  JoinReqType,
  encodeJoinRequest,
  joinRequestMic,
  keyUnwrap,
  isLoRaWAN11,
  openJoinAccept,
  type MacVersion,
} from '@joinery/lorawan';
import { bytesOf, hexOf } from './device.js';

/** What a join needs of a device: its identity and root keys (a `SimulatedDevice` is one). */
export interface JoiningDevice {
  readonly devEui: string;
  readonly macVersion?: MacVersion;
  readonly nwkKey: Uint8Array;
  readonly appKey?: Uint8Array;
}

const macVersionOf = (d: JoiningDevice): MacVersion => d.macVersion ?? '1.0.4';

/** ChirpStack's spelling of a MAC version: always with its patch number (`1.1.0`), as BI 1.0 NSes send it. */
const withPatch = (v: MacVersion): string => (v.split('.').length === 2 ? `${v}.0` : v);

/** The device's join-request PHYPayload (MHDR | JoinEUI | DevEUI | DevNonce | MIC under the NwkKey). */
export function joinRequestPhy(d: JoiningDevice, joinEui: string, devNonce: number): Uint8Array {
  const fields = {
    joinEui: EUI64.parse(joinEui),
    devEui: EUI64.parse(d.devEui),
    devNonce: DevNonce.of(devNonce),
  };
  return encodeJoinRequest(fields, joinRequestMic(AES128Key.fromBytes(d.nwkKey), fields));
}

export interface JoinReqOptions {
  readonly joinEui: string;
  readonly devNonce: number;
  /** The NS's NetID (SenderID). */
  readonly senderId: string;
  readonly transactionId: number;
  /** BI 1.1 SenderNSID; absent or empty: the NS speaks BI 1.0. */
  readonly senderNsId?: string;
  /** Default `01020304`. */
  readonly devAddr?: string;
}

/**
 * A BI JoinReq (spec §7.1) for the device. MACVersion and DLSettings follow ChirpStack: a 1.1 device joins with
 * OptNeg whatever the BI version, its MACVersion spelled `1.1.0` in BI 1.0. `overrides` replace or add fields
 * (another NS's spelling, CFList, SenderToken…).
 */
export function joinReqMessage(
  d: JoiningDevice,
  options: JoinReqOptions,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const bi11 = (options.senderNsId ?? '') !== '';
  const macVersion = macVersionOf(d);
  return {
    ProtocolVersion: bi11 ? '1.1' : '1.0',
    SenderID: options.senderId,
    ...(bi11 ? { SenderNSID: options.senderNsId } : {}),
    ReceiverID: options.joinEui,
    TransactionID: options.transactionId,
    MessageType: 'JoinReq',
    MACVersion: bi11 ? macVersion : withPatch(macVersion),
    PHYPayload: hexOf(joinRequestPhy(d, options.joinEui, options.devNonce)),
    DevEUI: d.devEui,
    DevAddr: options.devAddr ?? '01020304',
    DLSettings: isLoRaWAN11(macVersion) ? '80' : '00',
    RxDelay: 1,
    ...overrides,
  };
}

/**
 * Opens a JoinAns PHYPayload as the device would: verifies its MIC and derives the session keys. `optNeg` defaults
 * to the device's own (a 1.1 device); without OptNeg a 1.1 device derives keys as 1.0.4.
 */
export function openJoinAns(
  d: JoiningDevice,
  options: { readonly joinEui: string; readonly devNonce: number; readonly optNeg?: boolean },
  phyPayloadHex: string,
) {
  const macVersion = macVersionOf(d);
  const optNeg = options.optNeg ?? isLoRaWAN11(macVersion);
  return openJoinAccept(
    {
      macVersion: isLoRaWAN11(macVersion) && !optNeg ? '1.0.4' : macVersion,
      optNeg,
      joinReqType: JoinReqType.joinRequest,
      nwkKey: AES128Key.fromBytes(d.nwkKey),
      ...(d.appKey === undefined ? {} : { appKey: AES128Key.fromBytes(d.appKey) }),
      devEui: EUI64.parse(d.devEui),
      joinEui: EUI64.parse(options.joinEui),
      devNonce: DevNonce.of(options.devNonce),
    },
    bytesOf(phyPayloadHex),
  );
}

/** A BI KeyEnvelope: AESKey wrapped under the KEK named by KEKLabel, or in clear when KEKLabel is empty. */
export interface KeyEnvelope {
  readonly KEKLabel?: string;
  readonly AESKey: string;
}

/** The key of an envelope (upper-case hex): unwrapped under `kek` (RFC 3394), or as is when it travels in clear. */
export function unwrapEnvelope(envelope: KeyEnvelope, kek: Uint8Array): string {
  if (envelope.KEKLabel === undefined || envelope.KEKLabel === '') return envelope.AESKey.toUpperCase();
  return hexOf(keyUnwrap(kek, bytesOf(envelope.AESKey)));
}
