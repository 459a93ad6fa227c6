import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { createInProcessClient, type ServiceImpl } from '@joinery/grpc';
import { KekPurpose, KeysService, VaultStatus } from '@joinery/proto/keys/v1/keys_pb';
import type { RootKeyImport } from '../../domain/ports.js';
import { KeysServiceKeyCustody } from './keys-key-custody.js';

/** A KeysService double recording what claims sends; only the methods claims uses are implemented. */
function fakeKeys(failOnCall: number | null = null) {
  const imported: string[] = [];
  const deleted: string[] = [];
  const keks: { label: string; purpose: KekPurpose; key: Uint8Array }[] = [];
  const seen: { macVersion: string; plain: boolean; appKeyLength: number }[] = [];
  let calls = 0;
  const unused = async () => {
    throw new JoineryError('test:unused', 'internal', 'not used by claims');
  };
  const impl: ServiceImpl<typeof KeysService> = {
    importRootKeys: unused,
    async importRootKeysBatch(req) {
      calls += 1;
      if (calls === failOnCall) throw new JoineryError('keys:root_keys_exist', 'already_exists', 'exists');
      for (const d of req.devices) {
        imported.push(Buffer.from(d.devEui).toString('hex').toUpperCase());
        seen.push({
          macVersion: d.macVersion,
          plain: d.keys.case === 'plain',
          appKeyLength:
            d.keys.case === 'plain' ? d.keys.value.appKey.length : (d.keys.value?.wrappedAppKey.length ?? -1),
        });
      }
      return { imported: req.devices.length };
    },
    async deleteRootKeys(req) {
      deleted.push(Buffer.from(req.devEui).toString('hex').toUpperCase());
      return {};
    },
    async createKek(req) {
      const key = req.key.length > 0 ? req.key : new Uint8Array(16).fill(7);
      keks.push({ label: req.label, purpose: req.purpose, key });
      return { key };
    },
    rotateKek: unused,
    deleteKek: unused,
    getOutboxBacklog: unused,
    handleJoin: unused,
    handleRejoin: unused,
    getAppSKey: unused,
    resetDevNonces: unused,
    getNonceState: unused,
    recordRefusal: unused,
  };
  return { impl, imported, deleted, keks, seen };
}

const device = (n: number, wrapped = false): RootKeyImport => ({
  devEui: n.toString(16).toUpperCase().padStart(16, '0'),
  macVersion: n % 2 === 0 ? '1.1' : '1.0.3',
  keys: wrapped
    ? { kind: 'wrapped', kekLabel: 'mfg', wrappedNwkKey: new Uint8Array(24), wrappedAppKey: null }
    : { kind: 'plain', nwkKey: new Uint8Array(16), appKey: n % 2 === 0 ? new Uint8Array(16) : null },
});

test('imports root keys in chunks with MAC version and key form mapped', async () => {
  const fake = fakeKeys();
  const custody = new KeysServiceKeyCustody(createInProcessClient(KeysService, fake.impl));
  await custody.importRootKeys([
    ...Array.from({ length: 2500 }, (_, i) => device(i + 1)),
    device(9999, true),
  ]);
  assert.equal(fake.imported.length, 2501);
  assert.deepEqual(fake.seen[0], { macVersion: '1.0.3', plain: true, appKeyLength: 0 });
  assert.deepEqual(fake.seen[1], { macVersion: '1.1', plain: true, appKeyLength: 16 });
  assert.deepEqual(fake.seen[2500], {
    macVersion: '1.0.3',
    plain: false,
    appKeyLength: 0,
  });
});

test('a failing later chunk deletes the devices of the earlier chunks', async () => {
  const fake = fakeKeys(2);
  const custody = new KeysServiceKeyCustody(createInProcessClient(KeysService, fake.impl));
  await assert.rejects(
    custody.importRootKeys(Array.from({ length: 2500 }, (_, i) => device(i + 1))),
    (e: unknown) => JoineryError.is(e, 'keys:root_keys_exist'),
  );
  assert.equal(fake.deleted.length, 2000);
  assert.deepEqual(fake.deleted, fake.imported);
});

test('creates peer and transport KEKs', async () => {
  const fake = fakeKeys();
  const custody = new KeysServiceKeyCustody(createInProcessClient(KeysService, fake.impl));
  assert.equal((await custody.createKek('ns-1', 'peer')).length, 16);
  const supplied = new Uint8Array(32).fill(1);
  assert.deepEqual(await custody.createKek('mfg', 'transport', supplied), supplied);
  assert.deepEqual(
    fake.keks.map((k) => [k.label, k.purpose]),
    [
      ['ns-1', KekPurpose.PEER],
      ['mfg', KekPurpose.TRANSPORT],
    ],
  );
});

test("the outbox backlog carries the keys service's vault status; unspecified is left out", async () => {
  const backlogWith = async (vaultStatus: VaultStatus) => {
    const fake = fakeKeys();
    const impl = { ...fake.impl, getOutboxBacklog: async () => ({ events: 2n, vaultStatus }) };
    return new KeysServiceKeyCustody(createInProcessClient(KeysService, impl)).outboxBacklog(500);
  };
  assert.deepEqual(await backlogWith(VaultStatus.SERVING), {
    events: 2,
    oldestEventMs: undefined,
    vault: 'serving',
  });
  assert.equal((await backlogWith(VaultStatus.NOT_SERVING)).vault, 'not_serving');
  assert.equal('vault' in (await backlogWith(VaultStatus.UNSPECIFIED)), false);
});
