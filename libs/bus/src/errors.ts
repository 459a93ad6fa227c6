import { defineErrors } from '@joinery/errors';

export const busErrors = defineErrors('bus', {
  closed: ['unavailable', 'the event bus is closed'],
  handler_failed: [
    'unavailable',
    'a subscriber failed to handle the records; they stay to be delivered again',
  ],
  invalid_subscription: ['invalid_argument', 'invalid subscription'],
});
