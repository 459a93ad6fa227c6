import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { forEachInKeyOrder } from '@joinery/bus';
import { JoineryError } from '@joinery/errors';
import { JoinEventSchema, JoinOutcome, type JoinEvent } from '@joinery/proto/events/v1/events_pb';
import type { Claims } from '../../domain/claims.js';
import type { ClaimsLogger } from '../../domain/context.js';

/** The topic of join events, written by the keys service's outbox. */
export const joinsTopic = 'joinery.joins.v1';

/** Devices updated at once per batch. */
const concurrency = 64;

/**
 * A bus handler for `joinery.joins.v1` that keeps each device's `activated`, `joinCount` and `lastJoinAt`. Applying
 * is idempotent per event id, so redelivery is harmless. Undecodable records and events for devices that no longer
 * exist are logged and skipped: this is a derived view, and retrying them would block the partition forever.
 */
export function joinEventsHandler(
  claims: Claims,
  logger: ClaimsLogger,
): (records: readonly { readonly key: string; readonly value: Uint8Array }[]) => Promise<void> {
  // Events of one device in order, devices concurrently (keyed by DevEUI), so the Redis store pipelines them.
  return (records) =>
    forEachInKeyOrder(records, concurrency, async (record) => {
      let event: JoinEvent;
      try {
        event = fromBinary(JoinEventSchema, record.value);
      } catch {
        logger.warn({ bytes: record.value.length }, 'undecodable join event skipped');
        return;
      }
      if (event.outcome !== JoinOutcome.ACCEPTED) return;
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
    });
}
