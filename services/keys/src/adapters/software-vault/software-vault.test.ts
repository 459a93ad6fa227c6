import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, describe, test } from 'node:test';
import { closeEmbeddedStore, openEmbeddedStore } from '@joinery/store';
import type { JoinAcceptInput } from '../../domain/key-vault.js';
import {
  createLmdbVaultStorage,
  createMemoryVaultStorage,
  createSoftwareVault,
  loadOrCreateMasterKey,
} from './index.js';
import type { VaultStorage } from './vault-storage.js';
import { joinAcceptInput } from '../../testing/join-accept-input.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const devEui = hex('0004A30B001C0530');
const tmp = mkdtempSync(join(tmpdir(), 'joinery-vault-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const input = (overrides: Partial<JoinAcceptInput> = {}) => joinAcceptInput({ devEui, ...overrides });

async function vault(
  storage: VaultStorage = createMemoryVaultStorage(),
  masterKey = new Uint8Array(randomBytes(32)),
) {
  const v = createSoftwareVault({ masterKey, storage });
  if (!(await v.hasKek('storage'))) await v.createKek('storage', { purpose: 'storage' });
  return v;
}

describe('software vault at rest', () => {
  test('records are sealed at rest, survive a restart on LMDB, and fail closed under another master key or tampering', async () => {
    const dir = join(tmp, 'lmdb');
    const masterKey = new Uint8Array(randomBytes(32));
    const nwkKey = new Uint8Array(randomBytes(16));
    let root = openEmbeddedStore(dir);
    const recorded: Uint8Array[] = [];
    const storage = createLmdbVaultStorage(root);
    const spy: VaultStorage = { ...storage, put: (n, v, o) => (recorded.push(v), storage.put(n, v, o)) };
    const first = await vault(spy, masterKey);
    await first.importRootKeys({ devEui, nwkKey, overwrite: false });
    const before = await first.buildJoinAccept(input());
    for (const sealed of recorded) assert.equal(toHex(sealed).includes(toHex(nwkKey)), false);
    assert.equal(inspect(first, { depth: 5 }).includes(toHex(nwkKey)), false);
    assert.equal(JSON.stringify(first).includes(toHex(nwkKey)), false);
    await closeEmbeddedStore(root);

    root = openEmbeddedStore(dir);
    const reopened = await vault(createLmdbVaultStorage(root), masterKey);
    assert.equal(toHex((await reopened.buildJoinAccept(input())).joinAcceptPhy), toHex(before.joinAcceptPhy));
    const stranger = createSoftwareVault({
      masterKey: new Uint8Array(randomBytes(32)),
      storage: createLmdbVaultStorage(root),
    });
    await assert.rejects(stranger.buildJoinAccept(input()), { code: 'keys:vault_tampered' });
    await reopened.health();
    await closeEmbeddedStore(root);
    await assert.rejects(reopened.health());

    const mem = createMemoryVaultStorage();
    const v = await vault(mem, masterKey);
    await v.importRootKeys({ devEui, nwkKey, overwrite: false });
    const name = `root:${toHex(devEui).toUpperCase()}`;
    const sealed = await mem.get(name);
    assert.ok(sealed !== undefined, 'record name');
    sealed[20] = (sealed[20] ?? 0) ^ 1;
    await mem.put(name, sealed, { overwrite: true });
    const fresh = createSoftwareVault({ masterKey, storage: mem });
    await assert.rejects(fresh.buildJoinAccept(input()), { code: 'keys:vault_tampered' });
  });

  test('the master key file is created 0600 once, reused, and refused when wrong', () => {
    const path = join(tmp, 'data', 'master.key');
    const key = loadOrCreateMasterKey(path);
    assert.equal(key.length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(loadOrCreateMasterKey(path), key);
    writeFileSync(path, 'short');
    assert.throws(() => loadOrCreateMasterKey(path), { code: 'keys:invalid_master_key' });
    writeFileSync(path, randomBytes(32));
    chmodSync(path, 0o644);
    assert.throws(() => loadOrCreateMasterKey(path), { code: 'keys:invalid_master_key' });
    assert.throws(
      () => createSoftwareVault({ masterKey: new Uint8Array(16), storage: createMemoryVaultStorage() }),
      {
        code: 'keys:invalid_master_key',
      },
    );
  });
});
