import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wakeablePause } from './wakeable-pause.js';

test('a pause ends after its time, or at once when woken', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { pause, wake } = wakeablePause();
  let ended = false;
  const timed = pause(1000).then(() => (ended = true));
  t.mock.timers.tick(999);
  await Promise.resolve();
  assert.equal(ended, false);
  t.mock.timers.tick(1);
  await timed;
  assert.equal(ended, true);

  let woken = false;
  const early = pause(60_000).then(() => (woken = true));
  wake();
  await early;
  assert.equal(woken, true);
  wake(); // waking with no pause under way (or one already over) is harmless
});
