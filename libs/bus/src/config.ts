import { int } from '@joinery/config';

/** How long the broker may hold a consumer's fetch to gather `fetchMinBytes` unless set (`KafkaBusOptions`). */
export const defaultFetchMaxWaitMs = 50;
/** What a consumer's fetch waits for unless set (`KafkaBusOptions`): 64 KiB, a few hundred join events. */
export const defaultFetchMinBytes = 64 * 1024;
/**
 * How long a consumer may hold handled offsets before committing them unless set (`KafkaBusOptions`): committing after
 * every batch (one request per partition batch) cost the broker as many requests per join as the relay's produce
 * requests (docs/perf/kafka-cost-2026-12-08.md).
 */
export const defaultCommitIntervalMs = 500;

/**
 * `JOINERY_KAFKA_FETCH_MAX_WAIT_MS`, `JOINERY_KAFKA_FETCH_MIN_BYTES` and `JOINERY_KAFKA_COMMIT_INTERVAL_MS` for the
 * configuration schemas of the services that consume Kafka: pass them on as `connectKafkaBus`'s `fetchMaxWaitMs`,
 * `fetchMinBytes` and `commitIntervalMs`. They trade the delay of an event (and, for the commits, how much a crash
 * redelivers) for the fetches and offset commits per event, each a request both the broker and the consumer pay
 * for: under load a fetch is answered once `fetchMinBytes` arrived or after `fetchMaxWaitMs`, whichever comes first.
 */
export const kafkaConsumerSettings = {
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
  kafkaCommitIntervalMs: int('JOINERY_KAFKA_COMMIT_INTERVAL_MS', {
    default: defaultCommitIntervalMs,
    min: 0,
    max: 60_000,
  }),
};
