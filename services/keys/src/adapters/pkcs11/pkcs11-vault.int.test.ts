// The PKCS#11 vault on a real SoftHSM2 token (started by `npm test`): its thread, concurrency, and root-key secrecy
// checked through a separate PKCS#11 session, as an attacker with the PIN would. The KeyVault contract runs in
// `vaults.contract.int.test.ts` with this adapter's fixtures (`pkcs11-adapter.ts`).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { AES128Key, DevNonce, JoinNonce, NetID, deriveSessionKeys10, keyUnwrap } from '@joinery/lorawan';
import { captureLogs } from '@joinery/logging';
import { requireInfra } from '@joinery/testing/infra';
import pkcs11js from 'pkcs11js';
import type { KeyVault } from '../../domain/key-vault.js';
import { importRootKeys } from '../../domain/import-root-keys.js';
import { openPkcs11Vault } from './pkcs11-vault.js';
import { joinAcceptInput } from '../../testing/join-accept-input.js';
import { openTestTokenSession } from '../../testing/pkcs11-token-session.js';
import { openPkcs11VaultOnThread } from './threaded-vault.js';

const env = requireInfra('PKCS11_MODULE', 'PKCS11_SLOT', 'PKCS11_PIN', 'PKCS11_TOKEN_LABEL');
const opened: KeyVault[] = [];
after(async () => {
  for (const vault of opened) await vault.close();
});

async function freshVault(
  labelPrefix = `t-${randomUUID().slice(0, 8)}`,
  extra: { sessionCopies?: boolean; sessionCopyTtlMs?: number } = {},
): Promise<KeyVault> {
  const vault = openPkcs11Vault({
    module: env.PKCS11_MODULE,
    tokenLabel: env.PKCS11_TOKEN_LABEL,
    pin: env.PKCS11_PIN,
    labelPrefix,
    ...extra,
  });
  opened.push(vault);
  await vault.createKek('storage', { purpose: 'storage' });
  return vault;
}

async function freshThreadVault(logger = captureLogs().logger): Promise<KeyVault> {
  const vault = await openPkcs11VaultOnThread({
    module: env.PKCS11_MODULE,
    tokenLabel: env.PKCS11_TOKEN_LABEL,
    pin: env.PKCS11_PIN,
    labelPrefix: `t-${randomUUID().slice(0, 8)}`,
    logger,
  });
  opened.push(vault);
  await vault.createKek('storage', { purpose: 'storage' });
  return vault;
}

describe('PKCS#11 vault on its own thread', () => {
  test('its log lines reach the logger, its errors keep code, kind and details, and it fails cleanly once closed', async () => {
    const logs = captureLogs();
    const vault = await freshThreadVault(logs.logger);
    assert.equal(logs.grep('HSM objects indexed').length, 1);
    await assert.rejects(vault.createKek('storage', { purpose: 'storage' }), (err: unknown) => {
      assert.ok(JoineryError.is(err, 'keys:kek_exists'));
      assert.equal(err.kind, 'already_exists');
      assert.deepEqual(err.details, { label: 'storage' });
      return true;
    });
    const devEui = new Uint8Array(randomBytes(8));
    await assert.rejects(
      vault.buildJoinAccept(joinAcceptInput({ devEui, macVersion: '1.0.4' })),
      (err: unknown) => JoineryError.is(err, 'keys:unknown_device'),
    );
    await vault.close();
    await assert.rejects(vault.hasRootKeys(devEui), (err: unknown) =>
      JoineryError.is(err, 'keys:hsm_unavailable'),
    );
  });
});

describe('PKCS#11 vault: concurrency', () => {
  test('40 joins at once on the session pool each get their own, correct session keys', async () => {
    const vault = await freshVault();
    const devices = Array.from({ length: 40 }, () => ({
      devEui: new Uint8Array(randomBytes(8)),
      nwkKey: new Uint8Array(randomBytes(16)),
    }));
    for (const d of devices)
      await vault.importRootKeys({ devEui: d.devEui, nwkKey: d.nwkKey, overwrite: false });
    const outs = await Promise.all(
      devices.map((d, i) =>
        vault.buildJoinAccept(
          joinAcceptInput({ devEui: d.devEui, macVersion: '1.0.4', devNonce: i, joinNonce: 100 + i }),
        ),
      ),
    );
    outs.forEach((out, i) => {
      const d = devices[i]!;
      const ref = deriveSessionKeys10(
        AES128Key.fromBytes(d.nwkKey),
        JoinNonce.of(100 + i),
        NetID.parse('000013'),
        DevNonce.of(i),
      );
      assert.equal(Buffer.from(out.nwkSKey!.key).toString('hex'), ref.nwkSKey.toHex());
      assert.equal(Buffer.from(out.appSKey!.key).toString('hex'), ref.appSKey.toHex());
    });
  });
});

