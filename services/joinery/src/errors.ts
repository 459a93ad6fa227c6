import { defineErrors } from '@joinery/errors';

/** Errors of the embedded launcher itself. */
export const launcherErrors = defineErrors('joinery', {
  edge_failed: ['unavailable', 'the Backend Interfaces edge could not start'],
  edge_stopped: ['unavailable', 'the Backend Interfaces edge thread stopped'],
});
