import { fromBinary } from '@bufbuild/protobuf';
import type { BusHandler } from '@joinery/bus';
import type { Logger } from '@joinery/logging';
import { JoinEventSchema, type JoinEvent } from '@joinery/proto/events/v1/events_pb';
import type { ActivityHub } from '../../domain/activity-hub.js';

/** The topic of join events (written by the keys service's outbox). */
export const joinsTopic = 'joinery.joins.v1';

/** A bus handler for `joinery.joins.v1` that hands every decodable event to the live activity streams. */
export function joinEventFeed(hub: ActivityHub, logger: Logger): BusHandler {
  return async (records) => {
    const events: JoinEvent[] = [];
    for (const record of records) {
      try {
        events.push(fromBinary(JoinEventSchema, record.value));
      } catch {
        logger.warn({ bytes: record.value.length }, 'undecodable join event skipped');
      }
    }
    hub.publish(events);
  };
}
