import { createGrpcClient, createGrpcServer, createInProcessClient } from '@joinery/grpc';
import { captureLogs } from '@joinery/logging';
import { KekPurpose, KeysService } from '@joinery/proto/keys/v1/keys_pb';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStateStore } from './adapters/memory/memory-state-store.js';
import { buildKeysApp } from './app.js';
import { bytesFromHex, idHex } from './domain/hex.js';
import { createFakeKeyVault, openJoinAccept10 } from './testing/fake-key-vault.js';
import { handleJoinRequest } from './testing/keys-grpc-fixtures.js';
import { keyUnwrap } from './testing/lorawan-crypto.js';

const rootKey = bytesFromHex('2b7e151628aed2a6abf7158809cf4f3c');
const devEui = bytesFromHex('00005eef10000a01');
const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (err: { code?: string }) => err.code === code);

async function setup() {
  const logs = captureLogs({ service: 'keys' });
  const vault = createFakeKeyVault();
  const app = await buildKeysApp({
    vault,
    state: createMemoryStateStore(),
    logger: logs.logger,
    config: { devNonceHistorySize: 1024, maxSessions: 10, storageKekLabel: 'storage' },
  });
  const client = createInProcessClient(KeysService, app.service);
  return { app, client, logs, vault };
}

/** Whether `needle` occurs anywhere inside `haystack` (a serialized answer). */
const contains = (haystack: Uint8Array, needle: Uint8Array) =>
  Buffer.from(haystack).includes(Buffer.from(needle));

test('KeysService end to end in process: KEKs, import, join, AppSKey, nonce state; no root key ever returned', async () => {
  const { app, client, logs } = await setup();
  const nsKek = (await client.createKek({ label: 'ns:000013', purpose: KekPurpose.PEER })).key;
  const asKek = (await client.createKek({ label: 'as:as1', purpose: KekPurpose.PEER, bits: 128 })).key;
  assert.equal(nsKek.length, 16);
  await rejectsWith(client.createKek({ label: 'ns:000013', purpose: KekPurpose.PEER }), 'keys:kek_exists');
  await rejectsWith(
    client.createKek({ label: 'storage', purpose: KekPurpose.PEER }),
    'keys:malformed_request',
  );
  const imported = await client.importRootKeys({
    device: {
      devEui,
      macVersion: '1.0.3',
      keys: { case: 'plain', value: { nwkKey: rootKey } },
    },
  });
  assert.deepEqual(
    Object.keys(imported).filter((k) => k !== '$typeName'),
    [],
  );
  await rejectsWith(
    client.importRootKeys({
      device: {
        devEui,
        macVersion: '1.0.3',
        keys: { case: 'plain', value: { nwkKey: rootKey } },
      },
    }),
    'keys:root_keys_exist',
  );

  const answer = await client.handleJoin(handleJoinRequest(rootKey, devEui, 7));
  assert.equal(answer.joinNonce, 1);
  assert.ok(openJoinAccept10(rootKey, answer.joinAcceptPhy).micOk);
  assert.equal(answer.nwkSKey?.kekLabel, 'ns:000013');
  assert.equal(keyUnwrap(nsKek, answer.nwkSKey!.key).length, 16);
  const appSKey = keyUnwrap(asKek, answer.appSKey!.key);

  const fetched = await client.getAppSKey({
    devEui,
    sessionKeyId: answer.sessionKeyId,
    asId: 'as1',
    delivery: { method: { case: 'kekLabel', value: 'as:as1' } },
  });
  assert.deepEqual(keyUnwrap(asKek, fetched.appSKey!.key), appSKey);
  await rejectsWith(
    client.getAppSKey({
      devEui,
      sessionKeyId: new Uint8Array(16),
      asId: 'as1',
      delivery: { method: { case: 'plaintext', value: true } },
    }),
    'keys:unknown_session',
  );

  // The same DevNonce in another request (a new DevAddr): a replay. The identical request would be a retry.
  const replayed = handleJoinRequest(rootKey, devEui, 7);
  replayed.request!.devAddr = bytesFromHex('260B0001');
  await rejectsWith(client.handleJoin(replayed), 'keys:dev_nonce_replayed');
  const bad = handleJoinRequest(rootKey, devEui, 8);
  bad.request!.phyPayload![22]! ^= 1;
  await rejectsWith(client.handleJoin(bad), 'keys:mic_failed');
  await rejectsWith(
    client.handleJoin(handleJoinRequest(rootKey, devEui, 9, '1.0.3', { optNegAllowed: true })),
    'keys:malformed_request',
  );

  const reset = await client.resetDevNonces({ devEui, actor: 'ops', reason: 'test' });
  assert.equal(reset.reset?.historySize, 1);
  const state = await client.getNonceState({ devEui });
  assert.equal(state.joinNonce, 1);
  assert.equal(state.devNonceHistorySize, 0);
  assert.equal(state.resets.length, 1);
  const refusal = await client.recordRefusal({
    event: {
      devEui,
      joinEui: bytesFromHex('00005eef10000001'),
      resultCode: 'UnknownDevEUI',
      errorCode: 'claims:unknown_device',
    },
  });
  assert.ok(refusal.eventId !== '');
  assert.equal(
    (await app.outboxSource.read(100)).length,
    4,
    'accepted + replayed + MIC failed + recorded refusal',
  );

  for (const message of [imported, answer, fetched, reset, state, refusal]) {
    const json = JSON.stringify(message, (_k, v: unknown) =>
      v instanceof Uint8Array ? idHex(v) : typeof v === 'bigint' ? String(v) : v,
    );
    assert.ok(!json.includes(idHex(rootKey)), 'root key in an answer');
  }
  assert.ok(!contains(answer.joinAcceptPhy, rootKey));
  assert.ok(!logs.text().toLowerCase().includes(idHex(rootKey).toLowerCase()));
  await app.close();
});

