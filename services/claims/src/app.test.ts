import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { JoineryError } from '@joinery/errors';
import { createInProcessClient } from '@joinery/grpc';
import { AppSKeyDelivery, ClaimsService, DeviceState, Scope } from '@joinery/proto/claims/v1/claims_pb';
import { DeviceEventSchema, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { busDeviceEventPublisher, type DeviceEventMessage } from './adapters/bus/device-events.js';
import { createMemoryClaimsStore } from './adapters/memory/memory-store.js';
import { MemoryKeyCustody } from './adapters/memory/memory-key-custody.js';
import { CaKeySeal } from './adapters/x509/ca-key-seal.js';
import { buildClaimsApp } from './app.js';
import { claimsErrors } from './domain/errors.js';
import { adminToken, silentLogger } from './testing/harness.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

async function setup() {
  const sent: DeviceEventMessage[] = [];
  const store = createMemoryClaimsStore();
  const sealKey = randomBytes(32);
  const app = await buildClaimsApp({
    store,
    keys: new MemoryKeyCustody(),
    publisher: busDeviceEventPublisher(async (m) => void sent.push(...m)),
    adminToken,
    caKeySeal: new CaKeySeal(sealKey, 'test-seal-key'),
    logger: silentLogger,
    scryptCost: { log2N: 4, r: 8, p: 1 },
    sweepIntervalMs: 0,
  });
  const client = createInProcessClient(ClaimsService, app.service);
  return { app, client, sent, store, sealKey };
}

test('the gRPC API end to end: account, NS, CSV batch, claim, authorize, join facts', async () => {
  const { app, client, sent } = await setup();
  const { principal: admin } = await client.authenticate({ token: adminToken });
  assert.equal(admin?.scope, Scope.ADMIN);
  const account = await client.createAccount({ principal: admin, name: 'Acme' });
  const { principal: owner } = await client.authenticate({ token: account.apiKey });
  assert.equal(owner?.accountId, account.account?.id);

  const ns = await client.registerNetworkServer({
    principal: owner,
    name: 'ttn',
    netId: hex('000013'),
    appSKeyDelivery: AppSKeyDelivery.SESSION_KEY_ID,
    lifetime: 0,
  });
  assert.equal(ns.kek?.key.length, 16);
  assert.ok(ns.bearerToken.startsWith('jns_'));
  assert.ok(
    new X509Certificate(ns.credentials?.clientCertPem ?? '').checkIssued(
      new X509Certificate(ns.credentials?.caCertPem ?? ''),
    ),
  );
  assert.match(ns.credentials?.clientKeyPem ?? '', /BEGIN PRIVATE KEY/);

  const imported = await client.importBatch({
    principal: admin,
    joinEui: '70B3D57ED0000000',
    manufacturer: 'acme',
    csv: 'devEui,macVersion,nwkKey,claimCode\n0004A30B001C0530,1.0.3,2B7E151628AED2A6ABF7158809CF4F3C,ABCD1234\n',
    includeQrCodes: true,
  });
  assert.equal(imported.imported, 1);
  assert.deepEqual(imported.qrCodes, ['LW:D0:70B3D57ED0000000:0004A30B001C0530:00000000:OABCD1234']);

  const claimed = await client.claim({
    principal: owner,
    devEui: hex('0004A30B001C0530'),
    claimCode: 'ABCD1234',
    networkServerId: ns.peer?.id ?? '',
  });
  assert.equal(claimed.device?.state, DeviceState.CLAIMED);
  assert.equal(claimed.device?.claimed, true);
  assert.equal(claimed.device?.macVersion, '1.0.3');

  const answer = await client.authorize({
    joinEui: hex('70B3D57ED0000000'),
    devEui: hex('0004A30B001C0530'),
    credential: { credential: { case: 'bearerToken', value: ns.bearerToken } },
    senderNetId: hex('000013'),
  });
  assert.equal(answer.outcome.case, 'authorized');
  const auth = answer.outcome.value;
  assert.equal(auth.device?.accountId, account.account?.id);
  assert.equal(auth.device?.networkServerId, ns.peer?.id);
  assert.equal(auth.delivery?.appSKeyDelivery, AppSKeyDelivery.SESSION_KEY_ID);
  assert.equal(auth.delivery?.nwkKekLabel, ns.kek?.label);

  const joined = await client.applyJoinEvent({
    event: { eventId: 'j1', devEui: hex('0004A30B001C0530'), outcome: JoinOutcome.ACCEPTED },
  });
  assert.equal(joined.applied, true);
  assert.equal(
    (
      await client.applyJoinEvent({
        event: { eventId: 'j1', devEui: hex('0004A30B001C0530'), outcome: JoinOutcome.ACCEPTED },
      })
    ).applied,
    false,
  );
  const { device } = await client.getDevice({ principal: owner, devEui: hex('0004A30B001C0530') });
  assert.equal(device?.activated, true);
  assert.equal(device?.joinCount, 1);

  const events = sent.map((m) => fromBinary(DeviceEventSchema, m.value));
  assert.deepEqual(
    events.map((e) => e.change.case),
    ['imported', 'claimed'],
  );
  assert.deepEqual(
    sent.map((m) => [m.topic, m.key]),
    [
      ['joinery.devices.v1', '0004A30B001C0530'],
      ['joinery.devices.v1', '0004A30B001C0530'],
    ],
  );
  assert.equal(
    events[1]?.change.case === 'claimed' ? events[1].change.value.networkServerId : '',
    ns.peer?.id,
  );
  await app.close();
});

test('error codes cross the gRPC boundary; a missing principal is unauthenticated', async () => {
  const { app, client } = await setup();
  await assert.rejects(client.createAccount({ name: 'x' }), (e: unknown) =>
    JoineryError.is(e, claimsErrors.unauthenticated.code),
  );
  await assert.rejects(client.authenticate({ token: 'nope' }), (e: unknown) =>
    JoineryError.is(e, claimsErrors.unauthenticated.code),
  );
  const { principal: admin } = await client.authenticate({ token: adminToken });
  await assert.rejects(
    client.importBatch({
      principal: admin,
      joinEui: '70B3D57ED0000000',
      devices: [
        {
          devEui: '0004A30B001C0530',
          macVersion: '9',
          claimCode: 'ABCD1234',
          nwkKey: { key: { case: 'hex', value: '2B7E151628AED2A6ABF7158809CF4F3C' } },
        },
      ],
    }),
    (e: unknown) =>
      JoineryError.is(e, claimsErrors.invalid_batch.code) &&
      e.details['row'] === 1 &&
      e.details['field'] === 'macVersion',
  );
  await assert.rejects(
    client.authorize({
      joinEui: hex('70B3D57ED0000000'),
      devEui: hex('0004A30B001C0530'),
      senderNetId: hex('000013'),
    }),
    (e: unknown) => JoineryError.is(e, claimsErrors.not_authorized.code),
  );
  await app.close();
});

test('secrets shown once never reach logs, stored records or device views', async () => {
  silentLogger.lines.length = 0;
  const { app, client, store, sealKey } = await setup();
  const { principal: admin } = await client.authenticate({ token: adminToken });
  const account = await client.createAccount({ principal: admin, name: 'Acme' });
  const { principal: owner } = await client.authenticate({ token: account.apiKey });
  const ns = await client.registerNetworkServer({ principal: owner, name: 'ns', netId: hex('000013') });
  await client.importBatch({
    principal: admin,
    joinEui: '70B3D57ED0000000',
    devices: [
      {
        devEui: '0004A30B001C0530',
        macVersion: '1.0.3',
        claimCode: 'SECRETPIN9',
        nwkKey: { key: { case: 'hex', value: '2B7E151628AED2A6ABF7158809CF4F3C' } },
      },
    ],
  });
  await client.claim({
    principal: owner,
    devEui: hex('0004A30B001C0530'),
    claimCode: 'SECRETPIN9',
    networkServerId: ns.peer?.id ?? '',
  });
  const { device } = await client.getDevice({ principal: owner, devEui: hex('0004A30B001C0530') });
  const secrets = [
    account.apiKey,
    ns.bearerToken,
    'SECRETPIN9',
    '2B7E151628AED2A6ABF7158809CF4F3C',
    Buffer.from(ns.kek?.key ?? []).toString('hex'),
    sealKey.toString('hex'),
    sealKey.toString('base64'),
  ];
  const logs = JSON.stringify(silentLogger.lines);
  const view = JSON.stringify(device, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const stored = JSON.stringify([
    await app.claims.accounts.listApiKeys(
      { accountId: null, scope: 'admin', apiKeyId: 'x' },
      account.account?.id ?? null,
    ),
  ]);
  assert.ok(silentLogger.lines.length > 0);
  assert.ok(
    silentLogger.lines.some((l) => l.msg === 'claims CA open'),
    'the CA open is logged',
  );
  assert.ok(!logs.includes('PRIVATE KEY'), 'CA key in the log');
  assert.ok(!JSON.stringify(await store.getCa()).includes('PRIVATE KEY'), 'CA key stored in the clear');
  for (const s of secrets) {
    assert.ok(!logs.toLowerCase().includes(s.toLowerCase()), 'log');
    assert.ok(!view.toLowerCase().includes(s.toLowerCase()), 'view');
    assert.ok(!stored.toLowerCase().includes(s.toLowerCase()), 'stored');
  }
  await app.close();
});

test('a periodic sweep that fails is logged and retried, never an unhandled rejection', async () => {
  const store = createMemoryClaimsStore();
  let failures = 0;
  let sweptAgain: () => void = () => undefined;
  const retried = new Promise<void>((resolve) => (sweptAgain = resolve));
  // The bundle sweep's store call fails the first two times (Redis away for a moment), then works.
  const sweepBundles = store.sweepBundles.bind(store);
  store.sweepBundles = async (...args) => {
    if (failures < 2) {
      failures += 1;
      throw new Error('store unreachable');
    }
    sweptAgain();
    return sweepBundles(...args);
  };
  const warnings: string[] = [];
  const logger = { ...silentLogger, warn: (_: object, message: string) => void warnings.push(message) };
  const app = await buildClaimsApp({
    store,
    keys: new MemoryKeyCustody(),
    publisher: busDeviceEventPublisher(async () => undefined),
    adminToken,
    caKeySeal: new CaKeySeal(randomBytes(32), 'test-seal-key'),
    logger,
    scryptCost: { log2N: 4, r: 8, p: 1 },
    sweepIntervalMs: 5,
  });
  // The sweep's timer is unref'd (it never holds the process open): this one keeps the test alive meanwhile.
  const keepAlive = setInterval(() => undefined, 1_000);
  try {
    await retried;
    assert.deepEqual(warnings.slice(0, 2), [
      'outbox and bundle sweep failed; retried next time',
      'outbox and bundle sweep failed; retried next time',
    ]);
  } finally {
    clearInterval(keepAlive);
    await app.close();
  }
});
