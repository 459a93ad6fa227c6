import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '@joinery/config';
import { launcherConfigSchema } from './config.js';

test('defaults of the management contract: REST API on 7080, data in ./data', () => {
  const config = loadConfig(launcherConfigSchema, {});
  assert.equal(config.apiPort, 7080);
  assert.equal(config.dataDir, './data');
  assert.equal(config.adminToken, undefined);
});
