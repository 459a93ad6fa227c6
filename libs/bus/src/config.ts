import { int } from '@joinery/config';

/** How long the broker may hold a consumer's fetch to gather `fetchMinBytes` unless set (`KafkaBusOptions`). */
export const defaultFetchMaxWaitMs = 50;
/** What a consumer's fetch waits for unless set (`KafkaBusOptions`): 64 KiB, a few hundred join events. */
export const defaultFetchMinBytes = 64 * 1024;

/**
 * `JOINERY_KAFKA_FETCH_MAX_WAIT_MS` and `JOINERY_KAFKA_FETCH_MIN_BYTES` for the configuration schemas of the services
 * that consume Kafka: pass them on as `connectKafkaBus`'s `fetchMaxWaitMs` and `fetchMinBytes`. They trade the delay
 * of an event for the fetches per event (each a request both the broker and the consumer pay for): under load a
 * fetch is answered once `fetchMinBytes` arrived or after `fetchMaxWaitMs`, whichever comes first.
 */
export const kafkaFetchSettings = {
  kafkaFetchMaxWaitMs: int('JOINERY_KAFKA_FETCH_MAX_WAIT_MS', {
    default: defaultFetchMaxWaitMs,
    min: 0,
    max: 10_000,
  }),
  kafkaFetchMinBytes: int('JOINERY_KAFKA_FETCH_MIN_BYTES', {
    default: defaultFetchMinBytes,
    min: 1,
    max: 64 * 1024 * 1024,
  }),
};
