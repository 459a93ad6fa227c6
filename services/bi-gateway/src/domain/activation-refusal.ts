import type { ProtocolVersion } from '@joinery/backend-interfaces';
import { JoineryError } from '@joinery/errors';
import { joinFrameCounter } from '@joinery/lorawan';
import { JoinKind } from '@joinery/proto/events/v1/events_pb';
import { resultCodeOfErrorCode } from '@joinery/wire';
import type { Grant } from './authorize-outcome.js';
import type { ActivationRequest } from './bi-outcome.js';
import { nsRequestIds } from './message-ids.js';
import type { RefusalRecord } from './refusal-recorder.js';

const rejoinKinds = [JoinKind.REJOIN_TYPE_0, JoinKind.REJOIN_TYPE_1, JoinKind.REJOIN_TYPE_2] as const;

/**
 * The join event for a refusal keys did not write (unknown sender, device not bound to the caller, rate limit, keys
 * unreachable), to go into the join event stream through the keys outbox (`RefusalRecorder`).
 */
export function activationRefusal(
  message: ActivationRequest,
  err: unknown,
  grant: Grant | undefined,
): RefusalRecord {
  const error = JoineryError.from(err);
  const ids = nsRequestIds(message);
  const version = message.protocolVersion as ProtocolVersion;
  const kind = message.messageType === 'JoinReq' ? JoinKind.JOIN_REQUEST : rejoinKinds[message.rejoinType];
  return {
    event: {
      devEui: ids.devEui,
      joinEui: ids.joinEui,
      kind,
      resultCode: resultCodeOfErrorCode(error.code, version),
      errorCode: error.code,
      accountId: grant?.device.accountId ?? '',
      networkServerId: grant?.device.networkServerId ?? '',
      netId: ids.netId,
      nsId: ids.nsId,
      macVersion: message.macVersion,
      devNonce: joinFrameCounter(message.phyPayload),
    },
  };
}
