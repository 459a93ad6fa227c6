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

test('a check that does not answer in time is down after the bound, and says so', async () => {
  const started = performance.now();
  const down = await timedCheck('billing', 50, () => new Promise<void>(() => {}), 'unreachable');
  assert.equal(down.status, 'down');
  assert.equal(down.detail, 'no answer within 50 ms');
  assert.ok(performance.now() - started < 1000);
});
