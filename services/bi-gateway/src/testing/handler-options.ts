import type { BiHandlerOptions } from '../domain/bi-handler.js';

/**
 * BiHandler options for the edge tests: a 1 s deadline, 100 requests in flight, 1,000 requests a second per peer and
 * a one-minute duplicate window, so that only a test that lowers one of them meets its limit.
 */
export const testHandlerOptions: BiHandlerOptions = {
  deadlineMs: 1000,
  maxInFlight: 100,
  peerRatePerSecond: 1000,
  peerBurst: 1000,
  duplicateWindowMs: 60_000,
};