/**
 * A second session on the token, logged in with the PIN, as an attacker holding it would open one. It shares the
 * library the vaults of this process initialised, so it also sees their session objects.
 */
function inspectorSession(): { hsm: pkcs11js.PKCS11; session: Buffer } {
  const { hsm, session } = openTestTokenSession(env.PKCS11_MODULE, env.PKCS11_TOKEN_LABEL);
  try {
    hsm.C_Login(session, pkcs11js.CKU_USER, env.PKCS11_PIN);
  } catch (err) {
    if (!/CKR_USER_ALREADY_LOGGED_IN/.test((err as Error).message)) throw err;
  }
  return { hsm, session };
}

/** A LoRaWAN 1.0.4 join-accept with DevNonce = JoinNonce = `nonce`, its NwkSKey wrapped under the KEK `ns`. */
const joinUnderNsKek = (vault: KeyVault, devEui: Uint8Array, nonce: number) =>
  vault.buildJoinAccept({
    devEui,
    joinEui: new Uint8Array(8),
    macVersion: '1.0.4',
    joinType: 'join',
    devNonce: nonce,
    joinNonce: nonce,
    netId: Buffer.from('000013', 'hex'),
    devAddr: Buffer.from('26011234', 'hex'),
    dlSettings: 0,
    rxDelay: 1,
    optNeg: false,
    nwkKeyDelivery: { kekLabel: 'ns' },
    storageKekLabel: 'storage',
  });

/** The NwkSKey of that join by the reference derivation, and what a wrapped key unwraps to, as hex. */
const nwkSKeyHex = (nwkKey: Uint8Array, nonce: number) =>
  deriveSessionKeys10(
    AES128Key.fromBytes(nwkKey),
    JoinNonce.of(nonce),
    NetID.parse('000013'),
    DevNonce.of(nonce),
  ).nwkSKey.toHex();
const unwrappedHex = (kek: Uint8Array, wrapped: Uint8Array) =>
  Buffer.from(keyUnwrap(kek, wrapped)).toString('hex');

describe('PKCS#11 vault: session copies of KEKs', () => {
  test('a join leaves no session object behind, and a KEK deleted and created again wraps under its new value', async () => {
    const vault = await freshVault(undefined, { sessionCopies: true });
    const devEui = new Uint8Array(randomBytes(8));
    const nwkKey = new Uint8Array(randomBytes(16));
    await vault.importRootKeys({ devEui, nwkKey, overwrite: false });
    const first = new Uint8Array(randomBytes(16));
    await vault.createKek('ns', { purpose: 'peer', key: first });
    let nonce = 1;
    const join = () => joinUnderNsKek(vault, devEui, nonce++);
    const { hsm, session } = inspectorSession();
    const sessionObjects = () => {
      hsm.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_TOKEN, value: false }]);
      try {
        return hsm.C_FindObjects(session, 10_000).length;
      } finally {
        hsm.C_FindObjectsFinal(session);
      }
    };
    try {
      const out = await join();
      assert.equal(unwrappedHex(first, out.nwkSKey!.key), nwkSKeyHex(nwkKey, 1));
      // The first join made the copies of the two KEKs it used (ns, storage); later joins add none.
      const settled = sessionObjects();
      for (let i = 0; i < 5; i++) await join();
      assert.equal(sessionObjects(), settled, 'no derived key outlives its join, no KEK is copied twice');

      await vault.deleteKek('ns');
      assert.equal(sessionObjects(), settled - 1, 'deleting the KEK destroys its copy');
      await assert.rejects(join(), (err: unknown) => JoineryError.is(err, 'keys:unknown_kek'));
      const second = new Uint8Array(randomBytes(16));
      await vault.createKek('ns', { purpose: 'peer', key: second });
      const used = nonce;
      const again = await join();
      assert.equal(
        unwrappedHex(second, again.nwkSKey!.key),
        nwkSKeyHex(nwkKey, used),
        'wrapped under the new value',
      );
    } finally {
      hsm.C_CloseSession(session);
    }
  });
});

