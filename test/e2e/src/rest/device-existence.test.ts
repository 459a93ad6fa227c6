import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminToken, startInProcessApi, type InProcessApi } from './in-process-api.js';

const joinEui = '70B3D57ED0000000';
const nwkKey = '2B7E151628AED2A6ABF7158809CF4F3C';
const foreign = '0004A30B001C0001';
const unclaimed = '0004A30B001C0002';
const unknown = '0004A30B001C00FF';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface DeviceRoute {
  readonly method: Method;
  /** OpenAPI spelling, `{devEui}` in it. */
  readonly path: string;
  readonly body?: (nsId: string) => unknown;
}

// Every route that names a device, as the OpenAPI document lists them (a test below holds the two in sync). The
// claim route is not here: its answers explain themselves to whoever knows the claim code (PRODUCT.md).
const deviceRoutes: readonly DeviceRoute[] = [
  { method: 'GET', path: '/api/v1/devices/{devEui}' },
  {
    method: 'PUT',
    path: '/api/v1/devices/{devEui}/network-server',
    body: (networkServerId) => ({ networkServerId }),
  },
  { method: 'POST', path: '/api/v1/devices/{devEui}/devnonce-resets', body: () => ({ reason: 'not mine' }) },
  { method: 'GET', path: '/api/v1/devices/{devEui}/nonces' },
  { method: 'DELETE', path: '/api/v1/claims/{devEui}' },
  { method: 'GET', path: '/api/v1/devices/{devEui}/roaming' },
  { method: 'PUT', path: '/api/v1/devices/{devEui}/roaming', body: () => ({ netIds: ['000014'] }) },
  { method: 'GET', path: '/api/v1/devices/{devEui}/qr.svg' },
  { method: 'GET', path: '/api/v1/devices/{devEui}/qr.png' },
  { method: 'GET', path: '/api/v1/devices/{devEui}/activity' },
  { method: 'GET', path: '/api/v1/devices/{devEui}/activity/stream' },
];

describe('REST: another owner’s device answers exactly as a device that does not exist', () => {
  let api: InProcessApi;
  let owner: string;
  let stranger: string;
  let strangerNs: string;
  before(async () => {
    api = await startInProcessApi();
    owner = (await api.createAccount('owner')).apiKey;
    stranger = (await api.createAccount('stranger')).apiKey;
    const ownerNs = await api.registerNs(owner, '000013', 'ns-000013');
    strangerNs = await api.registerNs(stranger, '000014', 'ns-000014');
    const batch = await api.call(adminToken, 'POST', '/api/v1/device-batches', {
      joinEui,
      devices: [foreign, unclaimed].map((devEui, i) => ({
        devEui,
        macVersion: '1.0.3',
        nwkKey,
        claimCode: `CODE000${i}`,
      })),
    });
    assert.equal(batch.status, 201);
    const claimed = await api.call(owner, 'POST', '/api/v1/claims', {
      devEui: foreign,
      claimCode: 'CODE0000',
      networkServerId: ownerNs,
    });
    assert.equal(claimed.status, 201);
  });
  after(() => api.close());

  test('the table names every device route of the OpenAPI document', async () => {
    const doc = (await api.call('', 'GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.includes('{devEui}'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .filter((route) => route !== 'POST /api/v1/claims/{devEui}')
      .sort();
    assert.deepEqual(documented, deviceRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });

  for (const route of deviceRoutes)
    test(`${route.method} ${route.path}: foreign, unclaimed and unknown DevEUIs get one answer`, async () => {
      const ask = (devEui: string) =>
        api.call(stranger, route.method, route.path.replace('{devEui}', devEui), route.body?.(strangerNs));
      const [a, b, c] = [await ask(foreign), await ask(unclaimed), await ask(unknown)];
      assert.deepEqual({ status: a.status, body: a.body }, { status: b.status, body: b.body });
      assert.deepEqual({ status: a.status, body: a.body }, { status: c.status, body: c.body });
      assert.equal(a.status, 404);
      assert.equal((a.body as { error: { code: string } }).error.code, 'unknown_device');
      // The owner and the admin keep their full view.
      const mine = await api.call(owner, 'GET', `/api/v1/devices/${foreign}`);
      assert.equal(mine.status, 200);
      assert.equal((await api.call(adminToken, 'GET', `/api/v1/devices/${unclaimed}`)).status, 200);
    });
});
