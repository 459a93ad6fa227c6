import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { JoinEventSchema, JoinKind, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { randomUUID } from 'node:crypto';
import { resultCodeOfErrorCode } from '@joinery/wire';
import { bytesFromHex } from './hex.js';
import type { OutboxEvent } from './ports.js';

export const joinsTopic = 'joinery.joins.v1';

export { JoinKind };

/** The facts of a join event; identifiers as bytes (big-endian), as the event carries them, but the DevEUI. */
export interface JoinEventFacts {
  /** Upper-case hex: also the record key and the log field. */
  readonly devEui: string;
  readonly joinEui: Uint8Array;
  readonly kind: JoinKind;
  readonly accountId: string;
  readonly networkServerId: string;
  readonly netId: Uint8Array;
  /** Empty when there is none (BI 1.0). */
  readonly nsId: Uint8Array;
  readonly macVersion: string;
  readonly time: number;
}

export type JoinEventResult =
  | { readonly accepted: true; readonly joinNonce: number; readonly sessionKeyId: Uint8Array }
  | { readonly accepted: false; readonly resultCode: string; readonly errorCode: string };

/** Builds the JoinEvent for the outbox; `eventId` goes into the payload so consumers can deduplicate. */
export function joinEventRecord(
  facts: JoinEventFacts,
  result: JoinEventResult,
): { eventId: string; event: OutboxEvent } {
  const eventId = randomUUID();
  const event = create(JoinEventSchema, {
    eventId,
    devEui: bytesFromHex(facts.devEui),
    joinEui: facts.joinEui,
    time: timestampFromMs(facts.time),
    kind: facts.kind,
    accountId: facts.accountId,
    networkServerId: facts.networkServerId,
    netId: facts.netId,
    nsId: facts.nsId,
    macVersion: facts.macVersion,
    ...(result.accepted
      ? {
          outcome: JoinOutcome.ACCEPTED,
          resultCode: 'Success',
          joinNonce: result.joinNonce,
          sessionKeyId: result.sessionKeyId,
        }
      : { outcome: JoinOutcome.REFUSED, resultCode: result.resultCode, errorCode: result.errorCode }),
  });
  return {
    eventId,
    event: { topic: joinsTopic, key: facts.devEui, value: toBinary(JoinEventSchema, event) },
  };
}

/**
 * The Backend Interfaces ResultCode the gateway gives the NS for a refusal decided here, per BI ProtocolVersion, by
 * the one table of `@joinery/wire` the gateway answers by (BI 1.0 clients cannot parse `FrameReplayed` or
 * `MalformedMessage`).
 */
export function resultCodeFor(errorCode: string, protocolVersion: string): string {
  return resultCodeOfErrorCode(errorCode, protocolVersion === '1.1' ? '1.1' : '1.0');
}
