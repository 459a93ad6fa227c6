import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerRateLimiter } from './rate-limiter.js';

test('allows the burst, then refills at the rate, per peer', () => {
  let now = 0;
  const limiter = new PeerRateLimiter({ ratePerSecond: 10, burst: 2, now: () => now });
  assert.equal(limiter.tryTake('a'), true);
  assert.equal(limiter.tryTake('a'), true);
  assert.equal(limiter.tryTake('a'), false);
  assert.equal(limiter.tryTake('b'), true);
  now = 100;
  assert.equal(limiter.tryTake('a'), true);
  assert.equal(limiter.tryTake('a'), false);
});
