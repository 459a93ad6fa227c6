import { answerFor, bytesToHex, type HomeNSReq } from '@joinery/backend-interfaces';
import type { AnswerDelivery } from './answer-delivery.js';
import { answered, type BiOutcome } from './bi-outcome.js';
import { nsRequestIds } from './message-ids.js';
import { credentialOf } from './peer-authentication.js';
import type { ClaimsClient, PeerCredentialInput } from './ports.js';
import type { RequestBudget } from './request-budget.js';

export interface HomeNsRequestDeps {
  readonly claims: ClaimsClient;
  readonly budget: RequestBudget;
  readonly delivery: AnswerDelivery;
}

/** HomeNSReq of an authenticated NS: the device's home NetID (and NSID) from claims. */
export async function answerHomeNsReq(
  deps: HomeNsRequestDeps,
  message: HomeNSReq,
  credential: PeerCredentialInput,
  deadline: number,
): Promise<BiOutcome> {
  const ids = nsRequestIds(message);
  try {
    const home = await deps.claims.getHomeNetwork(
      {
        devEui: ids.devEui,
        credential: credentialOf(credential),
        senderNetId: ids.netId,
        senderNsId: ids.nsId,
      },
      deps.budget.timeout(deadline),
    );
    const answer = answerFor(message, 'success', {
      hNetId: bytesToHex(home.netId),
      ...(home.nsId.length > 0 ? { hNsId: bytesToHex(home.nsId) } : {}),
    });
    return answered(message.messageType, answer);
  } catch (err) {
    return deps.delivery.refuse(message, err);
  }
}
