// The management contract against embedded mode (all services in one process, LMDB, in-process bus, software
// vault), then restart safety: the same data directory after a stop keeps claims, nonces and charges.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import {
  createApiClient,
  simulatedDevice,
  SimulatedNetworkServer,
  startEmbedded,
  type RunningEmbedded,
  loopbackEmbeddedEnv,
} from '@joinery/joinery';
import { captureLogs } from '@joinery/logging';
import { claimedFleet, type ClaimedFleet } from './contract-helpers.js';
import { eventually, managementContract } from './management-contract.js';

const logs = captureLogs({ level: 'info' });
const env = loopbackEmbeddedEnv;

describe('embedded mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-embedded-'));
  let running: RunningEmbedded;
  before(async () => {
    running = await startEmbedded(env(dataDir), logs.logger);
  });
  after(async () => {
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('first start: admin token, vault master key and claims seal key are created 0600 in the data directory', () => {
    assert.equal(running.firstStart, true);
    assert.equal(running.adminTokenFile, join(dataDir, 'admin-token'));
    assert.equal(statSync(join(dataDir, 'admin-token')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'keys-master.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'claims-seal.key')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dataDir, 'claims-seal.key')).length, 32);
  });

  const run = managementContract(() => ({
    apiUrl: `http://127.0.0.1:${running.apiPort}`,
    biUrl: new URL(`https://127.0.0.1:${running.biPort}/`),
    adminToken: running.adminToken,
  }));

  test('no root key, session key or KEK hex reached the logs of the whole contract', () => {
    const text = logs.text().toUpperCase();
    const secrets = run.secrets();
    assert.ok(text.length > 0);
    assert.ok(secrets.length >= 10, `only ${secrets.length} secrets collected`);
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a key reached the logs');
    const sealKey = readFileSync(join(dataDir, 'claims-seal.key'));
    assert.ok(!text.includes(sealKey.toString('hex').toUpperCase()), 'the claims seal key reached the logs');
    assert.ok(!logs.text().includes(sealKey.toString('base64')), 'the claims seal key reached the logs');
  });
});

describe('embedded mode restart safety', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-restart-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('after a stop and start on the same data directory, claims, nonces and charges are still there', async () => {
    const joinEui = '70B3D57ED00FFFFF';
    const d = simulatedDevice('1.0.4');
    let running = await startEmbedded(env(dataDir), logs.logger);
    const token = running.adminToken;
    let fleet: ClaimedFleet;
    let firstNonce: number;
    try {
      fleet = await claimedFleet(`http://127.0.0.1:${running.apiPort}`, token, {
        account: 'r',
        ns: { name: 'n', netId: '000013' },
        joinEui,
        devices: [d],
      });
      const { admin, ns } = fleet;
      const client = new SimulatedNetworkServer(new URL(`https://127.0.0.1:${running.biPort}/`), ns);
      const first = await client.join(d, joinEui);
      client.close();
      assert.equal(first.ok, true, first.resultCode);
      firstNonce = first.joinNonce ?? Infinity;
      await eventually(async () => {
        const { charges } = await admin.request<{ charges: unknown[] }>('GET', '/api/v1/billing/charges');
        assert.equal(charges.length, 1);
      });
    } finally {
      await running.stop();
    }

    // Another seal key file fails the start and overwrites nothing: the start after it finds everything.
    const otherSealKey = join(dataDir, 'other-seal.key');
    await assert.rejects(
      startEmbedded({ ...env(dataDir), JOINERY_CLAIMS_SEAL_KEY_FILE: otherSealKey }, logs.logger),
      (err: unknown) =>
        JoineryError.is(err, 'claims:ca_unseal_failed') && err.details['file'] === otherSealKey,
    );

    running = await startEmbedded(env(dataDir), logs.logger);
    try {
      assert.equal(running.firstStart, false);
      assert.equal(running.adminToken, token);
      const admin = createApiClient(`http://127.0.0.1:${running.apiPort}`, token);
      const device = await admin.request<{ claimed: boolean; networkServerId: string; activated: boolean }>(
        'GET',
        `/api/v1/devices/${d.devEui}`,
      );
      assert.equal(device.claimed, true);
      assert.equal(device.networkServerId, fleet.ns.id);
      assert.equal(device.activated, true);
      // The NS credentials and the CA survive too: the same client certificate is still accepted.
      const client = new SimulatedNetworkServer(new URL(`https://127.0.0.1:${running.biPort}/`), fleet.ns);
      const replay = await client.join({ ...d, nextDevNonce: 0 }, joinEui);
      const next = await client.join(d, joinEui);
      client.close();
      assert.equal(replay.ok, false);
      assert.equal(next.ok, true, `${next.resultCode} ${next.description ?? ''}`);
      assert.ok((next.joinNonce ?? 0) > firstNonce, `${next.joinNonce} > ${firstNonce}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { charges } = await admin.request<{ charges: { devEui: string }[] }>(
        'GET',
        '/api/v1/billing/charges',
      );
      assert.deepEqual(
        charges.map((c) => c.devEui),
        [d.devEui],
      );
    } finally {
      await running.stop();
    }
  });
});
