import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInProcessClient } from '@joinery/grpc';
import { captureLogs } from '@joinery/logging';
import { KeysService, VaultStatus } from '@joinery/proto/keys/v1/keys_pb';
import { createMemoryStateStore } from '../adapters/memory/memory-state-store.js';
import { buildKeysApp } from '../app.js';
import { createFakeKeyVault } from '../testing/fake-key-vault.js';
import { keysErrors } from './errors.js';
import { vaultHealth } from './vault-health.js';

test('vaultHealth: ok, the code of a failure, or no_answer within the bound', async () => {
  const vault = createFakeKeyVault();
  assert.deepEqual(await vaultHealth(vault), { ok: true });
  const failing = {
    ...vault,
    health: () => Promise.reject(keysErrors.hsm_error({ reason: 'not_logged_in' })),
  };
  assert.deepEqual(await vaultHealth(failing), { ok: false, reason: 'keys:hsm_error' });
  const plain = { ...vault, health: () => Promise.reject(new Error('secret detail 1234')) };
  assert.deepEqual(await vaultHealth(plain), { ok: false, reason: 'internal:unexpected' });
  const started = performance.now();
  const hung = { ...vault, health: () => new Promise<never>(() => undefined) };
  assert.deepEqual(await vaultHealth(hung, 50), { ok: false, reason: 'no_answer' });
  assert.ok(performance.now() - started < 1000);
});

test('GetOutboxBacklog reports the key vault SERVING, or NOT_SERVING with a warning once its check fails', async () => {
  const logs = captureLogs({ service: 'keys' });
  const vault = createFakeKeyVault();
  let healthy = true;
  const app = await buildKeysApp({
    vault: {
      ...vault,
      health: () => (healthy ? vault.health() : Promise.reject(keysErrors.hsm_error({ reason: 'x' }))),
    },
    state: createMemoryStateStore(),
    logger: logs.logger,
    config: { devNonceHistorySize: 1024, maxSessions: 10, storageKekLabel: 'storage' },
  });
  try {
    const client = createInProcessClient(KeysService, app.service);
    assert.equal((await client.getOutboxBacklog({})).vaultStatus, VaultStatus.SERVING);
    assert.equal(logs.grep('key vault health check failed').length, 0);
    healthy = false;
    const answer = await client.getOutboxBacklog({});
    assert.equal(answer.vaultStatus, VaultStatus.NOT_SERVING);
    assert.equal(answer.events, 0n);
    assert.deepEqual(
      logs.grep('key vault health check failed').map((line) => line['reason']),
      ['keys:hsm_error'],
    );
  } finally {
    await app.close();
  }
});
