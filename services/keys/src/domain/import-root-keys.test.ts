import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKeysTestKit } from '../testing/keys-test-kit.js';
import { keyWrap } from '../testing/lorawan-crypto.js';
import { keysErrors } from './errors.js';
import { bytesFromHex } from './hex.js';
import { importRootKeys, type RootKeysImport } from './import-root-keys.js';

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (err: { code?: string }) => err.code === code);
const key = (b: number) => new Uint8Array(16).fill(b);
const plain = (devEui: string, macVersion: '1.0.3' | '1.1' = '1.0.3', overwrite = false): RootKeysImport => ({
  devEui: bytesFromHex(devEui),
  macVersion,
  keys: { plain: { nwkKey: key(1), appKey: macVersion === '1.1' ? key(2) : new Uint8Array(0) } },
  overwrite,
});

test('a batch imports plain and wrapped keys', async () => {
  const kit = await createKeysTestKit();
  const transport = key(9);
  await kit.deps.vault.createKek('mfr', { purpose: 'transport', key: transport });
  const wrapped: RootKeysImport = {
    devEui: bytesFromHex('0000000000000003'),
    macVersion: '1.1',
    keys: {
      wrapped: {
        transportKekLabel: 'mfr',
        wrappedNwkKey: keyWrap(transport, key(3)),
        wrappedAppKey: keyWrap(transport, key(4)),
      },
    },
    overwrite: false,
  };
  assert.equal(
    await importRootKeys(kit.deps, [plain('0000000000000001'), plain('0000000000000002', '1.1'), wrapped]),
    3,
  );
  for (const d of ['01', '02', '03'])
    assert.equal(await kit.deps.vault.hasRootKeys(bytesFromHex(`00000000000000${d}`)), true);
});

test('a failing batch deletes the devices it created and keeps those that existed', async () => {
  const kit = await createKeysTestKit();
  await importRootKeys(kit.deps, [plain('00000000000000AA')]);
  await rejectsWith(
    importRootKeys(kit.deps, [plain('00000000000000A1'), plain('00000000000000AA')]),
    keysErrors.root_keys_exist.code,
  );
  assert.equal(await kit.deps.vault.hasRootKeys(bytesFromHex('00000000000000A1')), false);
  assert.equal(await kit.deps.vault.hasRootKeys(bytesFromHex('00000000000000AA')), true);
});

test('invalid batches are refused before anything is imported', async () => {
  const kit = await createKeysTestKit();
  const bad11 = {
    ...plain('00000000000000B2', '1.1'),
    keys: { plain: { nwkKey: key(1), appKey: new Uint8Array(0) } },
  };
  await rejectsWith(
    importRootKeys(kit.deps, [plain('00000000000000B1'), bad11]),
    keysErrors.malformed_request.code,
  );
  await rejectsWith(
    importRootKeys(kit.deps, [{ ...plain('00000000000000B3'), macVersion: undefined }]),
    keysErrors.unsupported_mac_version.code,
  );
  await rejectsWith(
    importRootKeys(kit.deps, [plain('00000000000000B4'), plain('00000000000000B4')]),
    keysErrors.malformed_request.code,
  );
  assert.equal(await kit.deps.vault.hasRootKeys(bytesFromHex('00000000000000B1')), false);
});
