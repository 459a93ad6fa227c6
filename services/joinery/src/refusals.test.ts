// Refusals say what is wrong, against embedded mode: a bad batch names its row and the reason; an owner asking for a
// device that is not theirs reads one true message for an unknown, an unclaimed and another account's device.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { captureLogs } from '@joinery/logging';
import { startEmbedded, type RunningEmbedded } from './embedded.js';
import { loopbackEmbeddedEnv } from './testing/loopback-env.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-refusals-'));
let running: RunningEmbedded;
let url: string;

interface Answer {
  error: { code: string; message: string };
  [field: string]: unknown;
}

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Answer };
}

const row = (devEui: string) => ({
  devEui,
  macVersion: '1.0.3',
  nwkKey: '2B7E151628AED2A6ABF7158809CF4F3C',
  claimCode: `CODE-${devEui}`,
});
const unclaimed = '0004A30B001C0901';
const theirs = '0004A30B001C0902';
const unknown = '0004A30B001C09FF';
let admin: string;
let ownerA: string;
let nsA: string;

before(async () => {
  running = await startEmbedded(loopbackEmbeddedEnv(join(dir, 'data')), captureLogs().logger);
  url = `http://127.0.0.1:${running.apiPort}`;
  admin = running.adminToken;
  const batch = await call(admin, 'POST', '/api/v1/device-batches', {
    joinEui: '70B3D57ED0000009',
    devices: [row(unclaimed), row(theirs)],
  });
  assert.equal(batch.status, 201, JSON.stringify(batch.body));
  const a = await call(admin, 'POST', '/api/v1/accounts', { name: 'A' });
  const b = await call(admin, 'POST', '/api/v1/accounts', { name: 'B' });
  ownerA = a.body.apiKey as string;
  const ownerB = b.body.apiKey as string;
  nsA = (await call(ownerA, 'POST', '/api/v1/network-servers', { name: 'a', netId: '000013' })).body
    .id as string;
  const nsB = (await call(ownerB, 'POST', '/api/v1/network-servers', { name: 'b', netId: '000013' })).body.id;
  const claimed = await call(ownerB, 'POST', '/api/v1/claims', {
    devEui: theirs,
    claimCode: `CODE-${theirs}`,
    networkServerId: nsB,
  });
  assert.equal(claimed.status, 201, JSON.stringify(claimed.body));
});
after(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('invalid_batch names the row and what is wrong with it', async () => {
  const taken = await call(admin, 'POST', '/api/v1/device-batches', {
    joinEui: '70B3D57ED0000009',
    devices: [row('0004A30B001C0910'), row(unclaimed)],
  });
  assert.equal(taken.status, 400);
  assert.equal(taken.body.error.code, 'invalid_batch');
  assert.match(taken.body.error.message, /row 2: devEui .*exists/);
  const badCsv = await call(admin, 'POST', '/api/v1/device-batches', {
    joinEui: '70B3D57ED0000009',
    csv: 'devEui,macVersion,nwkKey,colour\n0004A30B001C0911,1.0.3,2B7E151628AED2A6ABF7158809CF4F3C,red\n',
  });
  assert.equal(badCsv.status, 400);
  assert.equal(badCsv.body.error.code, 'invalid_batch');
  assert.match(badCsv.body.error.message, /colour/);
  const badKey = await call(admin, 'POST', '/api/v1/device-batches', {
    joinEui: '70B3D57ED0000009',
    csv: 'devEui,macVersion,nwkKey,appKey,claimCode\n0004A30B001C0912,1.0.3,2B7E15,,C\n',
  });
  assert.equal(badKey.status, 400);
  assert.match(badKey.body.error.message, /row 1: nwkKey /);
  // The admin listing devices without an account or batch: the message says how to ask.
  const list = await call(admin, 'GET', '/api/v1/devices');
  assert.equal(list.status, 400);
  assert.match(list.body.error.message, /account_id .*batch_id/);
});

test('every refusal of a device that is not the owner’s: unknown, unclaimed and another account’s read alike', async () => {
  const calls: [string, string, unknown?][] = [
    ['GET', '/api/v1/devices/{d}'],
    ['DELETE', '/api/v1/claims/{d}'],
    ['PUT', '/api/v1/devices/{d}/network-server', { networkServerId: nsA }],
    ['POST', '/api/v1/devices/{d}/devnonce-resets', { reason: 'lost its counter' }],
    ['GET', '/api/v1/devices/{d}/nonces'],
    ['GET', '/api/v1/devices/{d}/roaming'],
    ['PUT', '/api/v1/devices/{d}/roaming', { netIds: ['000013'] }],
  ];
  for (const [method, path, body] of calls) {
    const answers = await Promise.all(
      [unknown, unclaimed, theirs].map((d) => call(ownerA, method, path.replace('{d}', d), body)),
    );
    const where = `${method} ${path}`;
    for (const answer of answers) {
      assert.equal(answer.status, 404, `${where}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, 'unknown_device', where);
      // True for each of the three, and never claims the device belongs to someone.
      assert.match(answer.body.error.message, /not claimed/, where);
      assert.doesNotMatch(answer.body.error.message, /belongs/, where);
    }
    assert.equal(
      new Set(answers.map((a) => a.body.error.message)).size,
      1,
      `${where}: the messages tell them apart`,
    );
  }
  // The admin sees what it is: an unclaimed device is not claimed.
  const adminUnclaim = await call(admin, 'DELETE', `/api/v1/claims/${unclaimed}`);
  assert.equal(adminUnclaim.status, 409);
  assert.equal(adminUnclaim.body.error.code, 'not_claimed');
  // Claiming says which it is, as before: the one that is someone's is already claimed.
  const claimTheirs = await call(ownerA, 'POST', '/api/v1/claims', {
    devEui: theirs,
    claimCode: `CODE-${theirs}`,
    networkServerId: nsA,
  });
  assert.equal(claimTheirs.body.error.code, 'already_claimed');
});

test('a bulk claim without any body is a 400 that says a body is needed (schemathesis found a 500)', async () => {
  const res = await fetch(`${url}/api/v1/claims/bulk?networkServerId=${nsA}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ownerA}` },
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as Answer;
  assert.equal(body.error.code, 'invalid_request');
  assert.match(body.error.message, /a body is required/);
});
