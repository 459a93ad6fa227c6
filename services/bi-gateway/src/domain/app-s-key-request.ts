import { answerFor, hexToBytes, type AppSKeyReq } from '@joinery/backend-interfaces';
import type { AnswerDelivery } from './answer-delivery.js';
import { answered, type BiOutcome } from './bi-outcome.js';
import { gatewayErrors } from './errors.js';
import { envelopeOf } from './key-envelope.js';
import { credentialOf } from './peer-authentication.js';
import type { ClaimsClient, KeysClient, PeerCredentialInput } from './ports.js';
import type { RequestBudget } from './request-budget.js';

export interface AppSKeyRequestDeps {
  readonly claims: ClaimsClient;
  readonly keys: KeysClient;
  readonly budget: RequestBudget;
  readonly delivery: AnswerDelivery;
}

/** AppSKeyReq of an authenticated AS: authorize (claims) → the session's AppSKey under the AS's KEK (keys). */
export async function answerAppSKeyReq(
  deps: AppSKeyRequestDeps,
  message: AppSKeyReq,
  credential: PeerCredentialInput,
  deadline: number,
): Promise<BiOutcome> {
  try {
    const authorization = await deps.claims.authorizeApplicationServer(
      {
        joinEui: hexToBytes(message.receiverId),
        devEui: hexToBytes(message.devEui),
        credential: credentialOf(credential),
        senderAsId: message.senderId,
      },
      deps.budget.timeout(deadline),
    );
    const { appSKey } = await deps.keys.getAppSKey(
      {
        devEui: hexToBytes(message.devEui),
        sessionKeyId: hexToBytes(message.sessionKeyId),
        asId: message.senderId,
        delivery: { method: { case: 'kekLabel', value: authorization.kekLabel } },
        // Only sessions made under the device's current binding are handed out (issue 22 #11).
        bindingId: authorization.device?.bindingId ?? '',
      },
      deps.budget.timeout(deadline),
    );
    const envelope = envelopeOf(appSKey);
    if (envelope === undefined) return deps.delivery.refuse(message, gatewayErrors.unknown_session());
    // The audit log's `keys.released` (no key material). Fail closed: a release that cannot be audited is not answered.
    await deps.claims.recordAppSKeyRelease(
      {
        applicationServerId: authorization.applicationServer?.peerId ?? '',
        devEui: hexToBytes(message.devEui),
        sessionKeyId: hexToBytes(message.sessionKeyId),
      },
      deps.budget.timeout(deadline),
    );
    return answered(message.messageType, answerFor(message, 'success', { appSKey: envelope }));
  } catch (err) {
    return deps.delivery.refuse(message, err);
  }
}
