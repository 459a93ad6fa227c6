import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { JoineryError } from '@joinery/errors';
import { JoinEventSchema, JoinOutcome, type JoinEvent } from '@joinery/proto/events/v1/events_pb';
import type { Claims } from '../../domain/claims.js';
import type { ClaimsLogger } from '../../domain/context.js';

/** The topic of join events, written by the keys service's outbox. */
export const joinsTopic = 'joinery.joins.v1';

/**
 * A bus handler for `joinery.joins.v1` that keeps each device's `activated`, `joinCount` and `lastJoinAt`. Applying
 * is idempotent per event id, so redelivery is harmless. Undecodable records and events for devices that no longer
 * exist are logged and skipped: this is a derived view, and retrying them would block the partition forever.
 */
export function joinEventsHandler(
  claims: Claims,
  logger: ClaimsLogger,
): (records: readonly { readonly value: Uint8Array }[]) => Promise<void> {
  return async (records) => {
    for (const record of records) {
      let event: JoinEvent;
      try {
        event = fromBinary(JoinEventSchema, record.value);
      } catch {
        logger.warn({ bytes: record.value.length }, 'undecodable join event skipped');
        continue;
      }
      if (event.outcome !== JoinOutcome.ACCEPTED) continue;
      try {
        await claims.devices.applyJoinEvent({
          eventId: event.eventId,
          devEui: event.devEui,
          accepted: true,
          time: event.time === undefined ? new Date() : timestampDate(event.time),
        });
      } catch (err) {
        if (
          !JoineryError.is(err, 'claims:unknown_device') &&
          !JoineryError.is(err, 'claims:invalid_argument')
        )
          throw err;
        logger.warn(
          { dev_eui: event.devEui, event_id: event.eventId, code: err.code },
          'join event for no known device',
        );
      }
    }
  };
}
