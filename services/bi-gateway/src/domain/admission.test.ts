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
    adaptiveLimit: false,
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

test('when even the fastest answer of a busy interval was too slow, arrivals are refused until the queue is gone', () => {
  const { a, clock } = admission({ maxInFlight: 100, targetSojournMs: 200 });
  const answerAll = (count: number, afterMs: number) => {
    const tickets = Array.from({ length: count }, () => a.arrive());
    clock.now += afterMs;
    for (const ticket of tickets) ticket.release();
  };
  // A few slow answers are no standing queue.
  answerAll(3, 300);
  clock.now += 100;
  assert.equal(a.shedding, false);
  // A busy interval (16 answers) all slower than the target: shed.
  answerAll(16, 250);
  clock.now += 100;
  assert.equal(a.shedding, true);
  assert.equal(a.arrive().admitted, false);
  // Nothing answered and nothing in flight: nothing left to wait for.
  clock.now += 100;
  assert.equal(a.shedding, false);
  assert.equal(a.arrive().admitted, true);
});

test('a quiet interval with a fast answer ends shedding; a busy one with a fast answer never starts it', () => {
  const { a, clock } = admission({ maxInFlight: 100, targetSojournMs: 200 });
  const slow = Array.from({ length: 17 }, () => a.arrive());
  clock.now += 250;
  for (const ticket of slow.slice(1)) ticket.release();
  clock.now += 100;
  assert.equal(a.shedding, true, 'one still in flight');
  clock.now += 100;
  assert.equal(a.shedding, true, 'a quiet interval with something in flight says nothing new');
  slow[0]!.release();
  clock.now += 100;
  assert.equal(a.shedding, false, 'nothing in flight');

  const busy = Array.from({ length: 16 }, () => a.arrive());
  clock.now += 10;
  busy[0]!.release();
  clock.now += 240;
  for (const ticket of busy.slice(1)) ticket.release();
  clock.now += 100;
  assert.equal(a.shedding, false);
});

test('after a busy interval, in flight is held to what was answered in it times the target, never below the floor', () => {
  const { a, clock } = admission({ maxInFlight: 500, targetSojournMs: 50 });
  assert.equal(a.inFlightLimit, 500);
  // 200 answers in 100 ms, each fast: 2,000/s × 50 ms = 100 may be in flight.
  for (let i = 0; i < 200; i += 1) {
    const ticket = a.arrive();
    clock.now += 0.5;
    ticket.release();
  }
  assert.equal(a.inFlightLimit, 100);
  const held = Array.from({ length: 101 }, () => a.arrive());
  assert.deepEqual([held[99]?.admitted, held[100]?.admitted], [true, false]);
  for (const ticket of held) ticket.release();
  // 101 answers in the next interval: 51.
  clock.now += 100;
  assert.equal(a.inFlightLimit, 51);
  // A quiet interval lifts the limit again.
  clock.now += 100;
  assert.equal(a.inFlightLimit, 500);
  // A busy interval of 20 answers would allow 10: the floor is 32.
  for (let i = 0; i < 20; i += 1) a.arrive().release();
  clock.now += 100;
  assert.equal(a.inFlightLimit, 32);
});

test('the adaptive limit (on unless false) holds requests in flight below maxInFlight and follows the latency', () => {
  const clock = { now: 1000 };
  const a = new Admission({
    maxInFlight: 512,
    maxQueueAgeMs: 100,
    maxEventLoopDelayMs: 50,
    adaptiveLimit: { initialLimit: 4, minLimit: 2 },
    now: () => clock.now,
  });
  assert.equal(a.concurrencyLimit, 4);
  const held = Array.from({ length: 5 }, () => a.arrive());
  assert.deepEqual(
    held.map((t) => t.admitted),
    [true, true, true, true, false],
  );
  // A window (50 ms, 8 answers) at 2 ms each, the limit reached: it grows by its square root.
  for (const ticket of held) ticket.release();
  for (let i = 0; i < 8; i += 1) {
    const ticket = a.arrive();
    clock.now += 2;
    ticket.release();
    clock.now += 5;
  }
  assert.equal(a.concurrencyLimit, 6);
  // Four times slower: a queue; the limit halves.
  for (let i = 0; i < 8; i += 1) {
    const ticket = a.arrive();
    clock.now += 8;
    ticket.release();
  }
  assert.equal(a.concurrencyLimit, 3);
  assert.equal(
    new Admission({ maxInFlight: 512, maxQueueAgeMs: 1, maxEventLoopDelayMs: 1, adaptiveLimit: false })
      .concurrencyLimit,
    512,
  );
});

test('an answer released as not measured (a refusal, a failure) is no latency sample for the adaptive limit', () => {
  const clock = { now: 1000 };
  const a = new Admission({
    maxInFlight: 512,
    maxQueueAgeMs: 100,
    maxEventLoopDelayMs: 50,
    adaptiveLimit: { initialLimit: 4, minLimit: 2 },
    now: () => clock.now,
  });
  const window = (latencyMs: number, measured: boolean) => {
    for (let i = 0; i < 8; i += 1) {
      const tickets = Array.from({ length: 4 }, () => a.arrive());
      clock.now += latencyMs;
      for (const ticket of tickets) ticket.release({ measured });
      clock.now += 7 - latencyMs;
    }
  };
  window(4, true);
  assert.equal(a.concurrencyLimit, 6);
  // keys is down: joins fail in 0.1 ms. Were they samples, 4 ms would then look like a queue.
  window(0.1, false);
  assert.equal(a.concurrencyLimit, 6);
  window(4, true);
  assert.equal(a.concurrencyLimit, 6, 'not shrunk');
});
