import type { MessageInitShape } from '@bufbuild/protobuf';
import { AuthorizeRefusal, type AuthorizeResponseSchema } from '@joinery/proto/claims/v1/claims_pb';
import type { ActivationRefusal, AuthorizeOutcome } from '../../domain/gateway.js';
import { appSKeyDeliveryToProto, deviceContextToProto, peerIdentityToProto } from './mapping.js';

/** The one table from the domain's refusal reasons to the protobuf enum. */
const refusalToProto: Readonly<Record<ActivationRefusal, AuthorizeRefusal>> = {
  unknown_sender: AuthorizeRefusal.UNKNOWN_SENDER,
  unknown_device: AuthorizeRefusal.UNKNOWN_DEVICE,
  join_eui_mismatch: AuthorizeRefusal.JOIN_EUI_MISMATCH,
  unclaimed: AuthorizeRefusal.NOT_CLAIMED,
  locked: AuthorizeRefusal.LOCKED,
  other_network_server: AuthorizeRefusal.OTHER_NETWORK_SERVER,
};

export function authorizeOutcomeToProto(
  answer: AuthorizeOutcome,
): MessageInitShape<typeof AuthorizeResponseSchema> {
  if (answer.outcome === 'refused')
    return {
      outcome: {
        case: 'refused',
        value: {
          reason: refusalToProto[answer.reason],
          ...(answer.reason === 'unknown_sender'
            ? {}
            : { networkServer: peerIdentityToProto(answer.networkServer) }),
        },
      },
    };
  const auth = answer.authorization;
  return {
    outcome: {
      case: 'authorized',
      value: {
        device: deviceContextToProto(auth.device, auth.bindingId),
        applicationServerId: auth.device.applicationServerId ?? '',
        networkServer: peerIdentityToProto(auth.networkServer),
        delivery: {
          nwkKekLabel: auth.delivery.nwkKekLabel ?? '',
          plaintextNwkKeys: auth.delivery.plaintextNwkKeys,
          appSKeyDelivery: appSKeyDeliveryToProto(auth.delivery.appSKeyDelivery),
          appSKeyKekLabel: auth.delivery.appSKeyKekLabel ?? '',
          lifetime: auth.delivery.lifetime,
          asyncUrl: auth.delivery.asyncUrl ?? '',
          asyncCaPem: auth.delivery.asyncCaPem ?? '',
        },
      },
    },
  };
}
