import { defineErrors } from '@joinery/errors';

export const busErrors = defineErrors('bus', {
  closed: ['unavailable', 'the event bus is closed'],
  handler_failed: [
    'unavailable',
    'a subscriber failed to handle the records; they stay to be delivered again',
  ],
  invalid_subscription: ['invalid_argument', 'invalid subscription'],
  not_acknowledged: [
    'unavailable',
    'Kafka did not acknowledge the records of a partition; they may not be written, send them again',
  ],
  topic_unavailable: ['unavailable', 'the partitions of the topic could not be read from Kafka in time'],
});
