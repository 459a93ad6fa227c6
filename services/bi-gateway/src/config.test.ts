import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadGatewayConfig } from './config.js';

test('defaults of the management contract: BI on 7443, no plain listener, idle connections kept 125 s', () => {
  const config = loadGatewayConfig({});
  assert.equal(config.biPort, 7443);
  assert.equal(config.biHttpPort, undefined);
  assert.equal(config.idleTimeoutMs, 125_000);
  assert.ok(config.idleTimeoutMs >= 120_000);
  assert.equal(loadGatewayConfig({ JOINERY_BI_IDLE_TIMEOUT: '3m' }).idleTimeoutMs, 180_000);
  assert.throws(() => loadGatewayConfig({ JOINERY_BI_IDLE_TIMEOUT: 'soon' }));
});
