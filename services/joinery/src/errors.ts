import { defineErrors } from '@joinery/errors';

/** The launcher's own error catalogue (`joinery start`). */
export const joineryErrors = defineErrors('joinery', {
  data_dir_in_use: ['failed_precondition', 'another Joinery server uses this data directory'],
  port_in_use: ['unavailable', 'a port Joinery listens on is in use'],
});
