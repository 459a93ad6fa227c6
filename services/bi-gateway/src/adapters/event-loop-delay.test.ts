import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startEventLoopDelaySampler } from './event-loop-delay.js';

/**
 * A sampler ticking every 5 ms on mocked timers and fake clocks, so that how late its ticks are is what the test says,
 * whatever the machine's load. `next({ busyMs, descheduledMs })`: before the next tick fires, the loop runs tasks for
 * `busyMs` and the process does not run at all for `descheduledMs` (the machine busy with others); at least 5 ms pass.
 */
function sampler(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const clock = { wall: 0, cpu: 0 };
  const s = startEventLoopDelaySampler(5, { now: () => clock.wall, cpuTimeMs: () => clock.cpu });
  t.after(() => s.stop());
  return {
    delayMs: () => s.delayMs(),
    next({ busyMs = 0, descheduledMs = 0 }: { busyMs?: number; descheduledMs?: number } = {}) {
      clock.wall += Math.max(5, busyMs + descheduledMs);
      clock.cpu += busyMs;
      t.mock.timers.tick(5);
    },
  };
}

test('a loop that stays behind shows as delay; one long task alone does not', (t) => {
  const loop = sampler(t);
  loop.next();
  loop.next();
  assert.equal(loop.delayMs(), 0);
  loop.next({ busyMs: 60 });
  assert.equal(loop.delayMs(), 0, 'one block');
  loop.next({ busyMs: 60 });
  assert.equal(loop.delayMs(), 55, 'two blocks in a row: each tick 55 ms late');
  loop.next();
  assert.equal(loop.delayMs(), 0, 'caught up');
});

test('ticks late because the process did not run (the machine busy with others) count only its own work', (t) => {
  const loop = sampler(t);
  loop.next({ descheduledMs: 300 });
  loop.next({ descheduledMs: 300 });
  loop.next({ descheduledMs: 300 });
  assert.equal(loop.delayMs(), 0);
  loop.next({ busyMs: 80, descheduledMs: 300 });
  loop.next({ busyMs: 90, descheduledMs: 300 });
  assert.equal(loop.delayMs(), 80, 'the lesser of the two ticks, each as late as its own work made it');
});
