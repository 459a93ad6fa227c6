// Bulk claims (JSON and CSV, thousands of rows, one result per row), claims by TR005 QR code, and the QR images.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseTr005 } from '@joinery/lorawan';
import { adminToken, startInProcessApi, type InProcessApi } from './in-process-api.js';

const joinEui = '70B3D57ED0000000';
const nwkKey = '2B7E151628AED2A6ABF7158809CF4F3C';
const eui = (i: number) => `00D0${i.toString(16).toUpperCase().padStart(12, '0')}`;
const code = (i: number) => `BULK${String(i).padStart(6, '0')}`;

interface BulkAnswer {
  results: {
    row: number;
    devEui: string | null;
    status: 'claimed' | 'failed';
    error?: { code: string; message: string };
    device?: { devEui: string; networkServerId: string; accountId: string };
  }[];
  claimed: number;
  failed: number;
}

describe('REST: bulk claims, QR claims and QR images', () => {
  let api: InProcessApi;
  let owner: string;
  let ownerId: string;
  let stranger: string;
  let ns: string;
  let strangerNs: string;
  const csv = (token: string, body: string, query = '') =>
    api.console.http.inject({
      method: 'POST',
      url: `/api/v1/claims/bulk${query}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      payload: body,
    });

  before(async () => {
    api = await startInProcessApi();
    ({ apiKey: owner, id: ownerId } = await api.createAccount('owner'));
    stranger = (await api.createAccount('stranger')).apiKey;
    ns = await api.registerNs(owner, '000013');
    strangerNs = await api.registerNs(stranger, '000014');
    const devices = Array.from({ length: 2100 }, (_, i) => ({
      devEui: eui(i),
      macVersion: '1.0.3',
      nwkKey,
      claimCode: code(i),
    }));
    for (let i = 0; i < devices.length; i += 1000) {
      const res = await api.call(adminToken, 'POST', '/api/v1/device-batches', {
        joinEui,
        devices: devices.slice(i, i + 1000),
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(() => api.close());

  test('2 000 JSON rows claimed in one call, each with its own result', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ devEui: eui(i), claimCode: code(i) }));
    const started = process.hrtime.bigint();
    const res = await api.call(owner, 'POST', '/api/v1/claims/bulk', { rows, networkServerId: ns });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    const answer = res.body as BulkAnswer;
    assert.equal(answer.claimed, 2000);
    assert.equal(answer.failed, 0);
    assert.deepEqual(
      answer.results.map((r) => r.row),
      rows.map((_, i) => i + 1),
    );
    for (const [i, r] of answer.results.entries()) {
      assert.equal(r.status, 'claimed');
      assert.equal(r.device?.devEui, eui(i));
      assert.equal(r.device?.networkServerId, ns);
      assert.equal(r.device?.accountId, ownerId);
    }
    console.log(`bulk claim: 2000 JSON rows in ${ms.toFixed(0)} ms (scrypt log2N 4, in-process)`);
  });

  test('CSV rows: claimed, wrong code, unknown device, already claimed, bad row, another account’s NS', async () => {
    const body = [
      'devEui,claimCode,networkServerId',
      `${eui(2000)},${code(2000)},`,
      `${eui(2001)},WRONGCODE,`,
      `FFFF000000000001,${code(1)},`,
      `${eui(5)},${code(5)},`,
      `not-a-eui,${code(2002)},`,
      `${eui(2003)},${code(2003)},${strangerNs}`,
      `"${eui(2004).toLowerCase()}","${code(2004)}",${ns}`,
    ].join('\r\n');
    const res = await csv(owner, body, `?networkServerId=${ns}`);
    assert.equal(res.statusCode, 200, res.body);
    const answer = res.json() as BulkAnswer;
    assert.deepEqual(
      answer.results.map((r) => [r.row, r.status, r.error?.code ?? null]),
      [
        [1, 'claimed', null],
        [2, 'failed', 'wrong_claim_code'],
        [3, 'failed', 'unknown_device'],
        [4, 'failed', 'already_claimed'],
        [5, 'failed', 'invalid_request'],
        [6, 'failed', 'unknown_network_server'],
        [7, 'claimed', null],
      ],
    );
    assert.equal(answer.results[6]?.devEui, eui(2004));
    assert.deepEqual([answer.claimed, answer.failed], [2, 5]);
    // Failed rows changed nothing.
    const unchanged = await api.call(adminToken, 'GET', `/api/v1/devices/${eui(2001)}`);
    assert.equal((unchanged.body as { claimed: boolean }).claimed, false);
  });

  test('a bulk with a bad shape is refused as a whole and claims nothing', async () => {
    for (const body of ['devEui\n00D0000000000800', 'devEui,claimCode,colour\nx,y,z', 'devEui,claimCode\n'])
      assert.equal((await csv(owner, body, `?networkServerId=${ns}`)).statusCode, 400, body);
    const tooMany = await api.call(owner, 'POST', '/api/v1/claims/bulk', {
      rows: Array.from({ length: 10_001 }, () => ({ devEui: eui(2050), claimCode: code(2050) })),
      networkServerId: ns,
    });
    assert.equal(tooMany.status, 400);
    const noNs = await api.call(owner, 'POST', '/api/v1/claims/bulk', {
      rows: [{ devEui: eui(2050), claimCode: code(2050) }],
    });
    assert.equal((noNs.body as BulkAnswer).results[0]?.error?.code, 'invalid_request');
    const device = await api.call(adminToken, 'GET', `/api/v1/devices/${eui(2050)}`);
    assert.equal((device.body as { claimed: boolean }).claimed, false);
  });

  test('wrong codes in a bulk count against the guess limit like single claims', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      devEui: eui(2010 + (i % 20)),
      claimCode: 'WRONG' + i,
    }));
    const res = await api.call(stranger, 'POST', '/api/v1/claims/bulk', {
      rows,
      networkServerId: strangerNs,
    });
    const answer = res.body as BulkAnswer;
    const codes = new Set(answer.results.map((r) => r.error?.code));
    assert.ok(codes.has('rate_limited'), [...codes].join(','));
    assert.equal(answer.claimed, 0);
  });

  test('claim by TR005 QR code: the OwnerToken is the claim code, the JoinEUI must match', async () => {
    const qr = `LW:D0:${joinEui}:${eui(2060)}:00000000:O${code(2060)}`;
    const wrongJoinEui = `LW:D0:70B3D57ED0000001:${eui(2061)}:00000000:O${code(2061)}`;
    const noToken = `LW:D0:${joinEui}:${eui(2061)}:00000000`;
    const refused = await api.call(owner, 'POST', '/api/v1/claims/qr', {
      qr: wrongJoinEui,
      networkServerId: ns,
    });
    assert.equal(refused.status, 404);
    assert.equal((refused.body as { error: { code: string } }).error.code, 'unknown_device');
    const noOwnerToken = await api.call(owner, 'POST', '/api/v1/claims/qr', {
      qr: noToken,
      networkServerId: ns,
    });
    assert.equal(noOwnerToken.status, 400);
    const bad = await api.call(owner, 'POST', '/api/v1/claims/qr', { qr: 'LW:D0:nope', networkServerId: ns });
    assert.equal((bad.body as { error: { code: string } }).error.code, 'invalid_qr_code');
    const res = await api.call(owner, 'POST', '/api/v1/claims/qr', { qr, networkServerId: ns });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((res.body as { accountId: string }).accountId, ownerId);
    // Someone else holding the same label: the code is right, so it learns the device is taken, and nothing more.
    const third = (
      (await api.call(adminToken, 'POST', '/api/v1/accounts', { name: 'third' })).body as { apiKey: string }
    ).apiKey;
    const thirdNs = (
      (await api.call(third, 'POST', '/api/v1/network-servers', { name: 'x', netId: '000015' })).body as {
        id: string;
      }
    ).id;
    const again = await api.call(third, 'POST', '/api/v1/claims/qr', { qr, networkServerId: thirdNs });
    assert.equal((again.body as { error: { code: string } }).error.code, 'already_claimed');
  });

  test('the QR code as SVG and PNG, for the admin and the owner; the claim code only when it matches', async () => {
    const svg = await api.console.http.inject({
      method: 'GET',
      url: `/api/v1/devices/${eui(2060)}/qr.svg?claimCode=${code(2060)}`,
      headers: { authorization: `Bearer ${owner}` },
    });
    assert.equal(svg.statusCode, 200);
    assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
    assert.match(svg.body, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg.body, /<path/);
    const png = await api.console.http.inject({
      method: 'GET',
      url: `/api/v1/devices/${eui(2070)}/qr.png`,
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(png.statusCode, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.deepEqual([...png.rawPayload.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // The payload behind the images is GetQrCode's: the owner with a wrong code is refused, as the admin is.
    const wrong = await api.call(owner, 'GET', `/api/v1/devices/${eui(2060)}/qr.svg?claimCode=WRONGCODE`);
    assert.equal((wrong.body as { error: { code: string } }).error.code, 'wrong_claim_code');
    const payload = await api.claims.claims.devices.qrCode(
      { accountId: null, scope: 'admin', apiKeyId: 'admin-token' },
      eui(2060),
      code(2060),
      null,
    );
    assert.deepEqual(parseTr005(payload).ownerToken, code(2060));
  });
});
