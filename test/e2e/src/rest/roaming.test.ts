import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminToken, startInProcessApi, type InProcessApi } from './in-process-api.js';

const devEui = '0004A30B001C0101';

describe('REST: roaming agreements', () => {
  let api: InProcessApi;
  let owner: string;
  let ownerId: string;
  before(async () => {
    api = await startInProcessApi();
    ({ apiKey: owner, id: ownerId } = await api.createAccount('owner'));
    const nsId = await api.registerNs(owner, '000013', 'home');
    await api.call(adminToken, 'POST', '/api/v1/device-batches', {
      joinEui: '70B3D57ED0000000',
      devices: [
        { devEui, macVersion: '1.0.3', nwkKey: '2B7E151628AED2A6ABF7158809CF4F3C', claimCode: 'CODE0101' },
      ],
    });
    const claimed = await api.call(owner, 'POST', '/api/v1/claims', {
      devEui,
      claimCode: 'CODE0101',
      networkServerId: nsId,
    });
    assert.equal(claimed.status, 201);
  });
  after(() => api.close());

  test('per device: none by default, replaced as a whole, NetIDs validated', async () => {
    const url = `/api/v1/devices/${devEui}/roaming`;
    assert.deepEqual((await api.call(owner, 'GET', url)).body, { devEui, netIds: [] });
    const put = await api.call(owner, 'PUT', url, { netIds: ['00001a', '0x000014', '000014'] });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { devEui, netIds: ['000014', '00001A'] });
    assert.deepEqual((await api.call(owner, 'GET', url)).body, { devEui, netIds: ['000014', '00001A'] });
    for (const netIds of [['00001'], ['GGGGGG'], 'x', Array.from({ length: 65 }, () => '000001')]) {
      const bad = await api.call(owner, 'PUT', url, { netIds });
      assert.equal(bad.status, 400);
      assert.equal((bad.body as { error: { code: string } }).error.code, 'invalid_request');
    }
    assert.deepEqual((await api.call(adminToken, 'GET', url)).body, { devEui, netIds: ['000014', '00001A'] });
  });

  test('per account: owners their own, the admin by accountId', async () => {
    const put = await api.call(owner, 'PUT', '/api/v1/roaming', { netIds: ['000015'] });
    assert.deepEqual(put.body, { accountId: ownerId, netIds: ['000015'] });
    assert.deepEqual((await api.call(owner, 'GET', '/api/v1/roaming')).body, {
      accountId: ownerId,
      netIds: ['000015'],
    });
    assert.deepEqual((await api.call(adminToken, 'GET', `/api/v1/roaming?accountId=${ownerId}`)).body, {
      accountId: ownerId,
      netIds: ['000015'],
    });
    const noAccount = await api.call(adminToken, 'GET', '/api/v1/roaming');
    assert.equal(noAccount.status, 400);
  });

  test('the OpenAPI document lists the roaming routes', async () => {
    const doc = (await api.call('', 'GET', '/api/v1/openapi.json')).body as { paths: Record<string, object> };
    assert.deepEqual(Object.keys(doc.paths['/api/v1/roaming'] ?? {}).sort(), ['get', 'put']);
    assert.deepEqual(Object.keys(doc.paths['/api/v1/devices/{devEui}/roaming'] ?? {}).sort(), ['get', 'put']);
  });
});
