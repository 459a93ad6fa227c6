import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveLimit, type AdaptiveLimitOptions } from './admission-limit.js';

/** A limit on a fake clock (ms), windows of 50 ms and at least 8 answers. */
function limiter(options: Partial<AdaptiveLimitOptions> = {}) {
  const clock = { now: 0 };
  const limit = new AdaptiveLimit({ maxLimit: 100, initialLimit: 16, ...options }, clock.now);
  /** One window: `latencies` answered over `ms` (50), the limit reached (an arrival found it full) or not. */
  const window = (latencies: readonly number[], reached = true, ms = 50) => {
    if (reached) limit.arrived(limit.limit - 1);
    for (const [i, latency] of latencies.entries()) {
      clock.now += ms / latencies.length;
      if (i === latencies.length - 1) clock.now = Math.ceil(clock.now);
      limit.answered(latency, clock.now);
    }
    return limit.limit;
  };
  return { limit, clock, window };
}

const times = (n: number, ms: number) => Array.from({ length: n }, () => ms);

test('answers as fast as at no load, with the limit reached: it grows by its square root, up to maxLimit', () => {
  const { limit, window } = limiter({ maxLimit: 30 });
  assert.equal(limit.limit, 16);
  assert.equal(window(times(10, 2)), 20);
  assert.equal(window(times(10, 2)), 24);
  assert.equal(window(times(10, 2)), 29);
  assert.equal(window(times(10, 2)), 30);
  assert.equal(window(times(10, 2)), 30);
});

test('light load (the limit never reached) does not raise it: a burst after a quiet spell meets the limit it had', () => {
  const { window } = limiter();
  for (let i = 0; i < 20; i += 1) assert.equal(window(times(10, 2), false), 16);
});

test('answers slower than tolerance × the no-load latency shrink the limit in proportion, at most by half a window', () => {
  const { window } = limiter({ tolerance: 1.5, minLimit: 2 });
  assert.equal(window(times(10, 2)), 20, 'the no-load latency: 2 ms');
  // Within the tolerance (3 ms): no queue worth shrinking for; the limit was reached, so it grows.
  assert.equal(window(times(10, 3)), 24);
  // 4 ms: 3 ÷ 4 of the limit.
  assert.equal(window(times(10, 4)), 18);
  // 60 ms: far more than half too slow, halved.
  assert.equal(window(times(10, 60)), 9);
  assert.equal(window(times(10, 60)), 4);
  assert.equal(window(times(10, 60)), 2, 'never below minLimit');
  assert.equal(window(times(10, 60)), 2);
});

test('the window is its median: a few slow answers in it do not shrink the limit', () => {
  const { window } = limiter();
  window(times(10, 2));
  assert.equal(window([...times(6, 2), 500, 500, 500, 500]), 24);
});

test('the no-load latency is a window median, not one lucky answer', () => {
  const { limit, window } = limiter();
  window([0.1, ...times(9, 4)]);
  assert.equal(limit.noLoadMs, 4);
  // 5 ms is within 1.5 × 4 ms: no shrinking although it is 50 × the lucky answer.
  assert.equal(window(times(10, 5)), 24);
});

test('a window is not judged before windowMs nor with fewer than minSamples answers', () => {
  const { limit, clock } = limiter();
  limit.arrived(15);
  for (let i = 0; i < 7; i += 1) {
    clock.now += 10;
    limit.answered(2, clock.now);
  }
  assert.equal(limit.limit, 16, '7 answers over 70 ms');
  clock.now += 10;
  limit.answered(2, clock.now);
  assert.equal(limit.limit, 20, 'the eighth ends it');
  limit.arrived(19);
  for (let i = 0; i < 20; i += 1) limit.answered(2, clock.now + 49 * (i / 20));
  assert.equal(limit.limit, 20, '20 answers within 49 ms');
});

test('the no-load latency is forgotten after baselineMs: the limit follows a join path that became slower', () => {
  const { limit, window } = limiter({ baselineMs: 1000, minLimit: 2 });
  window(times(10, 2));
  // keys moved further away: every join takes 20 ms from now on.
  assert.equal(window(times(10, 20)), 10);
  for (let i = 0; i < 18; i += 1) window(times(10, 20));
  assert.equal(limit.limit, 2);
  assert.equal(limit.noLoadMs, 2, 'still within 1 s');
  assert.equal(window(times(10, 20)), 3, 'after 1 s only the slower windows are left: the limit grows again');
  assert.equal(limit.noLoadMs, 20);
});

test('minLimit and initialLimit are held to maxLimit', () => {
  assert.equal(new AdaptiveLimit({ maxLimit: 1 }, 0).limit, 1);
  assert.equal(new AdaptiveLimit({ maxLimit: 8 }, 0).limit, 8);
  assert.equal(new AdaptiveLimit({ maxLimit: 512, initialLimit: 1, minLimit: 4 }, 0).limit, 4);
});

test('slow windows in which no arrival came near the limit leave it: noise is no overload', () => {
  const { window } = limiter({ minLimit: 2 });
  assert.equal(window(times(10, 2)), 20, 'the no-load latency: 2 ms');
  // Ten windows 30 × slower (a loaded machine, a stall), with fewer in flight than the limit: no demand beyond it.
  for (let i = 0; i < 10; i += 1) assert.equal(window(times(10, 60), false), 20);
  // The same with the limit reached: requests wait for one another; it shrinks.
  assert.equal(window(times(10, 60)), 10);
});

test('a window as fast as at no load, nowhere near the limit, brings it back to initialLimit (the overload is over)', () => {
  const { window } = limiter({ minLimit: 2 });
  window(times(10, 2));
  for (let i = 0; i < 4; i += 1) window(times(10, 60));
  assert.equal(window(times(10, 60)), 2);
  // Still slow: nothing changes.
  assert.equal(window(times(10, 60), false), 2);
  // As fast as at no load with the limit reached: it grows by its square root.
  assert.equal(window(times(10, 2)), 3);
  // As fast, nowhere near the limit: the load fell; back to where it started, not beyond.
  assert.equal(window(times(10, 2), false), 16);
  assert.equal(window(times(10, 2), false), 16);
});

test('slow windows that serve far less than lately (a starved process) climb the limit one step while each step pays', () => {
  const { limit, window } = limiter({ tolerance: 1.5, minLimit: 2 });
  // 10 answers in 50 ms (200/s) at 2 ms, then slow at the same throughput: a queue of its own; down to the floor.
  window(times(10, 2));
  for (let i = 0; i < 6; i += 1) window(times(10, 60));
  assert.equal(limit.limit, 2);
  assert.equal(limit.servedPerSecond, 200);
  // As slow, and 8 answers in 200 ms (40/s, under half of 200/s): the limit is not what holds them up.
  // (A window closes at its 8th answer once 50 ms have passed.)
  assert.equal(window(times(8, 60), true, 200), 3);
  assert.equal(window(times(8, 60), true, 160), 4, '50/s: the step paid');
  assert.equal(window(times(8, 60), true, 200), 3, 'no more than before: the step back');
  assert.equal(window(times(8, 60), true, 200), 4, 'a new climb from there');
  // Slow at the throughput of before: a queue again, the limit shrinks.
  assert.equal(window(times(10, 60)), 2);
});
