import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { bytesToHex } from '@joinery/backend-interfaces';
import {
  AppSKeyDelivery,
  PeerKind,
  type Device,
  type GetNonceStateResponse,
  type Peer,
} from '@joinery/proto/claims/v1/claims_pb';
import type { DevNonceReset } from '@joinery/proto/keys/v1/keys_pb';
import { macVersionFromProto } from '@joinery/wire';

/** A device's MAC version as the API shows it; `unknown` for a record without one. */
export const macVersionName = (value: string): string => macVersionFromProto(value) ?? 'unknown';

export const appSKeyDeliveryByName = {
  wrapped: AppSKeyDelivery.WRAPPED,
  plaintext: AppSKeyDelivery.PLAINTEXT,
  'session-key-id': AppSKeyDelivery.SESSION_KEY_ID,
} as const;

const appSKeyDeliveryNames: Readonly<Record<AppSKeyDelivery, string | null>> = {
  [AppSKeyDelivery.UNSPECIFIED]: null,
  [AppSKeyDelivery.WRAPPED]: 'wrapped',
  [AppSKeyDelivery.PLAINTEXT]: 'plaintext',
  [AppSKeyDelivery.SESSION_KEY_ID]: 'session-key-id',
};

const isoOf = (ts: Timestamp | undefined): string | null =>
  ts === undefined ? null : timestampDate(ts).toISOString();
const orNull = (value: string): string | null => (value === '' ? null : value);

/** PRODUCT.md's device shape, exactly. */
export function deviceView(device: Device | undefined) {
  if (device === undefined) throw new Error('claims answered without a device');
  return {
    devEui: bytesToHex(device.devEui),
    joinEui: bytesToHex(device.joinEui),
    macVersion: macVersionName(device.macVersion),
    claimed: device.claimed,
    accountId: orNull(device.accountId),
    networkServerId: orNull(device.networkServerId),
    activated: device.activated,
    joinCount: device.joinCount,
    lastJoinAt: isoOf(device.lastJoinAt),
  };
}

export function devNonceResetView(reset: DevNonceReset | undefined) {
  if (reset === undefined) throw new Error('claims answered without the reset');
  return {
    actor: reset.actor,
    reason: reset.reason,
    at: isoOf(reset.time) ?? new Date(0).toISOString(),
    lastDevNonce: reset.lastDevNonce,
    historySize: reset.historySize,
  };
}

export function nonceStateView(devEui: string, state: GetNonceStateResponse) {
  return {
    devEui,
    joinNonce: state.joinNonce,
    lastDevNonce: state.lastDevNonce,
    devNonceHistorySize: state.devNonceHistorySize,
    sessionCount: state.sessionCount,
    resets: state.resets.map(devNonceResetView),
  };
}

export function peerView(peer: Peer) {
  const ns = peer.kind === PeerKind.NETWORK_SERVER;
  return {
    id: peer.id,
    kind: ns ? 'network-server' : 'application-server',
    accountId: peer.accountId,
    name: peer.name,
    netId: ns ? bytesToHex(peer.netId) : null,
    nsId: ns && peer.nsId.length > 0 ? bytesToHex(peer.nsId) : null,
    asId: ns ? null : peer.asId,
    kekLabel: peer.kekLabel,
    appSKeyDelivery: ns ? appSKeyDeliveryNames[peer.appSKeyDelivery] : null,
    lifetime: peer.lifetime,
    asyncUrl: ns ? orNull(peer.asyncUrl) : null,
  };
}
