// GET /api/v1/devices: `{items, nextCursor}`, filters, cursor paging, and each owner seeing only its own devices.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminToken, startInProcessApi, type InProcessApi } from './in-process-api.js';

const joinEui = '70B3D57ED0000000';
const nwkKey = '2B7E151628AED2A6ABF7158809CF4F3C';
const eui = (i: number) => `00C0${i.toString(16).toUpperCase().padStart(12, '0')}`;

interface Page {
  items: { devEui: string; macVersion: string; networkServerId: string | null; activated: boolean }[];
  nextCursor: string | null;
}

describe('REST: the device list', () => {
  let api: InProcessApi;
  let owner: string;
  let stranger: string;
  let nsA: string;
  let nsB: string;
  const list = async (token: string, query: string) => {
    const res = await api.call(token, 'GET', `/api/v1/devices?${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as Page;
  };
  /** Every page, following nextCursor. */
  const every = async (token: string, query: string) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(token, `${query}&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.ok(page.items.length <= 3);
      seen.push(...page.items.map((d) => d.devEui));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return seen;
  };

  before(async () => {
    api = await startInProcessApi();
    owner = (await api.createAccount('owner')).apiKey;
    stranger = (await api.createAccount('stranger')).apiKey;
    nsA = await api.registerNs(owner, '000013');
    nsB = await api.registerNs(owner, '000014');
    const batch = await api.call(adminToken, 'POST', '/api/v1/device-batches', {
      joinEui,
      devices: Array.from({ length: 12 }, (_, i) => ({
        devEui: eui(i),
        macVersion: i % 4 === 0 ? '1.1' : '1.0.3',
        nwkKey,
        ...(i % 4 === 0 ? { appKey: nwkKey } : {}),
        claimCode: `CODE${String(i).padStart(4, '0')}`,
      })),
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    // Devices 0–9 claimed (even on NS A, odd on NS B); 10 and 11 stay unclaimed.
    for (let i = 0; i < 10; i += 1) {
      const claimed = await api.call(owner, 'POST', '/api/v1/claims', {
        devEui: eui(i),
        claimCode: `CODE${String(i).padStart(4, '0')}`,
        networkServerId: i % 2 === 0 ? nsA : nsB,
      });
      assert.equal(claimed.status, 201);
    }
    await api.claims.claims.devices.applyJoinEvents([
      { eventId: 'e1', devEui: eui(2), accepted: true, time: new Date('2026-02-01T00:00:00Z') },
      { eventId: 'e2', devEui: eui(3), accepted: true, time: new Date('2026-06-01T00:00:00Z') },
    ]);
  });
  after(() => api.close());

  test('one shape: items and nextCursor, a page at a time until nextCursor is null', async () => {
    const first = await list(owner, 'limit=4');
    assert.deepEqual(
      first.items.map((d) => d.devEui),
      [0, 1, 2, 3].map(eui),
    );
    assert.equal(typeof first.nextCursor, 'string');
    assert.deepEqual(
      await every(owner, ''),
      Array.from({ length: 10 }, (_, i) => eui(i)),
    );
    const all = await list(owner, '');
    assert.equal(all.items.length, 10);
    assert.equal(all.nextCursor, null);
  });

  test('filters: network server, MAC version, activated, last join since, DevEUI prefix, claimed', async () => {
    assert.deepEqual(await every(owner, `networkServerId=${nsA}`), [0, 2, 4, 6, 8].map(eui));
    assert.deepEqual(await every(owner, 'macVersion=1.1'), [0, 4, 8].map(eui));
    assert.deepEqual(await every(owner, `macVersion=1.1&networkServerId=${nsB}`), []);
    assert.deepEqual(await every(owner, 'activated=true'), [2, 3].map(eui));
    assert.equal((await every(owner, 'activated=false')).length, 8);
    assert.deepEqual(await every(owner, 'lastJoinSince=2026-03-01T00:00:00Z'), [eui(3)]);
    assert.deepEqual(await every(owner, `devEuiPrefix=${eui(7).slice(0, 15).toLowerCase()}`), [
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(eui),
    ]);
    assert.deepEqual(await every(owner, `devEuiPrefix=${eui(7)}`), [eui(7)]);
    assert.deepEqual(await every(owner, 'claimed=false'), []);
    // The admin lists a batch, unclaimed devices included.
    const batchId = (
      await api.claims.claims.devices.getDevice(
        { accountId: null, scope: 'admin', apiKeyId: 'admin-token' },
        eui(11),
      )
    ).batchId;
    assert.deepEqual(await every(adminToken, `batchId=${batchId}&claimed=false`), [10, 11].map(eui));
  });

  test("another account sees none of the owner's devices, whatever it filters on", async () => {
    for (const q of [
      '',
      `networkServerId=${nsA}`,
      `devEuiPrefix=${eui(1)}`,
      'activated=true',
      'claimed=true',
    ])
      assert.deepEqual(await list(stranger, q), { items: [], nextCursor: null }, q);
    // The owner's cursor gives the stranger nothing either.
    const first = await list(owner, 'limit=2');
    assert.deepEqual(await list(stranger, `cursor=${first.nextCursor ?? ''}`), {
      items: [],
      nextCursor: null,
    });
  });

  test('bad filters and limits are 400 invalid_request (or invalid_argument) and list nothing', async () => {
    for (const q of [
      'limit=0',
      'limit=501',
      'limit=abc',
      'devEuiPrefix=XYZ',
      'devEuiPrefix=00112233445566778',
      'macVersion=2.0',
      'activated=yes',
      'lastJoinSince=yesterday',
      'pageToken=x',
    ]) {
      const res = await api.call(owner, 'GET', `/api/v1/devices?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal((res.body as { error: { code: string } }).error.code, 'invalid_request', q);
    }
  });
});
