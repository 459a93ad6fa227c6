import { decodeJoinRequest } from './join-request.js';
import { decodeRejoinRequest } from './rejoin-request.js';

/**
 * The counter a join frame carries, for the record of the join: the DevNonce of a JoinRequest, RJcount0 (types 0/2)
 * or RJcount1 (type 1) of a RejoinRequest; undefined when the frame is neither, or malformed.
 */
export function joinFrameCounter(phyPayload: Uint8Array): number | undefined {
  try {
    if ((phyPayload[0] ?? 0) >> 5 === 0b110) {
      const rejoin = decodeRejoinRequest(phyPayload);
      return rejoin.rejoinType === 1 ? rejoin.rjCount1 : rejoin.rjCount0;
    }
    return decodeJoinRequest(phyPayload).devNonce.value;
  } catch {
    return undefined;
  }
}
