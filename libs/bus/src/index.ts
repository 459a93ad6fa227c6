export type { BusHandler, BusRecord, EventBus, SubscribeOptions, Subscription } from './bus.js';
export { busErrors } from './errors.js';
export { createInProcessBus } from './in-process-bus.js';
export { connectKafkaBus } from './kafka-bus.js';
export { kafkaConsumerSettings } from './config.js';
export type { KafkaBusOptions, KafkaClient } from './kafka-bus.js';
export { startOutboxRelay } from './outbox-relay.js';
export { wakeablePause } from './wakeable-pause.js';
export type { WakeablePause } from './wakeable-pause.js';
export type {
  OutboxRecord,
  OutboxRelay,
  OutboxRelayOptions,
  OutboxSource,
  RelayLease,
} from './outbox-relay.js';
export { forEachInKeyOrder } from './key-order.js';
export { partitionForKey, sendAcknowledged, sendByPartition } from './kafka-send.js';
export type { PartitionedMessage, SendByPartitionOptions, UnacknowledgedPartitions } from './kafka-send.js';
