import type { MacVersion } from './mac-version.js';
import type { ProtocolVersion } from './protocol-version.js';

/** `VSExtension` (BI10 Table 23): kept when present, never required; `{}` (ChirpStack v3) parses to `{}`. */
export interface VSExtension {
  /** 3-byte OUI, upper-case hex; left out when the sender gave none or an invalid one (we ignore what we do not know). */
  readonly vendorId?: string;
  readonly object?: unknown;
}

/**
 * The header of a message received by the Join Server, normalized: NetIDs, EUIs and tokens are upper-case hex
 * without `0x`; an AS-ID (`SenderID` of an AppSKeyReq) is kept verbatim.
 */
export interface MessageHeader<T extends string> extends HeaderParties {
  readonly protocolVersion: ProtocolVersion;
  readonly messageType: T;
  readonly vsExtension?: VSExtension;
}

/** The transaction, the IDs and the tokens of a received header: what its answer echoes (sender and receiver swapped). */
export interface HeaderParties {
  readonly transactionId: number;
  readonly senderId: string;
  readonly receiverId: string;
  /** BI 1.1 only. */
  readonly senderNsId?: string;
  readonly senderToken?: string;
  readonly receiverToken?: string;
}

interface ActivationFields {
  readonly macVersion: MacVersion;
  readonly phyPayload: Uint8Array;
  readonly devEui: string;
  readonly devAddr: string;
  /** One byte: bit 7 OptNeg, bits 6..4 RX1DROffset, bits 3..0 RX2DR. */
  readonly dlSettings: number;
  readonly rxDelay: number;
  /** Exactly 16 bytes when present. */
  readonly cfList?: Uint8Array;
}

/** hNS → JS. `phyPayload` is a 23-byte join-request whose DevEUI and JoinEUI match `devEui` and `receiverId`. */
export interface JoinReq extends MessageHeader<'JoinReq'>, ActivationFields {}

/** hNS → JS. `phyPayload` is a rejoin-request of `rejoinType` (19 bytes for types 0 and 2, 24 for type 1). */
export interface RejoinReq extends MessageHeader<'RejoinReq'>, ActivationFields {
  readonly rejoinType: 0 | 1 | 2;
}

/** AS → JS. `senderId` is the AS-ID (free text). */
export interface AppSKeyReq extends MessageHeader<'AppSKeyReq'> {
  readonly devEui: string;
  readonly sessionKeyId: string;
}

/** vNS/fNS → JS. */
export interface HomeNSReq extends MessageHeader<'HomeNSReq'> {
  readonly devEui: string;
}

/** BI 1.1 error notification; its fields are not settled (spec digest §3.5), so only `Result` is read, leniently. */
export interface ErrorNotif extends MessageHeader<'ErrorNotif'> {
  readonly result?: { readonly resultCode: string; readonly description?: string };
}

/** A request the Join Server answers. */
export type BiRequest = JoinReq | RejoinReq | AppSKeyReq | HomeNSReq;

/** Everything `parseRequest` accepts: the requests, plus notifications, which get no answer. */
export type IncomingMessage = BiRequest | ErrorNotif;

/**
 * Enough of a refused message to build an answer header: the edge answers HTTP 200 with `answerFor(target, reason)`.
 * `protocolVersion` is echoed even when unsupported; IDs are normalized when they parse, otherwise verbatim.
 */
export interface AnswerTarget extends HeaderParties {
  readonly protocolVersion: string;
  readonly answerType: string;
}