describe('PKCS#11 vault: a KEK replaced by another process', () => {
  test('is wrapped under its new value once the session copy has aged out', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const ours = await freshVault(prefix, { sessionCopies: true, sessionCopyTtlMs: 50 });
    // Another keys process on the same token (here: another session and cache) manages the KEKs.
    const other = openPkcs11Vault({
      module: env.PKCS11_MODULE,
      tokenLabel: env.PKCS11_TOKEN_LABEL,
      pin: env.PKCS11_PIN,
      labelPrefix: prefix,
      sessionCopies: true,
    });
    opened.push(other);
    const devEui = new Uint8Array(randomBytes(8));
    const nwkKey = new Uint8Array(randomBytes(16));
    await ours.importRootKeys({ devEui, nwkKey, overwrite: false });
    const first = new Uint8Array(randomBytes(16));
    await other.createKek('ns', { purpose: 'peer', key: first });
    const out = await joinUnderNsKek(ours, devEui, 1);
    assert.equal(unwrappedHex(first, out.nwkSKey!.key), nwkSKeyHex(nwkKey, 1));

    await other.deleteKek('ns');
    const second = new Uint8Array(randomBytes(16));
    await other.createKek('ns', { purpose: 'peer', key: second });
    await new Promise((resolve) => setTimeout(resolve, 80));
    const again = await joinUnderNsKek(ours, devEui, 2);
    assert.equal(
      unwrappedHex(second, again.nwkSKey!.key),
      nwkSKeyHex(nwkKey, 2),
      'wrapped under the new value',
    );
  });
});

describe('PKCS#11 vault: root keys stay in the HSM', () => {
  test('a root key is a sensitive, non-extractable token object whose value nobody can read or wrap out', async () => {
    const prefix = `secrecy-${randomUUID().slice(0, 8)}`;
    const vault = await freshVault(prefix);
    const devEui = new Uint8Array(randomBytes(8));
    const nwkKey = new Uint8Array(randomBytes(16));
    await vault.importRootKeys({ devEui, nwkKey, overwrite: false });
    await vault.createKek('peer', { purpose: 'peer' });

    // An independent session on the same token, logged in with the PIN.
    const { hsm, session } = inspectorSession();
    {
      const label = `${prefix}:root:nwk:${Buffer.from(devEui).toString('hex').toUpperCase()}`;
      hsm.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: label }]);
      const [handle] = hsm.C_FindObjects(session, 2);
      hsm.C_FindObjectsFinal(session);
      assert.ok(handle, 'the root key is on the token');
      const attrs = hsm.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_TOKEN },
        { type: pkcs11js.CKA_ALWAYS_SENSITIVE },
        { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
      ]);
      const flag = (i: number) => (attrs[i]?.value as Buffer)[0];
      assert.deepEqual([flag(0), flag(1), flag(2)], [1, 0, 1]);
      assert.throws(
        () => hsm.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }]),
        /CKR_ATTRIBUTE_SENSITIVE/,
      );
      hsm.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: `${prefix}:kek:peer` }]);
      const [kek] = hsm.C_FindObjects(session, 1);
      hsm.C_FindObjectsFinal(session);
      assert.ok(kek);
      assert.throws(
        () => hsm.C_WrapKey(session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP }, kek, handle, Buffer.alloc(40)),
        /CKR_KEY_UNEXTRACTABLE|CKR_KEY_NOT_WRAPPABLE/,
      );
      hsm.C_CloseSession(session);
    }
  });

  test('a wrong PIN, module or token label fails with a code and never echoes the PIN', () => {
    const wrongPin = `wrong-${randomUUID()}`;
    assert.throws(
      () => openPkcs11Vault({ module: env.PKCS11_MODULE, tokenLabel: env.PKCS11_TOKEN_LABEL, pin: wrongPin }),
      (err: unknown) =>
        JoineryError.is(err, 'keys:hsm_login_failed') &&
        !JSON.stringify(err).includes(wrongPin) &&
        !String(err).includes(wrongPin),
    );
    assert.throws(
      () => openPkcs11Vault({ module: '/nonexistent/libpkcs11.so', tokenLabel: 'x', pin: 'x' }),
      (err: unknown) => JoineryError.is(err, 'keys:hsm_unavailable'),
    );
    assert.throws(
      () => openPkcs11Vault({ module: env.PKCS11_MODULE, tokenLabel: 'no-such-token', pin: env.PKCS11_PIN }),
      (err: unknown) => JoineryError.is(err, 'keys:hsm_token_not_found'),
    );
  });
});

