import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admission } from './admission.js';

function admission(
  overrides: {
    maxInFlight?: number;
    maxQueueAgeMs?: number;
    maxEventLoopDelayMs?: number;
    targetSojournMs?: number;
  } = {},
) {
  const clock = { now: 1000, delay: 0 };
  const a = new Admission({
    maxInFlight: 2,
    maxQueueAgeMs: 100,
    maxEventLoopDelayMs: 50,
    sojournIntervalMs: 100,
    ...overrides,
    now: () => clock.now,
    eventLoopDelayMs: () => clock.delay,
  });
  return { a, clock };
}

test('beyond maxInFlight requests are refused on arrival; a release makes room again, once', () => {
  const { a } = admission();
  const first = a.arrive();
  const second = a.arrive();
  const third = a.arrive();
  assert.deepEqual([first.admitted, second.admitted, third.admitted], [true, true, false]);
  assert.equal(a.inFlight, 2);
  third.release();
  assert.equal(a.inFlight, 2, 'a refused ticket was never counted');
  first.release();
  first.release();
  assert.equal(a.inFlight, 1);
  assert.equal(a.arrive().admitted, true);
  assert.equal(a.mayProceed(third), false);
});

test('a request that waited longer than maxQueueAgeMs before being handled is refused', () => {
  const { a, clock } = admission();
  const ticket = a.arrive();
  assert.equal(ticket.arrivedAt, 1000);
  clock.now = 1100;
  assert.equal(a.mayProceed(ticket), true);
  clock.now = 1101;
  assert.equal(a.mayProceed(ticket), false);
});

test('while the event loop is behind by more than maxEventLoopDelayMs, arrivals are refused', () => {
  const { a, clock } = admission({ maxInFlight: 100 });
  clock.delay = 51;
  const late = a.arrive();
  assert.equal(late.admitted, false);
  assert.equal(a.inFlight, 0);
  clock.delay = 50;
  assert.equal(a.arrive().admitted, true);
});

test('when even the fastest answer of a whole interval was too slow, arrivals are refused until one is fast again', () => {
  const { a, clock } = admission({ maxInFlight: 100, targetSojournMs: 200 });
  // One slow answer among fast ones is no standing queue.
  const slow = a.arrive();
  const fast = a.arrive();
  clock.now += 20;
  fast.release();
  clock.now += 300;
  slow.release();
  assert.equal(a.shedding, false);
  // A whole interval of answers all slower than the target: shed.
  const queued = [a.arrive(), a.arrive()];
  clock.now += 250;
  for (const ticket of queued) ticket.release();
  clock.now += 100;
  assert.equal(a.shedding, true);
  assert.equal(a.arrive().admitted, false);
  // While shedding, what is still in flight drains; one fast answer in an interval ends it.
  const straggler = queued[0]!;
  straggler.release();
  assert.equal(a.shedding, true);
  const probe = a.arrive();
  assert.equal(probe.admitted, false);
  clock.now += 100;
  // Nothing answered and nothing in flight: nothing left to wait for.
  assert.equal(a.shedding, false);
  const next = a.arrive();
  clock.now += 10;
  next.release();
  clock.now += 100;
  assert.equal(a.shedding, false);
  assert.equal(a.arrive().admitted, true);
});
