import { EUI64 } from '@joinery/lorawan';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampDate, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { forEachInKeyOrder, type BusRecord } from '@joinery/bus';
import {
  ChargeRecordedSchema,
  JoinEventSchema,
  JoinOutcome,
  type JoinEvent,
} from '@joinery/proto/events/v1/events_pb';
import type { ChargeRecord } from './model.js';
import type { ChargeLedger, Clock, Logger } from './ports.js';

export const joinsTopic = 'joinery.joins.v1';
export const billingTopic = 'joinery.billing.v1';

/** Devices charged at once within one batch. */
const concurrency = 64;

export interface FeeConfig {
  readonly amountMinor: number;
  readonly currency: string;
}

/** What the charging step counts; the metrics adapter implements it. */
export interface ChargeCounters {
  recorded(): void;
  duplicate(): void;
  parked(reason: string): void;
}

export interface ChargeJoinEventsDeps {
  readonly ledger: ChargeLedger;
  readonly fee: FeeConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly counters: ChargeCounters;
  /** Publishes `ChargeRecorded` events (topic joinery.billing.v1); absent: none are published. */
  readonly publish?: (records: readonly BusRecord[]) => Promise<void>;
}

/** `ChargeRecorded` for a charge; its event id is derived from the DevEUI, so a re-publication is recognisable. */
export function chargeRecordedEvent(charge: ChargeRecord): BusRecord {
  const eventId = `charge:${charge.devEui}`;
  return {
    topic: billingTopic,
    key: charge.devEui,
    id: eventId,
    value: toBinary(
      ChargeRecordedSchema,
      create(ChargeRecordedSchema, {
        eventId,
        devEui: EUI64.parse(charge.devEui).bytes(),
        accountId: charge.accountId,
        amountMinor: BigInt(charge.amountMinor),
        currency: charge.currency,
        chargedAt: timestampFromMs(charge.chargedAt),
        joinEventId: charge.joinEventId,
      }),
    ),
  };
}

/**
 * The bus handler of `joinery.joins.v1`: charges each device at its first accepted join, to the account in that
 * event, once. Redelivered events, later joins, rejoins, transfers and re-claims find the device already charged.
 * Undecodable records, and accepted joins that name no account, are parked (kept, counted, logged without their
 * bytes) rather than retried forever or dropped. A ledger failure rejects, so the bus redelivers the batch.
 */
export function chargeJoinEvents(
  deps: ChargeJoinEventsDeps,
): (records: readonly BusRecord[]) => Promise<void> {
  const { ledger, fee, logger, counters } = deps;
  const park = async (record: BusRecord, reason: string) => {
    await ledger.park({
      topic: record.topic,
      partition: record.source?.partition ?? -1,
      offset: record.source?.offset ?? '',
      key: record.key,
      reason,
      parkedAt: deps.clock.now(),
      size: record.value.length,
      valueBase64: Buffer.from(record.value).toString('base64'),
    });
    counters.parked(reason);
    logger.warn(
      { topic: record.topic, key: record.key, ...record.source, bytes: record.value.length, reason },
      'join event parked',
    );
  };

  /** One record: decode, then charge or park; returns the ChargeRecorded event to publish, if any. */
  const handleOne = async (record: BusRecord): Promise<BusRecord | undefined> => {
    let event: JoinEvent;
    try {
      event = fromBinary(JoinEventSchema, record.value);
    } catch {
      await park(record, 'undecodable');
      return undefined;
    }
    if (event.outcome !== JoinOutcome.ACCEPTED) return undefined;
    if (event.devEui.length !== EUI64.byteLength || event.accountId === '' || event.eventId === '') {
      await park(record, 'incomplete_accepted_join');
      return undefined;
    }
    const charge: ChargeRecord = {
      devEui: EUI64.fromBytes(event.devEui).toString(),
      accountId: event.accountId,
      amountMinor: fee.amountMinor,
      currency: fee.currency,
      chargedAt: event.time === undefined ? deps.clock.now() : timestampDate(event.time).getTime(),
      joinEventId: event.eventId,
    };
    const outcome = await ledger.recordOnce(charge);
    if (outcome.recorded) {
      counters.recorded();
      logger.info(
        {
          dev_eui: charge.devEui,
          account_id: charge.accountId,
          amount_minor: charge.amountMinor,
          currency: charge.currency,
        },
        'activation charged',
      );
    } else {
      counters.duplicate();
    }
    // The event that created the charge (first time, or redelivered after a crash before publishing) announces it.
    return outcome.charge.joinEventId === event.eventId ? chargeRecordedEvent(outcome.charge) : undefined;
  };

  // Records of one device are handled in order (its first accepted join must win); different devices run
  // concurrently, which lets the Redis adapter pipeline. The key of a join event is its DevEUI.
  return async (records) => {
    const events: BusRecord[] = [];
    await forEachInKeyOrder(records, concurrency, async (record) => {
      const event = await handleOne(record);
      if (event !== undefined) events.push(event);
    });
    if (events.length > 0 && deps.publish !== undefined) await deps.publish(events);
  };
}
