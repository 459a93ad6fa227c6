// Shared by libs/grpc's tests.
import assert from 'node:assert/strict';
import { JoineryError } from '@joinery/errors';
import type { GrpcServer } from './grpc-server.js';

/** The JoineryError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<JoineryError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof JoineryError, `expected a JoineryError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

/**
 * Closes `server` with a 60 s grace period and asserts that it was done within 10 s: nothing (no stream left open)
 * made it wait out the grace.
 */
export async function assertClosesWithoutWaitingOutGrace(server: GrpcServer): Promise<void> {
  const closed = server.close(60_000).then(() => 'closed');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waitedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('still waiting after 10 s'), 10_000);
  });
  assert.equal(await Promise.race([closed, waitedOut]), 'closed');
  clearTimeout(timer);
}
