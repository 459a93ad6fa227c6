import { defineErrors } from '@joinery/errors';

export const storeErrors = defineErrors('store', {
  invalid_dev_eui: ['invalid_argument', 'DevEUI must be 8 bytes (16 hex digits)'],
  invalid_redis_url: ['invalid_argument', 'the Redis URL is invalid'],
  invalid_key_part: ['invalid_argument', 'Redis key parts must be non-empty and free of braces'],
  redis_unavailable: ['unavailable', 'Redis is not ready'],
  script_keys: ['invalid_argument', 'wrong number of keys for Redis script'],
  script_name: ['invalid_argument', 'Redis script name is invalid or taken'],
});
