import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { buildMetricsApp } from './metrics-app.js';

test('readiness is 503 while a dependency does not answer (or the check throws), 200 once it does', async () => {
  let state: 'down' | 'throws' | 'up' = 'down';
  const app = buildMetricsApp(new Registry(), async () => {
    if (state === 'throws') throw new Error('claims unreachable');
    return state === 'up';
  });
  const readyz = async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    return [res.statusCode, res.json()];
  };
  assert.deepEqual(await readyz(), [503, { status: 'not_ready' }]);
  state = 'throws';
  assert.deepEqual(await readyz(), [503, { status: 'not_ready' }]);
  state = 'up';
  assert.deepEqual(await readyz(), [200, { status: 'ready' }]);
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  assert.deepEqual([health.statusCode, health.json()], [200, { status: 'ok' }]);
  await app.close();
});
