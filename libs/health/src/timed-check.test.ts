import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timedCheck } from './timed-check.js';

test('a check that answers is ok, with what it found and its latency', async () => {
  const ok = await timedCheck('store', 1000, async () => {}, 'unreachable');
  assert.equal(ok.status, 'ok');
  assert.equal(ok.name, 'store');
  assert.equal(typeof ok.latencyMs, 'number');
  const found = await timedCheck('bus', 1000, async () => ({ status: 'degraded', detail: 'lagging' }), 'x');
  assert.deepEqual(
    { ...found, latencyMs: 0 },
    { name: 'bus', status: 'degraded', detail: 'lagging', latencyMs: 0 },
  );
});

test('a failed check is down with the worded failure, never the error text', async () => {
  const down = await timedCheck(
    'keys',
    1000,
    async () => {
      throw new Error('secret connection string');
    },
    'the keys service is not reachable',
  );
  assert.equal(down.status, 'down');
  assert.equal(down.detail, 'the keys service is not reachable');
  assert.ok(!JSON.stringify(down).includes('secret'));
});

test('a check that does not answer in time is down at the bound, not before, and says so', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  /** What `promise` has settled to once every callback now due has run (setImmediate is not mocked). */
  const settled = async <T>(promise: Promise<T>) => {
    let value: T | undefined;
    void promise.then((v) => (value = v));
    await new Promise((resolve) => setImmediate(resolve));
    return value;
  };
  const pending = timedCheck('billing', 50, () => new Promise<void>(() => {}), 'unreachable');
  t.mock.timers.tick(49);
  assert.equal(await settled(pending), undefined);
  t.mock.timers.tick(1);
  const down = await settled(pending);
  assert.equal(down?.status, 'down');
  assert.equal(down?.detail, 'no answer within 50 ms');
});
