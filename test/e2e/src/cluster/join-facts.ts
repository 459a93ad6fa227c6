import { bytesToHex } from '@joinery/backend-interfaces';
import type { JoinEvent, JoinOutcome } from '@joinery/proto/events/v1/events_pb';

/** What the invariant checks compare of a join event, with its identifiers as the upper-case hex the BI answers use. */
export interface JoinFacts {
  readonly eventId: string;
  readonly devEui: string;
  readonly sessionKeyId: string;
  readonly joinNonce: number;
  readonly outcome: JoinOutcome;
}

export function joinFactsOf(event: JoinEvent): JoinFacts {
  return {
    eventId: event.eventId,
    devEui: bytesToHex(event.devEui),
    sessionKeyId: bytesToHex(event.sessionKeyId),
    joinNonce: event.joinNonce,
    outcome: event.outcome,
  };
}
