import { idHex } from './hex.js';
import type { JoinEvent } from '@joinery/proto/events/v1/events_pb';
import { joinEventRecord } from './join-event.js';
import type { KeysDomainDeps } from './join-pipeline.js';

/** A refusal decided before keys (wrong NS, unknown device) goes into the same outbox as the joins decided here. */
export async function recordRefusal(
  deps: Pick<KeysDomainDeps, 'state' | 'clock' | 'logger'>,
  refused: JoinEvent,
): Promise<string> {
  const devEui = idHex(refused.devEui);
  // The event as the caller wrote it; its id, time and outcome are this outbox's.
  const { $typeName: _message, ...facts } = refused;
  const { eventId, event } = joinEventRecord(
    { ...facts, devEui, time: deps.clock.now() },
    { accepted: false, resultCode: refused.resultCode, errorCode: refused.errorCode },
  );
  await deps.state.appendEvent(devEui, event);
  deps.logger.info(
    { dev_eui: devEui, error_code: refused.errorCode, event_id: eventId },
    'join refusal recorded',
  );
  return eventId;
}
