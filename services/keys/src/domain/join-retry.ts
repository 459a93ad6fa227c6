import { createHash } from 'node:crypto';
import { idHex } from './hex.js';
import type { JoinContext } from './join-pipeline.js';

/** How long an identical JoinReq is answered again with the same join-accept (issue 22 #2), unless configured. */
export const defaultJoinRetryWindowMs = 60_000;

/**
 * The digest of everything a JoinReq decides its answer by, but its TransactionID: the device binding, every
 * request field (PHYPayload, DevAddr, NetID/NSID, DLSettings, RxDelay, CFList, protocol version) and the delivery
 * settings. Two requests with equal digests get byte-identical answers from the same JoinNonce; any other field
 * (a new DevAddr from ChirpStack, say) makes it a different request, refused as a DevNonce replay.
 */
export function joinRequestDigest(ctx: JoinContext): string {
  const { device, request, peer } = ctx;
  const fields = [
    idHex(device.devEui),
    idHex(device.joinEui),
    device.macVersion ?? '',
    device.accountId,
    device.networkServerId,
    device.bindingId,
    idHex(request.phyPayload),
    idHex(request.devAddr),
    idHex(request.netId),
    idHex(request.nsId),
    request.dlSettings,
    request.rxDelay,
    idHex(request.cfList),
    request.protocolVersion,
    peer.nwkKeyDelivery,
    peer.appSKeyDelivery,
    peer.optNegAllowed,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