test('KEK rotation hands out new bytes once and wraps under them; deletion stops wrapping; storage KEK is reserved', async () => {
  const { app, client, logs } = await setup();
  const first = (await client.createKek({ label: 'ns:000013', purpose: KekPurpose.PEER })).key;
  await client.createKek({ label: 'as:as1', purpose: KekPurpose.PEER });
  await client.importRootKeys({
    device: {
      devEui,
      macVersion: '1.0.3',
      keys: { case: 'plain', value: { nwkKey: rootKey } },
    },
  });
  const rotated = (await client.rotateKek({ label: 'ns:000013', purpose: KekPurpose.PEER })).key;
  assert.equal(rotated.length, 16);
  assert.notDeepEqual(rotated, first);
  const answer = await client.handleJoin(handleJoinRequest(rootKey, devEui, 1));
  assert.equal(keyUnwrap(rotated, answer.nwkSKey!.key).length, 16);
  assert.throws(() => keyUnwrap(first, answer.nwkSKey!.key));
  await rejectsWith(client.rotateKek({ label: 'ns:nobody', purpose: KekPurpose.PEER }), 'keys:unknown_kek');
  await rejectsWith(client.deleteKek({ label: 'storage' }), 'keys:malformed_request');

  await client.deleteKek({ label: 'ns:000013' });
  await rejectsWith(client.handleJoin(handleJoinRequest(rootKey, devEui, 2)), 'keys:unknown_kek');
  // Deleted means gone: the label can be created again, with new bytes.
  const again = (await client.createKek({ label: 'ns:000013', purpose: KekPurpose.PEER })).key;
  assert.notDeepEqual(again, rotated);
  for (const key of [first, rotated, again])
    assert.ok(!logs.text().toLowerCase().includes(idHex(key).toLowerCase()), 'a KEK in the logs');
  await app.close();
});

test('KeysService over loopback gRPC: a join and an error code crossing the wire', async () => {
  const { app, vault } = await setup();
  await vault.createKek('ns:000013', { purpose: 'peer' });
  await vault.createKek('as:as1', { purpose: 'peer' });
  await vault.importRootKeys({ devEui, nwkKey: rootKey, overwrite: false });
  const server = createGrpcServer();
  server.add(KeysService, app.service);
  const port = await server.listen('127.0.0.1:0');
  const client = createGrpcClient(KeysService, `127.0.0.1:${port}`);
  try {
    assert.equal((await client.handleJoin(handleJoinRequest(rootKey, devEui, 1))).joinNonce, 1);
    const replayed = handleJoinRequest(rootKey, devEui, 1);
    replayed.request!.devAddr = bytesFromHex('260B0001');
    await rejectsWith(client.handleJoin(replayed), 'keys:dev_nonce_replayed');
    await rejectsWith(
      client.handleJoin(handleJoinRequest(rootKey, bytesFromHex('0000000000000001'), 1)),
      'keys:unknown_device',
    );
  } finally {
    client.close();
    await server.close();
    await app.close();
  }
});
