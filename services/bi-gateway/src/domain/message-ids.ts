import { EUI64, NetID } from '@joinery/lorawan';

/** A request of an NS: its identifiers as BI JSON writes them (upper-case hex, checked by the parser). */
interface NsRequestFields {
  readonly devEui: string;
  /** The JoinEUI: this join server. */
  readonly receiverId: string;
  /** The NS's NetID. */
  readonly senderId: string;
  /** BI 1.1 only. */
  readonly senderNsId?: string;
}

/** The identifiers of an NS's request as the gRPC and event messages carry them: big-endian bytes. */
export interface NsRequestIds {
  readonly devEui: Uint8Array;
  readonly joinEui: Uint8Array;
  readonly netId: Uint8Array;
  /** Empty under BI 1.0, where there is none. */
  readonly nsId: Uint8Array;
}

/** Converts the request's identifiers once, through the value types of `@joinery/lorawan`. */
export function nsRequestIds(message: NsRequestFields): NsRequestIds {
  return {
    devEui: EUI64.parse(message.devEui).bytes(),
    joinEui: EUI64.parse(message.receiverId).bytes(),
    netId: NetID.parse(message.senderId).bytes(),
    nsId: message.senderNsId === undefined ? new Uint8Array() : EUI64.parse(message.senderNsId).bytes(),
  };
}

/** The NetID of a peer identity as BI JSON writes it. */
export const netIdHex = (netId: Uint8Array): string => NetID.fromBytes(netId).toString();