describe('PKCS#11 vault: opening on a filled token', () => {
  test('the objects of its prefix are indexed in one search at open, and used from there', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const first = await freshVault(prefix); // creates the storage KEK
    const devEuis = Array.from({ length: 5 }, () => new Uint8Array(randomBytes(8)));
    for (const [i, devEui] of devEuis.entries())
      await first.importRootKeys({
        devEui,
        nwkKey: new Uint8Array(randomBytes(16)),
        ...(i < 2 ? { appKey: new Uint8Array(randomBytes(16)) } : {}),
        overwrite: false,
      });
    await first.createKek('ns:000013', { purpose: 'peer' });
    // Another prefix on the same token is not this vault's.
    await (await freshVault()).createKek('ns:000013', { purpose: 'peer' });

    const logs = captureLogs();
    const second = openPkcs11Vault({
      module: env.PKCS11_MODULE,
      tokenLabel: env.PKCS11_TOKEN_LABEL,
      pin: env.PKCS11_PIN,
      labelPrefix: prefix,
      logger: logs.logger,
    });
    opened.push(second);
    const [line] = logs.grep('HSM objects indexed') as [Record<string, unknown>];
    assert.equal(line.root_keys, 7, '5 NwkKeys and 2 AppKeys');
    assert.equal(line.keks, 2, 'the storage KEK and the peer KEK');
    assert.ok((line.token_objects as number) >= 9 + 2);
    for (const devEui of devEuis) assert.equal(await second.hasRootKeys(devEui), true);
    assert.equal(await second.hasKek('ns:000013'), true);
    await assert.rejects(
      second.importRootKeys({ devEui: devEuis[0]!, nwkKey: new Uint8Array(16), overwrite: false }),
      (err: unknown) => JoineryError.is(err, 'keys:root_keys_exist'),
    );
  });
});

describe('PKCS#11 vault: batch imports', () => {
  test('a batch checks existence against an index taken at its start: keys created elsewhere meanwhile are refused', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const ours = await freshVault(prefix);
    // Another process on the same token (here: another session and cache) imports a device after we opened.
    const other = openPkcs11Vault({
      module: env.PKCS11_MODULE,
      tokenLabel: env.PKCS11_TOKEN_LABEL,
      pin: env.PKCS11_PIN,
      labelPrefix: prefix,
    });
    opened.push(other);
    const taken = new Uint8Array(randomBytes(8));
    await other.importRootKeys({ devEui: taken, nwkKey: new Uint8Array(randomBytes(16)), overwrite: false });

    const item = (devEui: Uint8Array) => ({
      devEui,
      macVersion: '1.0.4' as const,
      keys: { plain: { nwkKey: new Uint8Array(randomBytes(16)), appKey: new Uint8Array(0) } },
      overwrite: false,
    });
    const fresh = Array.from({ length: 3 }, () => new Uint8Array(randomBytes(8)));
    const deps = { vault: ours, logger: captureLogs().logger };
    await assert.rejects(importRootKeys(deps, [item(fresh[0]!), item(taken)]), (err: unknown) =>
      JoineryError.is(err, 'keys:root_keys_exist'),
    );
    assert.equal(await ours.hasRootKeys(fresh[0]!), false, 'the failed batch rolled back what it created');
    assert.equal(await importRootKeys(deps, fresh.map(item)), 3);
    for (const devEui of fresh) assert.equal(await ours.hasRootKeys(devEui), true);
    await assert.rejects(importRootKeys(deps, [item(fresh[1]!)]), (err: unknown) =>
      JoineryError.is(err, 'keys:root_keys_exist'),
    );
  });
});
