import { defineErrors } from '@joinery/errors';

/** The billing service's error catalogue; codes are stable (`billing:<name>`). */
export const billingErrors = defineErrors('billing', {
  invalid_argument: ['invalid_argument', 'invalid argument'],
  invalid_page_token: ['invalid_argument', 'the page token is not one this service issued'],
});
