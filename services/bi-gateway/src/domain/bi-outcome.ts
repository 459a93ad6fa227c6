import type { AnswerHeaderWire, JoinReq, RejoinReq, ResultReason } from '@joinery/backend-interfaces';
import type { PeerIdentity } from '@joinery/proto/claims/v1/claims_pb';

/**
 * What the HTTP edge sends back. `netId`: the registered NetID of the authenticated NS that sent the request (upper-case
 * hex), absent when the sender was not authenticated as an NS.
 */
export type BiOutcome = BiOutcomeBody & { readonly netId?: string };

type BiOutcomeBody =
  | {
      readonly status: 200;
      readonly body: AnswerHeaderWire;
      readonly messageType: string;
      readonly resultCode: string;
    }
  /** Asynchronous peer: acknowledged with an empty 200; the answer is POSTed to its callback URL. */
  | {
      readonly status: 200;
      readonly body: undefined;
      readonly messageType: string;
      readonly resultCode: 'Deferred';
    }
  /** A BI 1.1 notification: nothing to answer. */
  | { readonly status: 204; readonly body: undefined; readonly messageType: string; readonly resultCode: '' }
  | {
      readonly status: 400;
      readonly body: { error: { code: string; message: string } };
      readonly messageType: '';
      readonly resultCode: '';
    };

export type ActivationRequest = JoinReq | RejoinReq;

/** Where an NS takes asynchronous answers (empty `asyncUrl`: synchronous) and the CA its callback server uses. */
export type Callback = Pick<PeerIdentity, 'asyncUrl' | 'asyncCaPem'>;

/** A refused activation: the reason picks the ResultCode, the description (words, no secrets) explains it. */
export interface Refusal {
  readonly reason: ResultReason;
  readonly description: string;
}

/** An answer in the response body, with the HTTP edge's labels for it. */
export function answered(messageType: string, answer: AnswerHeaderWire): BiOutcome {
  return { status: 200, body: answer, messageType, resultCode: answer.Result.ResultCode };
}
