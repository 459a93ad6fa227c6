// Issue 22 #11, end to end in embedded mode: owner A claims a device and joins it; A unclaims; owner B claims it.
// B's AS must not fetch the AppSKey of A's session with AppSKeyReq: it is answered exactly like an unknown session.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  batchRow,
  createApiClient,
  simulatedDevice,
  SimulatedNetworkServer,
  startEmbedded,
  type ApiClient,
  type RegisteredNetworkServer,
  type RunningEmbedded,
  loopbackEmbeddedEnv,
} from '@joinery/joinery';
import { captureLogs } from '@joinery/logging';
import { appSKeyReq, hexOf } from './contract-helpers.js';

const logs = captureLogs({ level: 'warn' });
const dataDir = mkdtempSync(join(tmpdir(), 'joinery-cross-tenant-'));
let running: RunningEmbedded;

before(async () => {
  running = await startEmbedded(loopbackEmbeddedEnv(dataDir), logs.logger);
});
after(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Tenant {
  readonly api: ApiClient;
  readonly ns: RegisteredNetworkServer;
  readonly as: { id: string; asId: string; credentials: RegisteredNetworkServer['credentials'] };
}

async function tenant(admin: ApiClient, name: string, netId: string): Promise<Tenant> {
  const account = await admin.request<{ apiKey: string }>('POST', '/api/v1/accounts', { name });
  const api = createApiClient(`http://127.0.0.1:${running.apiPort}`, account.apiKey);
  const ns = await api.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', {
    name: `${name}-ns`,
    netId,
    appSKeyDelivery: 'session-key-id',
  });
  const as = await api.request<Tenant['as']>('POST', '/api/v1/application-servers', {
    name: `${name}-as`,
    asId: `${name}-${hexOf(randomBytes(3))}.example.net`,
  });
  return { api, ns, as };
}

test('after unclaim and a claim by another owner, the new owner’s AS cannot fetch the old session’s AppSKey', async () => {
  const biUrl = new URL(`https://127.0.0.1:${running.biPort}/`);
  const admin = createApiClient(`http://127.0.0.1:${running.apiPort}`, running.adminToken);
  const joinEui = `70B3D57E${hexOf(randomBytes(4))}`;
  const device = simulatedDevice('1.0.4');
  await admin.request('POST', '/api/v1/device-batches', { joinEui, devices: [batchRow(device)] });
  const a = await tenant(admin, 'owner-a', '000013');
  const b = await tenant(admin, 'owner-b', '000014');

  const claimAndJoin = async (t: Tenant) => {
    await t.api.request('POST', '/api/v1/claims', {
      devEui: device.devEui,
      claimCode: device.claimCode,
      networkServerId: t.ns.id,
      applicationServerId: t.as.id,
    });
    const ns = new SimulatedNetworkServer(biUrl, t.ns);
    try {
      const outcome = await ns.join(device, joinEui);
      assert.equal(outcome.ok, true, `${outcome.resultCode} ${outcome.description ?? ''}`);
      assert.ok(outcome.sessionKeyId !== undefined);
      return outcome.sessionKeyId;
    } finally {
      ns.close();
    }
  };
  const appSKeyOf = async (t: Tenant, sessionKeyId: string) => {
    const answer = await appSKeyReq(biUrl, t.as, { joinEui, devEui: device.devEui, sessionKeyId });
    return { result: answer['Result'], appSKey: answer['AppSKey'] };
  };

  const sessionOfA = await claimAndJoin(a);
  assert.deepEqual((await appSKeyOf(a, sessionOfA)).result, { ResultCode: 'Success' });
  await a.api.request('DELETE', `/api/v1/claims/${device.devEui}`);
  const sessionOfB = await claimAndJoin(b);

  const stolen = await appSKeyOf(b, sessionOfA);
  assert.equal(stolen.appSKey, undefined, 'B’s AS got the AppSKey of A’s session');
  assert.notDeepEqual(stolen.result, { ResultCode: 'Success' });
  const unknown = await appSKeyOf(b, hexOf(randomBytes(sessionOfA.length / 2)));
  assert.deepEqual(stolen.result, unknown.result, 'a foreign session is answered like an unknown one');
  assert.deepEqual((await appSKeyOf(b, sessionOfB)).result, { ResultCode: 'Success' });
});
