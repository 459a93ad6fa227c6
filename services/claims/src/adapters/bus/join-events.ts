import { bytesToHex } from '../../domain/identifiers.js';
import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { JoinEventSchema, JoinKind, JoinOutcome, type JoinEvent } from '@joinery/proto/events/v1/events_pb';
import type { KeyRelease } from '../../domain/audit.js';
import type { Claims } from '../../domain/claims.js';
import type { ClaimsLogger } from '../../domain/context.js';
import type { AcceptedJoin } from '../../domain/devices.js';
import type { JoinEventFacts } from '../../domain/join-activity.js';
import type { JoinActivityRecord } from '../../domain/model.js';

/** The topic of join events, written by the keys service's outbox. */
export const joinsTopic = 'joinery.joins.v1';

const kindNames: Readonly<Record<JoinKind, JoinActivityRecord['kind']>> = {
  [JoinKind.UNSPECIFIED]: 'unknown',
  [JoinKind.JOIN_REQUEST]: 'join-request',
  [JoinKind.REJOIN_TYPE_0]: 'rejoin-0',
  [JoinKind.REJOIN_TYPE_1]: 'rejoin-1',
  [JoinKind.REJOIN_TYPE_2]: 'rejoin-2',
};

/** A join event as the device's join activity keeps it. */
export function joinActivityOf(event: JoinEvent, time: Date): JoinActivityRecord {
  return {
    eventId: event.eventId,
    time: time.toISOString(),
    accepted: event.outcome === JoinOutcome.ACCEPTED,
    resultCode: event.resultCode,
    errorCode: event.errorCode,
    accountId: event.accountId,
    networkServerId: event.networkServerId,
    netId: bytesToHex(event.netId),
    kind: kindNames[event.kind] ?? 'unknown',
    devNonce: event.devNonce ?? null,
  };
}

/**
 * A bus handler for `joinery.joins.v1` that keeps each device's `activated`, `joinCount` and `lastJoinAt`, and its
 * last join activity (accepted and refused joins). A batch
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
    const releases: KeyRelease[] = [];
    const activity: JoinEventFacts[] = [];
    for (const record of records) {
      let event: JoinEvent;
      try {
        event = fromBinary(JoinEventSchema, record.value);
      } catch {
        logger.warn({ bytes: record.value.length }, 'undecodable join event skipped');
        continue;
      }
      const time = event.time === undefined ? new Date() : timestampDate(event.time);
      const devEui = bytesToHex(event.devEui);
      activity.push({ devEui, activity: joinActivityOf(event, time) });
      if (event.outcome !== JoinOutcome.ACCEPTED) continue;
      joins.push({ eventId: event.eventId, devEui, accepted: true, time });
      releases.push({
        eventId: event.eventId,
        devEui,
        accountId: event.accountId === '' ? null : event.accountId,
        networkServerId: event.networkServerId,
        netId: bytesToHex(event.netId),
        nsId: bytesToHex(event.nsId),
        joinKind: kindNames[event.kind] ?? 'unknown',
        time,
      });
    }
    // The activity and the activation records are independent: written side by side (one round trip, one LMDB
    // commit), then the audit entries, which need the activation outcomes.
    const [recorded, outcomes] = await Promise.all([
      activity.length > 0 ? claims.activity.record(activity) : { skipped: 0 },
      joins.length > 0 ? claims.devices.applyJoinEvents(joins) : [],
    ]);
    if (recorded.skipped > 0)
      logger.warn(
        { skipped: recorded.skipped },
        'join events with an unusable DevEUI, event id or time skipped',
      );
    if (joins.length === 0) return;
    // The audit log's `keys.released`: the NS that got each known device's session keys (idempotent per event id).
    await claims.audit.recordKeyReleases(
      releases.filter((_, i) => outcomes[i] !== 'unknown_device' && outcomes[i] !== 'invalid'),
    );
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
