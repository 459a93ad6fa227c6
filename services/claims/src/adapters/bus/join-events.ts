import { bytesToHex } from '../../domain/identifiers.js';
import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { JoinEventSchema, JoinOutcome, type JoinEvent } from '@joinery/proto/events/v1/events_pb';
import type { Claims } from '../../domain/claims.js';
import type { ClaimsLogger } from '../../domain/context.js';
import type { AcceptedJoin } from '../../domain/devices.js';

/** The topic of join events, written by the keys service's outbox. */
export const joinsTopic = 'joinery.joins.v1';

/**
 * A bus handler for `joinery.joins.v1` that keeps each device's `activated`, `joinCount` and `lastJoinAt`. A batch
 * of records is applied in one store call (one round trip to Redis, one LMDB transaction), in record order, so the
 * events of a device stay in order. Applying is idempotent per event id, so redelivery is harmless. Undecodable
 * records and events for devices that do not exist are logged and skipped: this is a derived view, and retrying
 * them would block the partition forever.
 */
export function joinEventsHandler(
  claims: Claims,
  logger: ClaimsLogger,
): (records: readonly { readonly key: string; readonly value: Uint8Array }[]) => Promise<void> {
  return async (records) => {
    const joins: AcceptedJoin[] = [];
    for (const record of records) {
      let event: JoinEvent;
      try {
        event = fromBinary(JoinEventSchema, record.value);
      } catch {
        logger.warn({ bytes: record.value.length }, 'undecodable join event skipped');
        continue;
      }
      if (event.outcome !== JoinOutcome.ACCEPTED) continue;
      joins.push({
        eventId: event.eventId,
        devEui: bytesToHex(event.devEui),
        accepted: true,
        time: event.time === undefined ? new Date() : timestampDate(event.time),
      });
    }
    if (joins.length === 0) return;
    const outcomes = await claims.devices.applyJoinEvents(joins);
    outcomes.forEach((outcome, i) => {
      if (outcome !== 'unknown_device' && outcome !== 'invalid') return;
      const join = joins[i];
      logger.warn(
        { dev_eui: join?.devEui, event_id: join?.eventId, outcome },
        outcome === 'invalid'
          ? 'join event with an unusable DevEUI or event id skipped'
          : 'join event for no known device',
      );
    });
  };
}
